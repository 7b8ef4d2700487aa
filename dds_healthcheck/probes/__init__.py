"""The built-in probes, in report order."""

from __future__ import annotations

from dds_healthcheck.probes.account import Account
from dds_healthcheck.probes.api_motd import ApiMotd
from dds_healthcheck.probes.api_status import ApiStatus
from dds_healthcheck.probes.cli_version import CliVersion
from dds_healthcheck.probes.clock_skew import ClockSkew
from dds_healthcheck.probes.console_encoding import ConsoleEncoding
from dds_healthcheck.probes.deliveries_failed import DeliveriesFailed
from dds_healthcheck.probes.disk_space import DiskSpace
from dds_healthcheck.probes.netrc_entry import NetrcEntry
from dds_healthcheck.probes.network_latency import NetworkLatency
from dds_healthcheck.probes.network_proxy import NetworkProxy
from dds_healthcheck.probes.network_throughput import NetworkThroughput
from dds_healthcheck.probes.network_tls import NetworkTls
from dds_healthcheck.probes.project import Project
from dds_healthcheck.probes.token_expiry import TokenExpiry
from dds_healthcheck.probes.token_permissions import TokenPermissions

BUILTIN_PROBES = (
    TokenPermissions,
    TokenExpiry,
    DiskSpace,
    CliVersion,
    ConsoleEncoding,
    NetworkLatency,
    NetworkProxy,
    NetworkTls,
    ApiStatus,
    ApiMotd,
    ClockSkew,
    NetrcEntry,
    NetworkThroughput,
    Account,
    Project,
    DeliveriesFailed,
)

__all__ = [
    "BUILTIN_PROBES",
    "Account",
    "ApiMotd",
    "ApiStatus",
    "CliVersion",
    "ClockSkew",
    "ConsoleEncoding",
    "DeliveriesFailed",
    "DiskSpace",
    "NetrcEntry",
    "NetworkLatency",
    "NetworkProxy",
    "NetworkThroughput",
    "NetworkTls",
    "Project",
    "TokenExpiry",
    "TokenPermissions",
]
