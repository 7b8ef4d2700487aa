"""Which proxy and CA bundle `requests` (and so `dds`) would use, computed from an environment.

This follows the rules of requests 2.33, the version dds-cli 2.15.1 pins
(``get_environ_proxies``, ``select_proxy``, ``should_bypass_proxies`` and
``merge_environment_settings``), as pure functions of the environment passed in, so that
probes and tests do not depend on ``os.environ``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProxyChoice:
    """The proxy for one URL, and why."""

    proxy_url: str | None  #: None: a direct connection
    variable: str | None  #: the environment variable that supplied it
    bypassed_by: str | None = None  #: the NO_PROXY entry that matched, if one did

    @property
    def shown(self) -> str | None:
        return redact_url(self.proxy_url) if self.proxy_url else None


def _proxy_variables(env: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """scheme -> (proxy URL, variable name); lower-case names win, as in urllib."""
    found: dict[str, tuple[str, str]] = {}
    for name, value in env.items():
        if value and name.upper().endswith("_PROXY") and name.upper() != "NO_PROXY":
            found[name[:-6].lower()] = (value, name)
    for name, value in env.items():
        if value and name.endswith("_proxy") and name != "no_proxy" and name.islower():
            found[name[:-6]] = (value, name)
    return found


def _no_proxy(env: Mapping[str, str]) -> tuple[str | None, str]:
    for name in ("no_proxy", "NO_PROXY"):
        if env.get(name):
            return env[name], name
    return None, ""


def _bypass_entry(host: str, port: int | None, no_proxy: str) -> str | None:
    """The NO_PROXY entry that sends ``host`` direct, if any (requests' matching rules)."""
    entries = [e.strip() for e in no_proxy.replace(" ", "").split(",") if e.strip()]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for entry in entries:
        if entry == "*":
            return entry
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return entry
            except ValueError:
                pass
            if host == entry:
                return entry
            continue
        host_with_port = f"{host}:{port}" if port else host
        # requests 2.33 (which dds-cli 2.15.1 pins) matches by plain suffix: "a.example" also
        # covers "ba.example". Newer requests versions match whole labels only.
        if host.endswith(entry) or host_with_port.endswith(entry):
            return entry
    return None


def resolve_proxy(url: str, env: Mapping[str, str]) -> ProxyChoice:
    parts = urlsplit(url)
    host = parts.hostname or ""
    no_proxy, no_proxy_name = _no_proxy(env)
    if no_proxy:
        entry = _bypass_entry(host, parts.port, no_proxy)
        if entry is not None:
            return ProxyChoice(proxy_url=None, variable=None, bypassed_by=f"{no_proxy_name}={entry}")
    proxies = _proxy_variables(env)
    for key in (f"{parts.scheme}://{host}", parts.scheme, f"all://{host}", "all"):
        if key in proxies:
            value, name = proxies[key]
            return ProxyChoice(proxy_url=value, variable=name)
    return ProxyChoice(proxy_url=None, variable=None)


def ca_bundle(env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(CA bundle path, variable) that requests would verify with; (None, None) means certifi's."""
    for name in CA_BUNDLE_VARIABLES:
        if env.get(name):
            return env[name], name
    return None, None


def redact_url(url: str) -> str:
    """The URL without user name, password and query string (presigned URLs carry secrets there)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(unparsable URL)"
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{port}" if port else "")
    if parts.username or parts.password:
        netloc = "***@" + netloc
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
