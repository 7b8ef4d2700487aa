"""What a probe may look at: settings, the clock and host facts, all injected."""

from __future__ import annotations

import dataclasses
import datetime
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from dds_healthcheck.host import HostFacts
    from dds_healthcheck.model import Result

DEFAULT_API_URL = "https://delivery.scilifelab.se"
DEFAULT_PYPI_URL = "https://pypi.org/pypi"

#: `dds` picks its server from DDS_CLI_ENV (dds_cli/__init__.py); anything else means production.
API_URL_BY_DDS_CLI_ENV = {
    "test-instance": "https://testing.delivery.scilifelab.se",
    "dev-instance": "https://dev.delivery.scilifelab.se",
    "development": "http://127.0.0.1:5000",
    "docker-dev": "http://dds_backend:5000",
}


def default_api_url(env: Mapping[str, str]) -> str:
    return API_URL_BY_DDS_CLI_ENV.get(env.get("DDS_CLI_ENV", ""), DEFAULT_API_URL)


class Clock(Protocol):
    def now(self) -> datetime.datetime:
        """Aware UTC wall-clock time."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""


class SystemClock:
    def now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()


@dataclasses.dataclass(frozen=True, kw_only=True)
class Settings:
    """The user's answers to the CLI options, already validated."""

    token_path: Path
    allow_group: bool = False
    destination: Path
    size_bytes: int | None = None
    #: Transfer rate the user says their link has, in bytes per second.
    bandwidth_bytes_per_s: float | None = None
    api_url: str = DEFAULT_API_URL
    pypi_url: str = DEFAULT_PYPI_URL
    offline: bool = False
    timeout_s: float = 15.0
    cache_dir: Path
    #: A URL to download from for network.throughput (may be presigned: never shown whole).
    throughput_url: str | None = None
    #: DDS project id for the project probe.
    project: str | None = None
    #: Put the DDS user name and e-mail in the report (off by default).
    include_identity: bool = False
    #: The folder dds runs in: staging folders appear here by default.
    working_dir: Path = dataclasses.field(default_factory=Path.cwd)
    #: `dds data put --mount-dir`: where upload staging copies are written instead.
    mount_dir: Path | None = None
    #: "get" or "put" when the check runs as a preflight for that command.
    direction: str | None = None
    #: `--num-threads` of the dds command (dds's default is 4).
    num_threads: int = 4
    #: Size of the largest file in an upload, when known (sizes the staging copies).
    largest_file_bytes: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProbeContext:
    """Everything a probe gets. Tests build one from fakes; the CLI builds the real one."""

    settings: Settings
    clock: Clock
    host: HostFacts
    #: Monotonic time by which this probe must have returned.
    deadline: float
    #: Results of the probes named in the probe's ``after``, by id (missing when they did not finish).
    upstream: Mapping[str, Result] = dataclasses.field(default_factory=dict)

    def remaining_s(self) -> float:
        return max(0.0, self.deadline - self.clock.monotonic())
