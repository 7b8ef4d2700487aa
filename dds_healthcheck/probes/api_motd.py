"""Probe: the DDS's messages of the day; maintenance announcements warn (section M)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from dds_healthcheck import dds_api, http
from dds_healthcheck.model import Finding, fail, ok, warn
from dds_healthcheck.probe import Probe
from dds_healthcheck.probes._imports import HTTP, METADATA

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

MAINTENANCE_WORDS = re.compile(r"maintenance|downtime|unavailable|outage|upgrad|not be available", re.IGNORECASE)
FORBIDDEN = 403


def _messages(document: Any) -> list[dict[str, Any]]:
    motds = document.get("motds") if isinstance(document, dict) else None
    if not isinstance(motds, list):
        return []
    return [
        {
            "id": entry.get("MOTD ID") if isinstance(entry.get("MOTD ID"), int) else None,
            "created": str(entry.get("Created", ""))[:40],
            "message": dds_api.clean_text(entry["Message"]),
        }
        for entry in motds
        if isinstance(entry, dict) and isinstance(entry.get("Message"), str)
    ]


class ApiMotd(Probe):
    id = "api.motd"
    title = "DDS messages of the day"
    sections = ("M",)
    needs_network = True
    timeout_s = 8.0
    imports = HTTP + METADATA

    def run(self, ctx: ProbeContext) -> Finding:
        try:
            answer = dds_api.get_unauthenticated(ctx, dds_api.MOTD_ENDPOINT)
        except http.HttpFailure as failure:
            return dds_api.failure_finding(failure)
        message = dds_api.server_message(answer)
        if answer.status == FORBIDDEN:
            return fail(
                f"the DDS refused the request: {message or 'HTTP 403'}",
                remedy="The server does not accept this dds-cli version: upgrade it (see cli.version).",
                sections=("G",),
                http_status=answer.status,
            )
        if answer.status != 200:  # noqa: PLR2004
            return fail(
                f"the messages of the day could not be read: HTTP {answer.status}"
                + (f" ({message})" if message else ""),
                remedy="Try again later; if it lasts, tell the Data Centre.",
                http_status=answer.status,
            )
        try:
            messages = _messages(answer.json())
        except ValueError:
            return fail(
                "the messages of the day came back as something other than JSON",
                remedy="Check --api-url and DDS_CLI_ENV: this does not look like the DDS API.",
                sections=("S.1",),
                http_status=answer.status,
            )
        facts: dict[str, Any] = {"messages": messages, "count": len(messages)}
        if not messages:
            return ok("no active messages of the day", **facts)
        texts = " | ".join(m["message"] for m in messages)
        if any(MAINTENANCE_WORDS.search(m["message"]) for m in messages):
            return warn(
                f"maintenance announced: {texts}",
                remedy="Plan the delivery around the announced maintenance; during it every dds "
                "command stops with 'Maintenance of DDS is ongoing'.",
                **facts,
            )
        return ok(f"{len(messages)} message(s) of the day: {texts}", **facts)
