"""``python -m dds_healthcheck``."""

from dds_healthcheck.commands import main

if __name__ == "__main__":
    main()
