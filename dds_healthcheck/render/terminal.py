"""The human report: one line per probe, the guide section and the fix for each problem.

Every status is a word as well as a colour, and glyphs fall back to ASCII where the
console's encoding cannot carry them (cp1252, ASCII): this report is read on exactly the
consoles that `console.encoding` warns about.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from rich.table import Table
from rich.text import Text

from dds_healthcheck import __version__
from dds_healthcheck.model import Report, Status, count_statuses
from dds_healthcheck.redact import Redactor
from dds_healthcheck.sections import GUIDE_URL, describe

if TYPE_CHECKING:
    from rich.console import Console

    from dds_healthcheck.probe import Probe

UNICODE_GLYPHS = {
    Status.OK: "\u2713",
    Status.WARN: "!",
    Status.FAIL: "\u2717",
    Status.SKIP: "-",
    Status.ERROR: "?",
}
ASCII_GLYPHS = {Status.OK: "+", Status.WARN: "!", Status.FAIL: "x", Status.SKIP: "-", Status.ERROR: "?"}
WORDS = {Status.OK: "ok", Status.WARN: "WARN", Status.FAIL: "FAIL", Status.SKIP: "skip", Status.ERROR: "ERROR"}
STYLES = {
    Status.OK: "green",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.SKIP: "dim",
    Status.ERROR: "magenta",
}


_TRAILING_PAD = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$")


def make_console(stream: TextIO, env: Mapping[str, str]) -> Console:
    """A console on ``stream``: colour only on a terminal, and no escape codes at all under NO_COLOR."""
    from rich.console import Console

    no_color = bool(env.get("NO_COLOR"))
    return Console(file=stream, highlight=False, color_system=None if no_color else "auto", no_color=no_color)


def supports_unicode(encoding: str | None) -> bool:
    if not encoding:
        return False
    try:
        "".join(UNICODE_GLYPHS.values()).encode(encoding)
        codecs.lookup(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _grid() -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)  # glyph and status word
    grid.add_column(no_wrap=True)  # probe id
    grid.add_column(ratio=1, overflow="fold")  # summary, remedy, guide
    return grid


def render_report(report: Report, console: Console, redactor: Redactor, *, verbose: bool = False) -> None:
    glyphs = UNICODE_GLYPHS if supports_unicode(console.encoding) else ASCII_GLYPHS
    console.print(
        Text(f"dds-healthcheck {__version__}: {len(report.results)} checks in {report.duration_s:.2f} s"),
        highlight=False,
    )
    grid = _grid()
    for result in report.results:
        label = Text(f"{glyphs[result.status]} {WORDS[result.status]:<5}", style=STYLES[result.status])
        summary = redactor.text(result.summary)
        if verbose:
            summary += f" [{result.duration_s:.2f} s]"
        grid.add_row(label, Text(result.id, style="bold"), Text(summary))
        problem = result.status in (Status.WARN, Status.FAIL, Status.ERROR)
        if result.detail and (verbose or (problem and result.status is not Status.ERROR)):
            grid.add_row("", "", Text(redactor.text(result.detail), style="dim"))
        if problem and result.remedy:
            grid.add_row("", "", Text("Fix: " + redactor.text(result.remedy)))
        if problem and result.status is not Status.ERROR:
            for reference in result.sections:
                grid.add_row("", "", Text("Guide: " + describe(reference), style="cyan"))
    _print_trimmed(console, grid)
    counts = count_statuses(report.results)
    tally = ", ".join(f"{counts[s.value]} {s.value}" for s in Status)
    verdict = "interrupted" if report.interrupted else _verdict(counts)
    console.print(Text(f"{verdict}: {tally} (exit code {int(report.exit_code)})"), highlight=False)
    if counts["warn"] or counts["fail"]:
        console.print(Text(f"Troubleshooting guide: {GUIDE_URL}"), highlight=False)


def _print_trimmed(console: Console, renderable: Table) -> None:
    """Print without the padding rich adds to the end of every table line."""
    with console.capture() as capture:
        console.print(renderable)
    lines = capture.get().split("\n")
    console.file.write("\n".join(_TRAILING_PAD.sub(r"\1", line) for line in lines))
    console.file.flush()


def _verdict(counts: dict[str, int]) -> str:
    if counts["fail"]:
        return "Problems found"
    if counts["error"]:
        return "Some checks could not finish"
    if counts["warn"]:
        return "Ready, with warnings"
    return "Ready"


def render_probe_list(probes: list[Probe], console: Console) -> None:
    grid = _grid()
    for probe in probes:
        network = "network" if probe.needs_network else "local"
        sections = ", ".join(probe.sections) or "-"
        grid.add_row(Text(probe.id, style="bold"), Text(network), Text(f"{probe.title} (guide: {sections})"))
    _print_trimmed(console, grid)
