"""Probe: is the installed dds-cli the newest release (section G)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from packaging.version import InvalidVersion, Version

from dds_healthcheck import pypi
from dds_healthcheck.dds_install import DdsInstallation, InstallMethod, installation_for
from dds_healthcheck.model import Finding, Status, fail, ok, skip, warn
from dds_healthcheck.probe import Probe
from dds_healthcheck.probes._imports import HTTP, METADATA
from dds_healthcheck.units import format_duration

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

#: A PyPI lookup may take this long at most, whatever time the run has left.
PYPI_TIMEOUT_S = 4.0


def _lookup(ctx: ProbeContext) -> pypi.Lookup | None:
    """The latest release from the cache or PyPI; None when offline with no cache."""
    settings, now = ctx.settings, ctx.clock.now()
    cached = pypi.read_cache(settings.cache_dir, settings.pypi_url, now, any_age=settings.offline)
    if cached is not None or settings.offline:
        return cached
    timeout = max(0.5, min(PYPI_TIMEOUT_S, ctx.remaining_s() - 0.5))
    try:
        latest = pypi.fetch_latest(settings.pypi_url, env=ctx.host.env, timeout_s=timeout)
        lookup = pypi.Lookup(latest=latest, error=None, checked_at=now, from_cache=False)
    except pypi.PyPIError as exc:
        lookup = pypi.Lookup(latest=None, error=str(exc), checked_at=now, from_cache=False)
    pypi.write_cache(settings.cache_dir, settings.pypi_url, lookup)
    return lookup


def _source(lookup: pypi.Lookup, ctx: ProbeContext) -> str:
    if not lookup.from_cache:
        return "PyPI"
    age = (ctx.clock.now() - lookup.checked_at).total_seconds()
    return f"PyPI, cached {format_duration(age)} ago"


class CliVersion(Probe):
    id = "cli.version"
    title = "dds-cli version"
    sections = ("G",)
    timeout_s = 6.0
    imports = (*METADATA, "packaging.version")
    network_imports = HTTP

    def run(self, ctx: ProbeContext) -> Finding:
        found = installation_for(ctx.host)
        facts: dict[str, Any] = {
            "installed": found.version,
            "install_method": found.method.value,
            "executable": ctx.host.display_path(found.executable) if found.executable else None,
        }
        lookup = _lookup(ctx)
        facts["latest"] = lookup.latest if lookup else None
        facts["latest_source"] = ("cache" if lookup.from_cache else "pypi") if lookup else None
        if found.method is InstallMethod.NOT_FOUND:
            latest = f" (latest is {lookup.latest})" if lookup and lookup.latest else ""
            return warn(
                f"dds-cli was not found: no `dds` on PATH and not installed in this Python{latest}",
                remedy=f"Install it: {found.upgrade_command(ctx.host)}; or download the executable "
                "if you use one by its path.",
                **facts,
            )
        where = f" ({found.method.value})"
        if found.version is None:
            known = f"; the latest release is {lookup.latest}" if lookup and lookup.latest else ""
            return skip(
                f"a standalone dds executable{where} was found; its version can only be read by "
                f"running it (`{facts['executable']} --version`){known}",
                **facts,
            )
        if lookup is None:
            return skip(
                f"dds-cli {found.version}{where}; latest release not checked (--offline, nothing cached)", **facts
            )
        if lookup.latest is None:
            return _unknown_latest(found, lookup, facts)
        return _compare(found, found.version, lookup, _source(lookup, ctx), ctx, facts)


def _unknown_latest(found: DdsInstallation, lookup: pypi.Lookup, facts: dict[str, Any]) -> Finding:
    cached = " (a failure cached less than 1 h ago)" if lookup.from_cache else ""
    return Finding(
        status=Status.ERROR,
        summary=f"dds-cli {found.version} installed; could not learn the latest release: {lookup.error}{cached}",
        remedy="Check that this machine can reach PyPI, or compare `dds --version` with "
        "https://pypi.org/project/dds-cli/ by hand.",
        data={**facts, "lookup_error": lookup.error},
    )


def _compare(
    found: DdsInstallation,
    installed_text: str,
    lookup: pypi.Lookup,
    source: str,
    ctx: ProbeContext,
    facts: dict[str, Any],
) -> Finding:
    assert lookup.latest is not None
    try:
        installed, latest = Version(installed_text), Version(lookup.latest)
    except InvalidVersion:
        return warn(
            f"dds-cli reports the version {installed_text!r}, which is not a valid version",
            remedy=f"Reinstall it: {found.upgrade_command(ctx.host)}.",
            **facts,
        )
    upgrade = found.upgrade_command(ctx.host)
    if installed.major < latest.major:
        return fail(
            f"dds-cli {installed} is a major version behind {latest} ({source}): the server "
            "refuses it ('You're using an old CLI version')",
            remedy=f"Upgrade: {upgrade}.",
            **facts,
        )
    if installed < latest:
        return warn(
            f"dds-cli {installed} is installed; {latest} is out ({source})",
            remedy=f"Upgrade: {upgrade}. The Data Centre asks for the newest version before looking at a traceback.",
            **facts,
        )
    newer = " (newer than the latest release)" if installed > latest else ""
    return ok(f"dds-cli {installed} ({found.method.value}) is the latest{newer} ({source})", **facts)
