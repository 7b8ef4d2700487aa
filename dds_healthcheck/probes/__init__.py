"""The built-in probes, in report order."""

from __future__ import annotations

from dds_healthcheck.probes.cli_version import CliVersion
from dds_healthcheck.probes.console_encoding import ConsoleEncoding
from dds_healthcheck.probes.disk_space import DiskSpace
from dds_healthcheck.probes.network_latency import NetworkLatency
from dds_healthcheck.probes.token_expiry import TokenExpiry
from dds_healthcheck.probes.token_permissions import TokenPermissions

BUILTIN_PROBES = (TokenPermissions, TokenExpiry, DiskSpace, CliVersion, ConsoleEncoding, NetworkLatency)

__all__ = [
    "BUILTIN_PROBES",
    "CliVersion",
    "ConsoleEncoding",
    "DiskSpace",
    "NetworkLatency",
    "TokenExpiry",
    "TokenPermissions",
]
