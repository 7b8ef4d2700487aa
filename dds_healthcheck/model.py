"""Result model: statuses, findings, results and the report that holds them."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from typing import Any


class Status(str, enum.Enum):
    """Outcome of one probe, ordered from best to worst for exit-code purposes."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"  # does not apply here (offline, other platform, nothing to check)
    ERROR = "error"  # the probe could not finish: crashed, timed out, interrupted


#: JSON-safe evidence: numbers, strings, booleans, None, and lists/dicts of them.
Evidence = Mapping[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Finding:
    """What a probe found; the runner turns it into a :class:`Result`."""

    status: Status
    summary: str
    detail: str = ""
    remedy: str = ""
    #: Narrower guide references than the probe's own, e.g. ("I",) on Windows.
    sections: tuple[str, ...] | None = None
    data: Evidence = dataclasses.field(default_factory=dict)


def ok(summary: str, *, detail: str = "", sections: tuple[str, ...] | None = None, **data: Any) -> Finding:
    return Finding(status=Status.OK, summary=summary, detail=detail, sections=sections, data=data)


def skip(summary: str, *, detail: str = "", sections: tuple[str, ...] | None = None, **data: Any) -> Finding:
    return Finding(status=Status.SKIP, summary=summary, detail=detail, sections=sections, data=data)


def warn(
    summary: str,
    *,
    remedy: str,
    detail: str = "",
    sections: tuple[str, ...] | None = None,
    **data: Any,
) -> Finding:
    return Finding(status=Status.WARN, summary=summary, remedy=remedy, detail=detail, sections=sections, data=data)


def fail(
    summary: str,
    *,
    remedy: str,
    detail: str = "",
    sections: tuple[str, ...] | None = None,
    **data: Any,
) -> Finding:
    return Finding(status=Status.FAIL, summary=summary, remedy=remedy, detail=detail, sections=sections, data=data)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Result:
    """One probe's outcome as reported to the user and in the JSON report."""

    id: str
    title: str
    status: Status
    summary: str
    detail: str = ""
    sections: tuple[str, ...] = ()
    remedy: str = ""
    data: Evidence = dataclasses.field(default_factory=dict)
    duration_s: float = 0.0


class ExitCode(enum.IntEnum):
    """Process exit codes; part of the CLI contract."""

    HEALTHY = 0
    FAILED = 1
    USAGE = 2
    UNKNOWN = 3  # nothing failed, but some probe could not finish
    INTERRUPTED = 130


def exit_code_for(results: Sequence[Result], *, strict: bool) -> ExitCode:
    """Exit code for a finished run: fail beats error; warn counts as fail under ``strict``."""
    statuses = {r.status for r in results}
    if Status.FAIL in statuses or (strict and Status.WARN in statuses):
        return ExitCode.FAILED
    if Status.ERROR in statuses:
        return ExitCode.UNKNOWN
    return ExitCode.HEALTHY


def count_statuses(results: Sequence[Result]) -> dict[str, int]:
    counts = {status.value: 0 for status in Status}
    for result in results:
        counts[result.status.value] += 1
    return counts


@dataclasses.dataclass(frozen=True, kw_only=True)
class Report:
    """A finished (or interrupted) run: results in display order plus run facts."""

    results: tuple[Result, ...]
    started_at: str  #: ISO 8601 UTC
    duration_s: float
    exit_code: ExitCode
    environment: Evidence
    interrupted: bool = False
