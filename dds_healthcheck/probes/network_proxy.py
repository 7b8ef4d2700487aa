"""Probe: which proxy and CA bundle dds's HTTP library would use (section S.1)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from dds_healthcheck.model import Finding, fail, ok
from dds_healthcheck.probe import Probe
from dds_healthcheck.proxies import ProxyChoice, ca_bundle, redact_url, resolve_proxy

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext


def _describe(name: str, url: str, choice: ProxyChoice) -> str:
    if choice.proxy_url:
        return f"{name} ({redact_url(url)}) through {choice.shown} from {choice.variable}"
    if choice.bypassed_by:
        return f"{name} direct ({choice.bypassed_by})"
    return f"{name} direct"


def _choice_data(url: str, choice: ProxyChoice) -> dict[str, Any]:
    return {
        "url": redact_url(url),
        "proxy": choice.shown,
        "variable": choice.variable,
        "no_proxy_match": choice.bypassed_by,
    }


class NetworkProxy(Probe):
    id = "network.proxy"
    title = "Proxy settings"
    sections = ("S.1",)
    timeout_s = 3.0

    def run(self, ctx: ProbeContext) -> Finding:
        env = ctx.host.env
        api = resolve_proxy(ctx.settings.api_url, env)
        pypi = resolve_proxy(ctx.settings.pypi_url, env)
        bundle, bundle_variable = ca_bundle(env)
        facts: dict[str, Any] = {
            "api": _choice_data(ctx.settings.api_url, api),
            "pypi": _choice_data(ctx.settings.pypi_url, pypi),
            "ca_bundle": ctx.host.display_path(bundle) if bundle else None,
            "ca_bundle_variable": bundle_variable,
            "ssl_cert_file": ctx.host.display_path(env["SSL_CERT_FILE"]) if env.get("SSL_CERT_FILE") else None,
        }
        summary = f"{_describe('DDS', ctx.settings.api_url, api)}; {_describe('PyPI', ctx.settings.pypi_url, pypi)}"
        if bundle and not os.path.isfile(bundle):
            return fail(
                f"{bundle_variable} points at {ctx.host.display_path(bundle)}, which is not a file: every "
                "HTTPS request of dds fails",
                remedy=f"Point {bundle_variable} at your organisation's CA bundle, or unset it.",
                **facts,
            )
        notes = []
        if bundle:
            notes.append(f"certificates are checked against {ctx.host.display_path(bundle)} ({bundle_variable})")
        if facts["ssl_cert_file"] and not bundle:
            notes.append("SSL_CERT_FILE is set, but requests (and so dds) ignores it; use REQUESTS_CA_BUNDLE")
        return ok(summary + ("; " + "; ".join(notes) if notes else ""), **facts)
