"""`explain` (error text or log -> guide sections) and `report` (a redacted support artefact)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, Any

import click

from dds_healthcheck.cli import OPTIONS_KEY, build_report, guarded, settings_from, write_private_file

AUDIENCES = ("user", "data-centre")


def _source_stream(source: str) -> tuple[IO[bytes], str]:
    if source == "-":
        return sys.stdin.buffer, "standard input"
    path = Path(os.path.expanduser(source))
    if path.is_dir():
        msg = f"{source!r} is a directory; give a log file, a failed-delivery JSON file, or - for standard input"
        raise click.BadParameter(msg, param_hint="FILE")
    try:
        return path.open("rb"), source
    except OSError as exc:
        msg = f"cannot read {source!r}: {exc.strerror or exc}"
        raise click.BadParameter(msg, param_hint="FILE") from None


def explanation_to_dict(explained: Any, audience: str) -> dict[str, Any]:
    from dds_healthcheck.sections import Audience, explanation, section_title

    chosen = Audience(audience)
    items = []
    for found in explained.recognised:
        sections = []
        for reference in found.sections:
            meaning, advice = explanation(reference, chosen)
            sections.append(
                {"section": reference, "title": section_title(reference), "meaning": meaning, "advice": advice}
            )
        items.append(
            {
                "key": found.key,
                "note": found.note,
                "first_line": found.first_line,
                "count": found.count,
                "excerpt": found.excerpt,
                "sections": sections,
            }
        )
    fallback = None
    if not items:
        meaning, advice = explanation("G", chosen)
        fallback = {"section": "G", "title": section_title("G"), "meaning": meaning, "advice": advice}
    failed = explained.failed_delivery
    return {
        "source": explained.source,
        "audience": audience,
        "lines_read": explained.lines_read,
        "binary": explained.binary,
        "recognised": items,
        "unknown": fallback,
        "failed_delivery": None
        if failed is None
        else {
            "direction": failed.direction,
            "failed_files": failed.failed_files,
            "failed_steps": failed.failed_steps,
            "failed_bytes": failed.total_bytes,
            "read_error": failed.error,
        },
    }


WHAT_TO_SEND = (
    "When you write for help, send: the exact command you ran, the whole error message, the output of "
    "`dds --version`, your operating system, and the log files in the DataDelivery_*/logs folder "
    "(`dds-healthcheck report` collects these with secrets removed)."
)


def _render_explanation(document: dict[str, Any]) -> None:
    from rich.text import Text

    from dds_healthcheck.render.terminal import make_console

    console = make_console(sys.stdout, os.environ)
    if document["binary"]:
        console.print(Text(f"{document['source']} looks like a binary file, not a log or an error message."))
    for item in document["recognised"]:
        seen = f"line {item['first_line']}" + (f", {item['count']} times" if item["count"] > 1 else "")
        for section in item["sections"]:
            console.print(Text(f"Section {section['section']}: {section['title']}", style="bold"))
            console.print(Text(f"  What it means: {item['note']} {section['meaning']}".rstrip()))
            console.print(Text(f"  What to do: {section['advice']}"))
        if item["excerpt"]:
            console.print(Text(f"  Seen ({seen}): {item['excerpt']}", style="dim"))
        console.print()
    if document["unknown"] is not None:
        console.print(Text(f"No known DDS problem was recognised in {document['source']}.", style="bold"))
        console.print(Text(f"  {document['unknown']['advice']}"))
        console.print(Text(f"  {WHAT_TO_SEND}"))


@click.command(name="explain", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("source", metavar="[FILE|-]", default="-")
@click.option(
    "--audience", type=click.Choice(AUDIENCES), default="user", show_default=True, help="Whose steps to show."
)
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@click.pass_context
@guarded
def explain(ctx: click.Context, source: str, audience: str, as_json: bool) -> None:
    """Map an error message, a dds log, a traceback or a dds_failed_delivery.json onto the guide.

    Reads FILE, or standard input with - (the default). Exit code 0 when a known problem
    was recognised, 1 when none was, 2 for a usage error.
    """
    from dds_healthcheck.explain import explain_stream
    from dds_healthcheck.render.json_report import dumps

    group_options = ctx.meta.get(OPTIONS_KEY) or {}
    as_json = as_json or bool(group_options.get("as_json"))
    if source == "-" and sys.stdin is not None and sys.stdin.isatty():
        click.echo("Paste the error message, then press Ctrl-D (Ctrl-Z and Enter on Windows):", err=True)
    stream, name = _source_stream(source)
    try:
        explained = explain_stream(stream, name)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    document = explanation_to_dict(explained, audience)
    if as_json:
        sys.stdout.write(dumps(document))
    else:
        _render_explanation(document)
    sys.exit(0 if document["recognised"] else 1)


def newest_logs(roots: list[Path], limit: int = 3) -> list[Path]:
    """The most recent dds log files and failed-delivery files in the staging folders under ``roots``."""
    from dds_healthcheck.deliveries import FAILED_FILE, find_staging_folders

    candidates: list[Path] = []
    for folder in find_staging_folders(roots):
        candidates.extend(sorted((folder / "logs").glob("dds_*.log")))
        if (folder / FAILED_FILE).is_file():
            candidates.append(folder / FAILED_FILE)

    def modified(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0

    return sorted(candidates, key=modified, reverse=True)[:limit]


@click.command(name="report", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--to", "target", metavar="FILE", help="Where to write the report.  [default: dds-healthcheck-report-<time>.json]"
)
@click.pass_context
@guarded
def report(ctx: click.Context, target: str | None) -> None:
    """Write one redacted file for a support ticket: the health check plus explained logs.

    Token, presigned-URL signatures, home folder, user name, host name, e-mail and IP
    addresses and proxy passwords are removed (keep user name and e-mail with the group's
    --include-identity). Nothing is sent anywhere.
    """
    import datetime

    from dds_healthcheck.cli import _tolerant_streams, secrets
    from dds_healthcheck.explain import explain_stream
    from dds_healthcheck.host import current_host
    from dds_healthcheck.redact import Redactor
    from dds_healthcheck.registry import all_probes
    from dds_healthcheck.render.json_report import dumps, report_to_dict

    options: dict[str, Any] = ctx.meta.get(OPTIONS_KEY) or {}
    host = current_host()
    _tolerant_streams()
    settings = settings_from(host, options)
    now = datetime.datetime.now(datetime.timezone.utc)
    path = Path(os.path.abspath(target or f"dds-healthcheck-report-{now:%Y%m%d-%H%M%S}.json"))
    if not path.parent.is_dir():
        msg = f"the folder {str(path.parent)!r} does not exist"
        raise click.BadParameter(msg, param_hint="--to")
    checked = build_report(all_probes(), settings, host, strict=False)
    logs = []
    for log in newest_logs([settings.working_dir, settings.destination]):
        with log.open("rb") as stream:
            logs.append(explanation_to_dict(explain_stream(stream, str(log)), "data-centre"))
    scrub = Redactor(
        host.home,
        secrets(settings),
        username=None if settings.include_identity else host.username,
        hostname=_hostname(),
        emails=not settings.include_identity,
        addresses=True,
    )
    document: dict[str, Any] = {"health_check": report_to_dict(checked, scrub), "logs": scrub.tree(logs)}
    document["redacted"] = dict(scrub.counts)
    write_private_file(path, dumps(document))
    click.echo(f"Wrote {path} (mode 0600). Nothing was sent anywhere.")
    if scrub.counts:
        click.echo("Removed: " + ", ".join(f"{n} {kind}" for kind, n in sorted(scrub.counts.items())))
    else:
        click.echo("Removed: nothing needed removing.")
    click.echo("Read it before you attach it to a ticket.")


def _hostname() -> str | None:
    import socket

    try:
        name = socket.gethostname()
    except OSError:
        return None
    return name or None
