"""Probe: can this console show what `dds` prints (section R)."""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING, Any

from dds_healthcheck.model import Finding, ok, skip, warn
from dds_healthcheck.probe import Probe

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext
    from dds_healthcheck.host import StreamFacts

#: The dds banner's arcs (U+FE35, U+FE36), printed to stderr by every dds command.
BANNER_SAMPLE = "\ufe35\ufe36"
UTF8_CODE_PAGE = 65001


def can_encode(encoding: str | None, text: str = BANNER_SAMPLE) -> bool:
    if not encoding:
        return False
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _normalised(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


class ConsoleEncoding(Probe):
    id = "console.encoding"
    title = "Console encoding"
    sections = ("R",)
    timeout_s = 3.0

    def run(self, ctx: ProbeContext) -> Finding:
        host = ctx.host
        streams = [s for s in host.streams if s.encoding is not None]
        facts: dict[str, Any] = {
            s.name: {"encoding": _normalised(s.encoding), "errors": s.errors, "isatty": s.isatty} for s in host.streams
        }
        facts.update(
            PYTHONIOENCODING=host.env.get("PYTHONIOENCODING"),
            PYTHONUTF8=host.env.get("PYTHONUTF8"),
            locale_encoding=_normalised(host.preferred_encoding),
        )
        if host.is_windows and host.read_windows_console is not None:
            console = host.read_windows_console()
            facts.update(
                code_page=console.output_code_page,
                legacy_console=console.legacy,
                windows_terminal=console.windows_terminal,
            )
        if not streams:
            return skip("no console is attached (stdout and stderr are closed)", **facts)
        failing = [s for s in streams if not can_encode(s.encoding)]
        if failing:
            return warn(_summary(failing), remedy=_remedy(host.is_windows), detail=_detail(failing), **facts)
        code_page = facts.get("code_page")
        if (
            host.is_windows
            and isinstance(code_page, int)
            and code_page != UTF8_CODE_PAGE
            and facts.get("legacy_console")
        ):
            return warn(
                f"legacy Windows console with code page {code_page}: dds's output may be garbled "
                "or stall when redirected",
                remedy=_remedy(windows=True),
                **facts,
            )
        names = ", ".join(f"{s.name} {_normalised(s.encoding)}" for s in streams)
        return ok(f"the console can show dds's output ({names})", **facts)


def _summary(failing: list[StreamFacts]) -> str:
    parts = ", ".join(f"{s.name} uses {_normalised(s.encoding)}" for s in failing)
    return f"{parts}, which cannot show the characters of dds's banner"


def _detail(failing: list[StreamFacts]) -> str:
    redirected = [s.name for s in failing if not s.isatty]
    note = (
        f" {' and '.join(redirected)} is redirected or captured (as PowerShell does with "
        "native commands), so Python falls back to the locale's encoding."
        if redirected
        else ""
    )
    return (
        "dds prints U+FE35 and U+FE36 in its banner; where they cannot be encoded the "
        "output shows escapes like \\ufe35 and dds may appear to freeze." + note
    )


def _remedy(windows: bool) -> str:
    if windows:
        return (
            "Set PYTHONUTF8=1 for your user (`setx PYTHONUTF8 1`, then open a new window), or "
            "run `chcp 65001` first; Windows Terminal avoids the legacy console. If dds still "
            "freezes, use the standalone dds executable instead of the PyPI install."
        )
    return "Use a UTF-8 locale (e.g. `export LANG=C.UTF-8`) or set PYTHONUTF8=1 before running dds."
