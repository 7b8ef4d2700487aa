"""``python -m dds_healthcheck``."""

from dds_healthcheck.cli import main

if __name__ == "__main__":
    main()
