"""HTTP GET the way `dds` makes it (requests, same proxies and CA bundle), with honest failures.

Every request is bounded: connect and read timeouts from the caller's budget, and a cap
on how long the body may take to arrive. Failures come back as :class:`HttpFailure` with
a stable ``kind`` (dns, refused, timeout, tls, proxy, connection, too-large, too-slow)
and a message that never contains credentials, tokens or query strings.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator, Mapping
from typing import Any

from dds_healthcheck import __version__
from dds_healthcheck.proxies import ProxyChoice, ca_bundle, redact_url, resolve_proxy

USER_AGENT = f"dds-healthcheck/{__version__}"
DEFAULT_MAX_BYTES = 2 * 1024 * 1024


@dataclasses.dataclass(frozen=True, kw_only=True)
class HttpAnswer:
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_ms: float  #: from sending the request to the last byte of the body
    proxy: ProxyChoice

    def json(self) -> Any:
        import json

        return json.loads(self.body)


class HttpFailure(Exception):  # noqa: N818 - a result kind, reported rather than raised to the user
    def __init__(self, kind: str, message: str, proxy: ProxyChoice | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.proxy = proxy


def _in_play(proxy: ProxyChoice, bundle_variable: str | None) -> str:
    parts = []
    if proxy.proxy_url:
        parts.append(f"through the proxy {proxy.shown} from {proxy.variable}")
    if bundle_variable:
        parts.append(f"with the CA bundle from {bundle_variable}")
    return f" ({'; '.join(parts)})" if parts else ""


def _classify(
    exc: Exception, where: str, proxy: ProxyChoice, bundle_variable: str | None, timeout_s: float
) -> HttpFailure:
    import requests

    text = str(exc)
    context = _in_play(proxy, bundle_variable)
    if isinstance(exc, requests.exceptions.SSLError):
        reason = "certificate not trusted" if "CERTIFICATE_VERIFY_FAILED" in text else "TLS handshake failed"
        return HttpFailure("tls", f"{reason} for {where}{context}", proxy)
    if isinstance(exc, requests.exceptions.ProxyError):
        status = " (407: the proxy wants a user name and password)" if "407" in text else ""
        return HttpFailure("proxy", f"the proxy refused the connection to {where}{status}{context}", proxy)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return HttpFailure("timeout", f"no connection to {where} within {timeout_s:g} s{context}", proxy)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return HttpFailure(
            "timeout", f"{where} accepted the connection but did not answer within {timeout_s:g} s", proxy
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        lowered = text.lower()
        if any(
            s in lowered
            for s in (
                "name or service not known",
                "failed to resolve",
                "nodename nor servname",
                "getaddrinfo failed",
                "temporary failure in name resolution",
                "no address associated",
            )
        ):
            return HttpFailure("dns", f"the name lookup for {where} failed{context}", proxy)
        if "refused" in lowered:
            return HttpFailure("refused", f"{where} refused the connection{context}", proxy)
        if "reset" in lowered or "aborted" in lowered or "remotedisconnected" in lowered:
            return HttpFailure("connection", f"{where} closed the connection without an answer{context}", proxy)
        return HttpFailure("connection", f"could not connect to {where}{context}", proxy)
    return HttpFailure("connection", f"the request to {where} failed ({type(exc).__name__})", proxy)


@contextlib.contextmanager
def open_stream(
    url: str,
    *,
    env: Mapping[str, str],
    timeout_s: float,
    headers: Mapping[str, str] | None = None,
    auth: Any = None,
) -> Iterator[tuple[Any, ProxyChoice]]:
    """An open streaming response (and the proxy used) for ``url``; failures become :class:`HttpFailure`."""
    import requests

    proxy = resolve_proxy(url, env)
    bundle, bundle_variable = ca_bundle(env)
    where = redact_url(url)
    session = requests.Session()
    session.trust_env = False  # proxies and CA bundle come from ``env``; and no .netrc for our own calls
    session.headers.update({"User-Agent": USER_AGENT, **(headers or {})})
    try:
        with session.get(
            url,
            timeout=(timeout_s, timeout_s),
            proxies={"http": proxy.proxy_url, "https": proxy.proxy_url} if proxy.proxy_url else {},
            verify=bundle or True,
            auth=auth,
            stream=True,
            allow_redirects=False,  # a redirect must not carry a token anywhere
        ) as response:
            yield response, proxy
    except HttpFailure:
        raise
    except requests.exceptions.RequestException as exc:  # before OSError: requests' errors are OSErrors
        raise _classify(exc, where, proxy, bundle_variable, timeout_s) from None
    except OSError as exc:  # a CA bundle path that does not exist, among others
        if bundle and "bundle" in str(exc).lower():
            raise HttpFailure("tls", f"the CA bundle {bundle} from {bundle_variable} cannot be read", proxy) from None
        raise _classify(exc, where, proxy, bundle_variable, timeout_s) from None
    finally:
        session.close()


def get(
    url: str,
    *,
    env: Mapping[str, str],
    timeout_s: float,
    headers: Mapping[str, str] | None = None,
    auth: Any = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> HttpAnswer:
    """GET ``url`` with the proxy and CA bundle from ``env``; raise :class:`HttpFailure` on any failure."""
    where = redact_url(url)
    started = time.monotonic()
    give_up_at = started + timeout_s
    with open_stream(url, env=env, timeout_s=timeout_s, headers=headers, auth=auth) as (response, proxy):
        body = bytearray()
        for chunk in response.iter_content(16 * 1024):
            body += chunk
            if len(body) > max_bytes:
                raise HttpFailure("too-large", f"{where} sent more than {max_bytes // 1024} kB", proxy)
            if time.monotonic() > give_up_at:
                raise HttpFailure("too-slow", f"{where} was still sending its answer after {timeout_s:g} s", proxy)
        return HttpAnswer(
            status=response.status_code,
            headers=dict(response.headers),
            body=bytes(body),
            elapsed_ms=(time.monotonic() - started) * 1000,
            proxy=proxy,
        )
