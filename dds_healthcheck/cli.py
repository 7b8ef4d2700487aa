"""The `dds-healthcheck` group and its default action: parse options, run the probes, render, exit.

Only click and the standard library are imported at module level, so that `--version`
and `--help` stay fast; probes and renderers are imported once a run needs them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

import click

from dds_healthcheck import __version__
from dds_healthcheck.units import UnitError, parse_rate, parse_size

if TYPE_CHECKING:
    from dds_healthcheck.context import Settings
    from dds_healthcheck.host import HostFacts
    from dds_healthcheck.model import Report, Result
    from dds_healthcheck.probe import Probe
    from dds_healthcheck.redact import Redactor

PYPI_URL_VARIABLE = "DDS_HEALTHCHECK_PYPI_URL"
CACHE_DIR_VARIABLE = "DDS_HEALTHCHECK_CACHE_DIR"
MAX_TIMEOUT_S = 600.0
MAX_PROJECT_ID_CHARS = 200


def _size_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_size(value)
    except UnitError as exc:
        raise click.BadParameter(str(exc)) from None


def _rate_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_rate(value)
    except UnitError as exc:
        raise click.BadParameter(str(exc)) from None


def check_base_url(value: str, what: str) -> str:
    """A base URL with http(s) scheme and host, without trailing slash; ValueError otherwise."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"{what} {value!r} is not an http:// or https:// URL with a host name"
        raise ValueError(msg)
    del port
    return text.rstrip("/")


def _api_url_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        url = check_base_url(value, "the API URL")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    # `dds` works with ".../api/v1"; accept it pasted from there, but keep the site root.
    return url.removesuffix("/api/v1")


def _throughput_url_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_base_url(value, "the throughput URL")
    except ValueError:
        from dds_healthcheck.proxies import redact_url

        # The URL may be presigned: name it without its query string.
        msg = f"{redact_url(value)!r} is not an http:// or https:// URL with a host name"
        raise click.BadParameter(msg) from None


def _project_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    if not value.strip() or len(value) > MAX_PROJECT_ID_CHARS or any(c.isspace() or c in "/?#" for c in value.strip()):
        msg = f"{value!r} is not a DDS project ID (like 'ab-proj-2026')"
        raise click.BadParameter(msg)
    return value.strip()


def _output_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Path | None:
    if value is None:
        return None
    path = Path(os.path.abspath(os.path.expanduser(value)))
    if path.is_dir():
        msg = f"{value!r} is a directory; give a file name for the JSON report"
        raise click.BadParameter(msg)
    if not path.parent.is_dir():
        msg = f"the folder {str(path.parent)!r} does not exist"
        raise click.BadParameter(msg)
    if not os.access(path.parent, os.W_OK | os.X_OK):
        msg = f"cannot write in the folder {str(path.parent)!r}"
        raise click.BadParameter(msg)
    return path


def _id_list_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[str]:
    from dds_healthcheck.registry import parse_id_list

    return parse_id_list(value) if value else []


def _tolerant_streams() -> None:
    """Never crash on a character the console cannot encode; show a replacement instead."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
            with contextlib.suppress(ValueError, OSError):  # exotic streams keep their setting
                reconfigure(errors="replace")


def settings_from(host: HostFacts, options: dict[str, Any], **overrides: Any) -> Settings:
    from dds_healthcheck.context import DEFAULT_PYPI_URL, Settings, default_api_url

    pypi_url = host.env.get(PYPI_URL_VARIABLE) or DEFAULT_PYPI_URL
    try:
        pypi_url = check_base_url(pypi_url, f"${PYPI_URL_VARIABLE}")
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    token_text = options["token_path"]
    token_path = Path(os.path.expanduser(token_text)) if token_text else host.home / ".dds_cli_token"
    destination = Path(os.path.expanduser(options["destination"] or os.curdir))
    cache_dir = host.env.get(CACHE_DIR_VARIABLE)
    if not cache_dir:
        import platformdirs

        cache_dir = platformdirs.user_cache_dir("dds-healthcheck", appauthor=False)
    values: dict[str, Any] = {
        "token_path": Path(os.path.abspath(token_path)),
        "allow_group": options["allow_group"],
        "destination": Path(os.path.abspath(destination)),
        "size_bytes": options["size"],
        "bandwidth_bytes_per_s": options["bandwidth"],
        "api_url": options["api_url"] or default_api_url(host.env),
        "pypi_url": pypi_url,
        "offline": options["offline"],
        "timeout_s": options["timeout"],
        "cache_dir": Path(cache_dir),
        "throughput_url": options["throughput_url"],
        "project": options["project"],
        "include_identity": options["include_identity"],
    }
    values.update(overrides)
    return Settings(**values)


def _run(probes: list[Probe], settings: Settings, host: HostFacts, show_progress: bool) -> tuple[list[Result], bool]:
    from dds_healthcheck.context import ProbeContext, SystemClock
    from dds_healthcheck.render.progress import PendingLine
    from dds_healthcheck.runner import Interrupted, Runner

    clock = SystemClock()

    def make_context(deadline: float, upstream: dict[str, Result]) -> ProbeContext:
        return ProbeContext(settings=settings, clock=clock, host=host, deadline=deadline, upstream=upstream)

    runner = Runner(probes, make_context, settings=settings, system=host.system, monotonic=clock.monotonic)
    progress = PendingLine(sys.stderr) if show_progress else None
    try:
        return runner.run(progress), False
    except Interrupted as stop:
        return stop.results, True
    finally:
        if progress is not None:
            progress.clear()


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600 (a temporary file renamed over the target)."""
    import tempfile

    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mkstemp: 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _print(stream: TextIO, text: str) -> None:
    stream.write(text)
    stream.flush()


def guarded(function: Callable[..., None]) -> Callable[..., None]:
    """Turn anything unexpected into a one-line message and exit 3: never a traceback."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            function(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:  # Ctrl-C outside a run (start-up, rendering)
            sys.exit(130)
        except BrokenPipeError:  # `dds-healthcheck --json | head`: the reader left; say nothing
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush stays quiet
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - a health check must never end in a traceback
            click.echo(
                f"dds-healthcheck: internal error: {type(exc).__name__}: {exc}\n"
                "Please report this, with the command you ran, to the dds-healthcheck maintainers.",
                err=True,
            )
            sys.exit(3)

    return wrapper


OPTIONS_KEY = "dds_healthcheck.options"


@click.group(
    name="healthcheck",
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report (schema 1) on stdout, and nothing else.")
@click.option(
    "--output", callback=_output_option, metavar="FILE", help="Also write the JSON report to FILE (mode 0600)."
)
@click.option("--offline", is_flag=True, help="Use no network at all; network checks are skipped.")
@click.option("--token-path", metavar="PATH", help="The dds token file.  [default: ~/.dds_cli_token]")
@click.option(
    "--allow-group", is_flag=True, help="You log in with `dds auth login --allow-group` (mode 0640 expected)."
)
@click.option("--destination", metavar="PATH", help="Where the data will be written (may not exist yet).  [default: .]")
@click.option(
    "--size", callback=_size_option, metavar="SIZE", help="Expected delivery size: bytes, or e.g. 1.5TB, 750GiB."
)
@click.option("--bandwidth", callback=_rate_option, metavar="RATE", help="Your link's speed, e.g. 100Mbit/s or 12MB/s.")
@click.option(
    "--api-url",
    callback=_api_url_option,
    metavar="URL",
    help="DDS base URL.  [default: from DDS_CLI_ENV, else https://delivery.scilifelab.se]",
)
@click.option("--project", callback=_project_option, metavar="ID", help="DDS project: check access, status and size.")
@click.option(
    "--throughput-url",
    callback=_throughput_url_option,
    metavar="URL",
    help="Measure the download rate from this URL (10 s at most; never sent a token).",
)
@click.option("--include-identity", is_flag=True, help="Put your DDS user name and e-mail in the report.")
@click.option(
    "--only",
    "only",
    callback=_id_list_option,
    metavar="IDS",
    help="Run only these probes (comma-separated ids or prefixes).",
)
@click.option(
    "--skip", "skip", callback=_id_list_option, metavar="IDS", help="Do not run these probes (ids or prefixes)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=MAX_TIMEOUT_S),
    default=15.0,
    show_default=True,
    metavar="SECONDS",
    help="Deadline for the whole run.",
)
@click.option("--strict", is_flag=True, help="Count warnings as failures in the exit code.")
@click.option("--list", "list_only", is_flag=True, help="List the probes without running them.")
@click.option("-v", "--verbose", is_flag=True, help="Show details and timings.")
@click.version_option(__version__, "--version", prog_name="dds-healthcheck")
@click.pass_context
@guarded
def healthcheck(ctx: click.Context, **options: Any) -> None:
    """Check this machine before a large DDS delivery.

    \b
    Subcommands:
      run -- dds data get|put ...   check what that command needs, then run it
      explain [FILE|-]              map an error message or log onto the guide
      report                        write a redacted support report

    Exit codes: 0 healthy, 1 a check failed (or warned, with --strict), 2 usage error,
    3 nothing failed but some check could not finish, 130 interrupted.
    """
    # Inside `dds` (as its plugin) the host's own --token-path is in its context object.
    host_object = ctx.obj if isinstance(ctx.obj, dict) else {}
    if options["token_path"] is None and host_object.get("TOKEN_PATH"):
        options["token_path"] = str(host_object["TOKEN_PATH"])
    if ctx.invoked_subcommand is not None:
        ctx.meta[OPTIONS_KEY] = options
        return
    _healthcheck(options)


def _healthcheck(options: dict[str, Any]) -> None:
    from dds_healthcheck.host import current_host
    from dds_healthcheck.registry import UnknownProbeError, all_probes, select

    host = current_host()  # before _tolerant_streams: the probes judge the streams as they are
    _tolerant_streams()
    probes = all_probes()
    try:
        chosen = select(probes, options["only"], options["skip"])
    except UnknownProbeError as exc:
        raise click.UsageError(str(exc)) from None
    if options["list_only"]:
        _list(chosen, as_json=options["as_json"])
        return
    settings = settings_from(host, options)
    code = _check(chosen, settings, host, options)
    sys.exit(code)


def _list(probes: list[Probe], *, as_json: bool) -> None:
    if as_json:
        from dds_healthcheck.render.json_report import dumps, probe_list

        _print(sys.stdout, dumps(probe_list(probes)))
        return
    from dds_healthcheck.render.terminal import make_console, render_probe_list

    render_probe_list(probes, make_console(sys.stdout, os.environ))


def build_report(
    probes: list[Probe], settings: Settings, host: HostFacts, *, strict: bool, terminal: bool = True
) -> Report:
    """Run the probes and wrap their results with the run's facts."""
    import datetime
    import time

    from dds_healthcheck.environment import describe_environment
    from dds_healthcheck.model import ExitCode, Report, exit_code_for
    from dds_healthcheck.redact import Redactor  # noqa: F401 - imported before the probe threads start
    from dds_healthcheck.render import json_report  # noqa: F401 - same: a stuck probe may hold an import lock

    if terminal:
        from dds_healthcheck.render import terminal as _  # noqa: F401

    started_at = datetime.datetime.now(datetime.timezone.utc)
    began = time.monotonic()
    results, interrupted = _run(probes, settings, host, show_progress=_stderr_is_tty())
    code = ExitCode.INTERRUPTED if interrupted else exit_code_for(results, strict=strict)
    return Report(
        results=tuple(results),
        started_at=started_at.isoformat(),
        duration_s=time.monotonic() - began,
        exit_code=code,
        environment=describe_environment(host, results),
        interrupted=interrupted,
    )


def redactor_for(settings: Settings, host: HostFacts) -> Redactor:
    from dds_healthcheck.redact import Redactor

    return Redactor(host.home, secrets(settings))


def _check(probes: list[Probe], settings: Settings, host: HostFacts, options: dict[str, Any]) -> int:
    report = build_report(probes, settings, host, strict=options["strict"], terminal=not options["as_json"])
    emit(report, redactor_for(settings, host), options)
    return int(report.exit_code)


def secrets(settings: Settings) -> list[str]:
    """Strings no output may contain, whatever a probe or an error message says."""
    from dds_healthcheck.token_file import read_token_bytes

    secrets: list[str] = []
    try:
        token = read_token_bytes(settings.token_path).decode("ascii", errors="ignore").strip()
    except OSError:
        token = ""
    if token:
        secrets.append(token)
        secrets.extend(part for part in token.split(".") if len(part) >= 8)  # noqa: PLR2004
    if settings.throughput_url and "?" in settings.throughput_url:
        secrets.append(settings.throughput_url.split("?", 1)[1])
    return secrets


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (ValueError, OSError):
        return False


def emit(
    report: Report,
    redactor: Redactor,
    options: dict[str, Any],
    *,
    stream: TextIO | None = None,
    brief: str | None = None,
) -> None:
    """The report as --json on stdout, or for people on ``stream`` (one ``brief`` line when given),
    and the JSON in --output."""
    from dds_healthcheck.render.json_report import dumps, report_to_dict

    document = dumps(report_to_dict(report, redactor)) if options.get("as_json") or options.get("output") else ""
    if options.get("as_json"):
        _print(sys.stdout, document)
    elif brief is not None:
        click.echo(brief, file=stream or sys.stdout)
    else:
        from dds_healthcheck.render.terminal import make_console, render_report

        console = make_console(stream or sys.stdout, os.environ)
        render_report(report, console, redactor, verbose=bool(options.get("verbose")))
    if options.get("output") is not None:
        try:
            write_private_file(options["output"], document)
        except OSError as exc:
            click.echo(f"dds-healthcheck: could not write {options['output']}: {exc.strerror or exc}", err=True)
