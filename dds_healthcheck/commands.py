"""The assembled command: `dds-healthcheck` with its subcommands, also the `dds healthcheck` plugin."""

from __future__ import annotations

from dds_healthcheck.cli import healthcheck
from dds_healthcheck.cmd_explain import explain, report
from dds_healthcheck.cmd_run import run

healthcheck.add_command(run)
healthcheck.add_command(explain)
healthcheck.add_command(report)

__all__ = ["healthcheck", "main"]


def main() -> None:
    """Console-script entry point."""
    healthcheck(prog_name="dds-healthcheck")
