"""Fakes for testing probes, ours and third-party ones: a clock, host facts and a context."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dds_healthcheck.context import ProbeContext, Settings
from dds_healthcheck.host import HostFacts, StreamFacts
from dds_healthcheck.model import Result
from dds_healthcheck.probe import Probe

#: A fixed "now" for tests: 2026-12-03 12:00 UTC.
FIXED_NOW = datetime.datetime(2026, 12, 3, 12, 0, tzinfo=datetime.timezone.utc)


class FakeClock:
    """Wall clock fixed at ``now``; the monotonic clock is real, so deadlines still work."""

    def __init__(self, now: datetime.datetime = FIXED_NOW) -> None:
        self._now = now

    def now(self) -> datetime.datetime:
        return self._now

    def monotonic(self) -> float:
        import time

        return time.monotonic()


def utf8_streams() -> tuple[StreamFacts, ...]:
    return (
        StreamFacts(name="stdout", encoding="utf-8", errors="strict", isatty=True),
        StreamFacts(name="stderr", encoding="utf-8", errors="backslashreplace", isatty=True),
    )


def make_host(**overrides: Any) -> HostFacts:
    """Linux-like host facts with a UTF-8 console; override any field."""
    values: dict[str, Any] = {
        "system": "Linux",
        "release": "6.1.0",
        "python_version": "3.11.7",
        "env": {},
        "home": Path("/home/tester"),
        "euid": _euid(),
        "streams": utf8_streams(),
        "preferred_encoding": "UTF-8",
        "path_dirs": (),
    }
    values.update(overrides)
    return HostFacts(**values)


def _euid() -> int | None:
    import os

    return os.geteuid() if hasattr(os, "geteuid") else None


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "token_path": tmp_path / ".dds_cli_token",
        "destination": tmp_path,
        "cache_dir": tmp_path / "cache",
        "timeout_s": 10.0,
    }
    values.update(overrides)
    return Settings(**values)


def make_context(
    settings: Settings,
    *,
    host: HostFacts | None = None,
    clock: FakeClock | None = None,
    timeout_s: float = 10.0,
    upstream: Mapping[str, Result] | None = None,
) -> ProbeContext:
    clock = clock or FakeClock()
    return ProbeContext(
        settings=settings,
        clock=clock,
        host=host or make_host(),
        deadline=clock.monotonic() + timeout_s,
        upstream=dict(upstream or {}),
    )


def check(probe: Probe, ctx: ProbeContext) -> Result:
    """Run one probe directly and shape its finding as the runner would (no threads, no deadline)."""
    from dds_healthcheck.runner import to_result

    return to_result(probe, probe.run(ctx), 0.0)


def replace(settings: Settings, **changes: Any) -> Settings:
    return dataclasses.replace(settings, **changes)
