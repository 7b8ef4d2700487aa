"""Probe: does the DDS answer at all, and is it ready (sections S.1 and M)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dds_healthcheck import dds_api, http
from dds_healthcheck.model import Finding, fail, ok
from dds_healthcheck.probe import Probe
from dds_healthcheck.probes._imports import HTTP
from dds_healthcheck.proxies import redact_url

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

SERVER_ERROR = 500


class ApiStatus(Probe):
    id = "api.status"
    title = "DDS service status"
    sections = ("S.1", "M")
    needs_network = True
    timeout_s = 8.0
    imports = HTTP

    def run(self, ctx: ProbeContext) -> Finding:
        url = redact_url(ctx.settings.api_url + dds_api.STATUS_PATH)
        try:
            answer = dds_api.get_status(ctx)
        except http.HttpFailure as failure:
            return dds_api.failure_finding(failure, url=url)
        received_at = ctx.clock.now()
        facts: dict[str, Any] = {
            "url": url,
            "http_status": answer.status,
            "elapsed_ms": round(answer.elapsed_ms, 1),
            "via_proxy": answer.proxy.shown,
            # clock.skew compares these, so that the server is asked only once.
            "server_date": answer.headers.get("Date"),
            "received_at": received_at.isoformat(),
        }
        if answer.status >= SERVER_ERROR:
            return fail(
                f"{url} answered HTTP {answer.status}: the DDS has a problem on its side",
                remedy="Try again later; if it lasts, tell the Data Centre (delivery@scilifelab.se) "
                "what you ran and when.",
                sections=("M",),
                **facts,
            )
        try:
            document = answer.json()
        except ValueError:
            return fail(
                f"{url} answered HTTP {answer.status}, but not with JSON: this is not the DDS API "
                "(a captive portal, a proxy's error page, or a wrong --api-url)",
                remedy="Open the address in a browser to see what answers; check --api-url and DDS_CLI_ENV.",
                sections=("S.1",),
                **facts,
            )
        status = document.get("status") if isinstance(document, dict) else None
        if answer.status != 200 or status != "ready":  # noqa: PLR2004
            return fail(
                f"{url} answered HTTP {answer.status} without 'ready' (status: {status!r})",
                remedy="The service is not ready; try again later, or check --api-url.",
                sections=("M",),
                **facts,
            )
        return ok(f"the DDS at {url} is ready ({answer.elapsed_ms:.0f} ms)", **facts)
