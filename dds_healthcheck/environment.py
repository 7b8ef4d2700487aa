"""The ``environment`` block of the report: facts support staff ask for first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dds_healthcheck.host import HostFacts
from dds_healthcheck.model import Result


def describe_environment(host: HostFacts, results: Sequence[Result]) -> dict[str, Any]:
    """OS, Python, dds-cli and console facts; nothing that identifies the user or machine."""
    version_result = next((r for r in results if r.id == "cli.version"), None)
    if version_result is not None:
        dds_version = version_result.data.get("installed")
        dds_method = version_result.data.get("install_method")
    else:  # the probe was not selected: look it up here instead
        from dds_healthcheck.dds_install import installation_for

        found = installation_for(host)
        dds_version, dds_method = found.version, found.method.value
    streams = {s.name: s for s in host.streams}
    return {
        "os": host.system,
        "os_release": host.release,
        "python": host.python_version,
        "dds_cli_version": dds_version,
        "dds_cli_install_method": dds_method,
        "stdout_encoding": streams["stdout"].encoding if "stdout" in streams else None,
        "stderr_encoding": streams["stderr"].encoding if "stderr" in streams else None,
        "locale_encoding": host.preferred_encoding,
        "dds_cli_env": host.env.get("DDS_CLI_ENV"),
    }
