"""Probe: how fast data arrives from a URL you choose (section S.1).

One connection, a hard cap of 10 s, and the first 0.5 s after the first byte left out
(TCP slow start), as ndt7 and other honest speed tests do. The rate feeds token.expiry's
"will the token outlive the delivery" estimate. The URL may be presigned, so it is never
shown with its query string, and no token is ever sent to it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from dds_healthcheck import dds_api, http
from dds_healthcheck.model import Finding, fail, ok, skip, warn
from dds_healthcheck.probe import Probe
from dds_healthcheck.probes._imports import HTTP
from dds_healthcheck.proxies import redact_url
from dds_healthcheck.units import format_bytes, format_rate

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

CAP_S = 10.0
WARMUP_S = 0.5
CHUNK_BYTES = 64 * 1024
#: Below this much measured data or time, the rate is reported but called unreliable.
MIN_RELIABLE_BYTES = 1_000_000
MIN_RELIABLE_S = 0.5
METHOD = (
    "one HTTP GET on one connection; bytes received divided by the time they took, leaving out "
    "the first 0.5 s after the first byte; stopped after 10 s"
)


class NetworkThroughput(Probe):
    id = "network.throughput"
    title = "Download rate"
    sections = ("S.1",)
    needs_network = True
    timeout_s = 14.0
    imports = HTTP

    def run(self, ctx: ProbeContext) -> Finding:
        url = ctx.settings.throughput_url
        if not url:
            return skip("no --throughput-url given (pass --bandwidth if you know your link's speed)")
        shown = redact_url(url)
        budget = max(0.5, min(CAP_S, ctx.remaining_s() - 0.5))
        facts: dict[str, Any] = {"url": shown, "method": METHOD, "cap_s": budget}
        started = time.monotonic()
        stop_at = started + budget
        first = last = None
        total = measured = 0
        try:
            with http.open_stream(url, env=ctx.host.env, timeout_s=min(5.0, budget)) as (response, _proxy):
                if response.status_code != 200:  # noqa: PLR2004
                    return fail(
                        f"{shown} answered HTTP {response.status_code}",
                        remedy="Check the URL (a presigned URL lasts 7 days).",
                        http_status=response.status_code,
                        **facts,
                    )
                for chunk in response.iter_content(CHUNK_BYTES):
                    now = time.monotonic()
                    if first is None:
                        first = now
                    elif now - first > WARMUP_S:
                        measured += len(chunk)
                    total += len(chunk)
                    last = now
                    if now >= stop_at:
                        break
        except http.HttpFailure as failure:
            return dds_api.failure_finding(failure, **facts)
        if first is None or last is None:
            return fail(f"{shown} sent no data", remedy="Check the URL.", **facts)
        if measured and last - first > WARMUP_S:
            seconds, counted, warmup_excluded = last - first - WARMUP_S, measured, True
        else:  # all of it arrived within the warm-up: use everything after the first chunk
            seconds, counted, warmup_excluded = last - first, total, False
        facts.update(
            bytes_total=total, bytes_measured=counted, seconds=round(seconds, 3), warmup_excluded=warmup_excluded
        )
        if seconds <= 0:
            return warn(
                f"{format_bytes(total)} arrived at once from {shown}: too little to measure a rate",
                remedy="Use a larger file (100 MB or more) for --throughput-url.",
                **facts,
            )
        rate = counted / seconds
        facts["bytes_per_s"] = round(rate)
        summary = f"{format_rate(rate)} from {shown} ({format_bytes(counted)} in {seconds:.1f} s, one connection)"
        if counted < MIN_RELIABLE_BYTES or seconds < MIN_RELIABLE_S:
            return warn(
                summary + ": too little data for a reliable figure",
                remedy="Use a larger file (100 MB or more) for --throughput-url.",
                **facts,
            )
        return ok(summary, **facts)
