"""`dds-healthcheck run -- dds data get|put ...`: check what that command needs, then run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from dds_healthcheck.cli import OPTIONS_KEY, build_report, emit, guarded, redactor_for, settings_from

#: The probes that matter before a transfer, besides the command check itself.
PREFLIGHT_PROBES = (
    "token.permissions",
    "token.expiry",
    "disk.space",
    "netrc",
    "api.status",
    "clock.skew",
    "account",
    "project",
    "deliveries.failed",
)


def _overrides(command: Any, options: dict[str, Any], working_dir: Path) -> tuple[dict[str, Any], Any]:
    from dds_healthcheck.preflight import read_source_path_file, size_sources

    def absolute(text: str) -> Path:
        return Path(os.path.abspath(os.path.join(working_dir, os.path.expanduser(text))))

    overrides: dict[str, Any] = {
        "direction": command.action,
        "num_threads": command.num_threads,
        "project": command.project or options["project"],
        "working_dir": working_dir,
    }
    if command.token_path:
        overrides["token_path"] = absolute(command.token_path)
    upload = None
    if command.action == "get":
        # dds creates --destination itself: space is checked where it will be created.
        overrides["destination"] = absolute(command.destination) if command.destination else working_dir
        return overrides, None
    sources = list(command.sources)
    if command.source_path_file and os.path.isfile(absolute(command.source_path_file)):
        sources += read_source_path_file(absolute(command.source_path_file))
    if sources:
        upload = size_sources(sources, working_dir)
        overrides.update(size_bytes=upload.total_bytes, largest_file_bytes=upload.largest_file_bytes)
    staging = absolute(command.mount_dir) if command.mount_dir else working_dir
    overrides.update(destination=staging, mount_dir=absolute(command.mount_dir) if command.mount_dir else None)
    return overrides, upload


@click.command(
    name="run",
    context_settings={
        "ignore_unknown_options": True,
        "allow_interspersed_args": False,
        "help_option_names": ["-h", "--help"],
    },
)
@click.option("--force", is_flag=True, help="Run dds even when a check fails.")
@click.option("--dry-run", is_flag=True, help="Only check and report; do not run dds.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
@guarded
def run(ctx: click.Context, force: bool, dry_run: bool, command: tuple[str, ...]) -> None:
    """Check what a `dds data get` or `dds data put` command needs, then run it.

    \\b
    Example:  dds-healthcheck run -- dds data get --project ab-proj-1 --get-all
    The group's options (--timeout, --offline, --size, --bandwidth, --output, ...) apply.
    If a check fails, dds is not run (exit 1) unless --force is given; otherwise dds runs
    with this terminal and its exit code is passed on.
    """
    from dds_healthcheck.cli import _tolerant_streams
    from dds_healthcheck.host import current_host
    from dds_healthcheck.model import Status
    from dds_healthcheck.preflight import CommandError, parse_dds_command
    from dds_healthcheck.probes.dds_command import DdsCommandCheck
    from dds_healthcheck.registry import all_probes

    options: dict[str, Any] = ctx.meta.get(OPTIONS_KEY) or (ctx.parent.params if ctx.parent else {})
    if options.get("as_json") and not dry_run:
        msg = "--json with `run` needs --dry-run (dds itself writes to stdout); use --output FILE for the JSON"
        raise click.UsageError(msg)
    try:
        parsed = parse_dds_command(list(command))
    except CommandError as exc:
        raise click.UsageError(str(exc)) from None
    host = current_host()
    _tolerant_streams()
    working_dir = Path.cwd()
    overrides, upload = _overrides(parsed, options, working_dir)
    settings = settings_from(host, options, **overrides)
    chosen = [p for p in all_probes() if p.id in PREFLIGHT_PROBES]
    report = build_report(
        [DdsCommandCheck(parsed, upload, working_dir), *chosen], settings, host, strict=options["strict"]
    )
    redactor = redactor_for(settings, host)
    problems = [r for r in report.results if r.status in (Status.WARN, Status.FAIL, Status.ERROR)]
    brief = None
    if not dry_run and not problems:
        brief = f"dds-healthcheck: {len(report.results)} checks passed; running dds."
    # On stderr: stdout belongs to dds.
    emit(report, redactor, options, stream=sys.stderr, brief=brief)
    if dry_run:
        sys.exit(int(report.exit_code))
    if int(report.exit_code) == 1 and not force:
        click.echo(
            "dds-healthcheck: dds was not run. Fix the problems above, or add --force to run it anyway.", err=True
        )
        sys.exit(1)
    sys.exit(_run_dds(parsed.argv))


def _run_dds(argv: tuple[str, ...]) -> int:
    try:
        completed = subprocess.run(argv, check=False)  # noqa: S603 - the user's own command, as they typed it
    except FileNotFoundError:
        click.echo(f"dds-healthcheck: cannot run {argv[0]!r}: no such program (is dds on PATH?)", err=True)
        return 127
    except PermissionError:
        click.echo(f"dds-healthcheck: cannot run {argv[0]!r}: permission denied", err=True)
        return 126
    except KeyboardInterrupt:
        return 130
    # A dds killed by a signal reports it the way a shell would.
    return completed.returncode if completed.returncode >= 0 else 128 - completed.returncode
