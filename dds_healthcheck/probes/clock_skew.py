"""Probe: is this computer's clock right, compared with the DDS server's (sections Q and H)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from dds_healthcheck import dds_api, http
from dds_healthcheck.model import Finding, Status, fail, ok, skip, warn
from dds_healthcheck.probe import Probe
from dds_healthcheck.probes._imports import HTTP

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

#: Authenticator-app codes are accepted about +-30 s around the server's time.
WARN_S = 30.0
#: Beyond this, token expiry times computed by dds are visibly wrong too.
FAIL_S = 300.0


def skew_seconds(server_date: str, received_at: datetime.datetime, elapsed_ms: float) -> float:
    """Local minus server time. The server stamps its answer mid-way, so half the round trip is removed."""
    import email.utils

    server = email.utils.parsedate_to_datetime(server_date)
    if server.tzinfo is None:
        server = server.replace(tzinfo=datetime.timezone.utc)
    local_at_stamp = received_at - datetime.timedelta(milliseconds=elapsed_ms / 2)
    return (local_at_stamp - server).total_seconds()


class ClockSkew(Probe):
    id = "clock.skew"
    title = "Clock"
    sections = ("Q", "H")
    needs_network = True
    timeout_s = 8.0
    imports = (*HTTP, "email.utils")
    after = ("api.status",)

    def run(self, ctx: ProbeContext) -> Finding:
        status = ctx.upstream.get("api.status")
        if status is not None and status.status is not Status.OK:
            return skip("the server's time is not known: api.status got no usable answer")
        if status is not None:
            server_date = status.data.get("server_date")
            received_at = datetime.datetime.fromisoformat(str(status.data.get("received_at")))
            elapsed_ms = float(status.data.get("elapsed_ms") or 0.0)
        else:  # api.status not selected: ask the server ourselves
            try:
                answer = dds_api.get_status(ctx)
            except http.HttpFailure as failure:
                return dds_api.failure_finding(failure)
            server_date, received_at, elapsed_ms = answer.headers.get("Date"), ctx.clock.now(), answer.elapsed_ms
        if not isinstance(server_date, str):
            return skip("the server sent no Date header to compare with")
        try:
            skew = skew_seconds(server_date, received_at, elapsed_ms)
        except (TypeError, ValueError):
            return skip("the server's Date header cannot be read")
        facts: dict[str, Any] = {
            "skew_s": round(skew, 1),
            "method": "local UTC against the HTTP Date header of /status (1 s resolution), "
            "less half the request's round trip",
        }
        direction = "ahead of" if skew > 0 else "behind"
        text = f"this computer's clock is {abs(skew):.0f} s {direction} the DDS server's"
        remedy = (
            "Turn on automatic time setting (NTP). Authenticator-app codes only work within about "
            "30 s of the server's time (section Q), and dds computes token expiry from this clock."
        )
        if abs(skew) > FAIL_S:
            return fail(text, remedy=remedy, **facts)
        if abs(skew) > WARN_S:
            return warn(text, remedy=remedy, sections=("Q",), **facts)
        return ok(f"{text} (within 30 s)", **facts)
