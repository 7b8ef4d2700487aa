"""dds-healthcheck: check a machine before a large SciLifeLab DDS delivery.

Kept import-free so that ``dds-healthcheck --version`` starts fast.
"""

__version__ = "0.1.0"
