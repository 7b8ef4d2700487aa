"""Probe: a .netrc entry that silently replaces the token in every dds request (section D)."""

from __future__ import annotations

import netrc
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dds_healthcheck.model import Finding, fail, ok, skip
from dds_healthcheck.probe import Probe

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext


def netrc_candidates(ctx: ProbeContext) -> list[Path]:
    """Where requests looks, in its order: $NETRC, else ~/.netrc and ~/_netrc."""
    if ctx.host.env.get("NETRC"):
        return [Path(os.path.expanduser(ctx.host.env["NETRC"]))]
    return [ctx.host.home / ".netrc", ctx.host.home / "_netrc"]


class NetrcEntry(Probe):
    id = "netrc"
    title = ".netrc credentials"
    sections = ("D",)
    timeout_s = 3.0

    def run(self, ctx: ProbeContext) -> Finding:
        host = urlsplit(ctx.settings.api_url).hostname or ""
        path = next((p for p in netrc_candidates(ctx) if p.is_file()), None)
        if path is None:
            return ok("no .netrc file: dds's token is sent as it is", host=host)
        shown = ctx.host.display_path(path)
        facts: dict[str, Any] = {"path": shown, "host": host}
        try:
            parsed = netrc.netrc(str(path))
        except netrc.NetrcParseError as exc:
            return skip(
                f"{shown} cannot be parsed (line {exc.lineno}); requests ignores it, so it does not interfere", **facts
            )
        except OSError as exc:
            return skip(f"{shown} cannot be read ({exc.strerror}); requests ignores it", **facts)
        if host in parsed.hosts:
            entry = f"a 'machine {host}' entry"
            facts["entry"] = "machine"
        elif "default" in parsed.hosts or parsed.authenticators(host) is not None:
            entry = "a 'default' entry"
            facts["entry"] = "default"
        else:
            return ok(f"{shown} has no entry for {host} and no default entry", **facts)
        return fail(
            f"{shown} has {entry}: requests puts its login and password in place of the dds token, "
            "so every dds command fails with 'Missing or incorrect credentials'",
            remedy=f"Remove that entry from {shown} (or move the file away while using dds).",
            **facts,
        )
