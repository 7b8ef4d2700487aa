"""Probe: the TLS handshake to the DDS, verified as dds verifies it (section S.1).

A failed verification on a campus or company network usually means a proxy or antivirus
re-signs HTTPS traffic. dds then says "The database seems to be down"; the fix is the
proxy's CA certificate, not waiting for the DDS.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from dds_healthcheck.model import Finding, fail, ok, skip, warn
from dds_healthcheck.probe import Probe
from dds_healthcheck.proxies import ca_bundle, resolve_proxy

if TYPE_CHECKING:
    import ssl

    from dds_healthcheck.context import ProbeContext

CONNECT_TIMEOUT_S = 5.0
EXPIRY_WARNING_DAYS = 14
#: Issuers seen on certificates made by TLS-inspecting proxies and antivirus products.
INTERCEPTORS = (
    "fortinet", "fortigate", "palo alto", "zscaler", "netskope", "sophos", "check point", "checkpoint",
    "blue coat", "bluecoat", "cisco umbrella", "forcepoint", "websense", "kaspersky", "eset", "avast",
    "avg", "bitdefender", "mcafee", "trend micro", "barracuda", "watchguard", "sonicwall", "untangle",
)  # fmt: skip
_SELF_SIGNED_MESSAGES = ("self-signed", "self signed", "unable to get local issuer")


class TlsFailure(Exception):  # noqa: N818 - reported as a finding, never raised to the user
    def __init__(self, message: str, *, kind: str = "tls") -> None:
        super().__init__(message)
        self.kind = kind


def _tunnel(proxy_url: str, host: str, port: int, timeout_s: float) -> socket.socket:
    """A socket to ``host:port`` through an HTTP proxy's CONNECT, as requests opens it."""
    import base64

    parts = urlsplit(proxy_url if "://" in proxy_url else "http://" + proxy_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"the proxy URL scheme {parts.scheme!r} is not supported here"
        raise TlsFailure(msg, kind="proxy")
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout_s)
    request = f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n"
    if parts.username:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        request += f"Proxy-Authorization: Basic {base64.b64encode(credentials).decode()}\r\n"
    sock.sendall((request + "\r\n").encode())
    reply = b""
    while b"\r\n\r\n" not in reply and len(reply) < 64 * 1024:
        chunk = sock.recv(4096)
        if not chunk:
            break
        reply += chunk
    status_line = reply.split(b"\r\n", 1)[0].decode("latin-1", errors="replace")
    fields = status_line.split()
    if len(fields) < 2 or fields[1] != "200":  # noqa: PLR2004
        sock.close()
        code = fields[1] if len(fields) > 1 else "no answer"
        hint = " (it wants a user name and password)" if code == "407" else ""
        msg = f"the proxy refused to connect to {host}:{port}: {code}{hint}"
        raise TlsFailure(msg, kind="proxy")
    return sock


def _open(host: str, port: int, proxy_url: str | None, timeout_s: float) -> socket.socket:
    if proxy_url:
        return _tunnel(proxy_url, host, port, timeout_s)
    return socket.create_connection((host, port), timeout=timeout_s)


def _name(rdns: Any) -> dict[str, str]:
    """{"commonName": ..., "organizationName": ...} from the nested tuples ssl returns."""
    names: dict[str, str] = {}
    for rdn in rdns or ():
        for key, value in rdn:
            names.setdefault(key, value)
    return names


def _decode_der(der: bytes) -> dict[str, Any]:
    """Decode a certificate that failed verification; best effort, {} when it cannot be read."""
    import ssl
    import tempfile

    decode = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)
    if decode is None:
        return {}
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(ssl.DER_cert_to_PEM_cert(der))
        decoded: dict[str, Any] = decode(path)
    except (ssl.SSLError, OSError, ValueError):
        return {}
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    return decoded


def _presented_certificate(host: str, port: int, proxy_url: str | None, timeout_s: float) -> dict[str, Any]:
    """The leaf certificate the other end presents, read without verifying it."""
    import ssl

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with _open(host, port, proxy_url, timeout_s) as raw, context.wrap_socket(raw, server_hostname=host) as tls:
            der = tls.getpeercert(binary_form=True)
    except (OSError, TlsFailure):
        return {}
    return _decode_der(der) if der else {}


def _verify_context(env: Mapping[str, str]) -> tuple[ssl.SSLContext, str]:
    import ssl

    bundle, variable = ca_bundle(env)
    if bundle:
        return ssl.create_default_context(cafile=bundle), f"{variable}"
    import certifi  # requests' default trust store

    return ssl.create_default_context(cafile=certifi.where()), "certifi (requests' default)"


class NetworkTls(Probe):
    id = "network.tls"
    title = "TLS to DDS"
    sections = ("S.1",)
    needs_network = True
    timeout_s = 10.0
    imports = ("certifi", "ssl", "tempfile")

    def run(self, ctx: ProbeContext) -> Finding:
        import ssl

        parts = urlsplit(ctx.settings.api_url)
        if parts.scheme != "https":
            return skip(f"{ctx.settings.api_url} is plain HTTP: there is no TLS to check")
        host, port = parts.hostname or "", parts.port or 443
        proxy = resolve_proxy(ctx.settings.api_url, ctx.host.env)
        timeout = max(0.2, min(CONNECT_TIMEOUT_S, ctx.remaining_s() / 2))
        facts: dict[str, Any] = {"host": host, "port": port, "via_proxy": proxy.shown}
        try:
            context, trust = _verify_context(ctx.host.env)
        except (OSError, ssl.SSLError) as exc:
            return fail(
                f"the CA bundle cannot be loaded: {exc}",
                remedy="Point REQUESTS_CA_BUNDLE at a readable PEM file, or unset it.",
                **facts,
            )
        facts["trust_store"] = trust
        try:
            with (
                _open(host, port, proxy.proxy_url, timeout) as raw,
                context.wrap_socket(raw, server_hostname=host) as tls,
            ):
                version, cert = tls.version(), tls.getpeercert() or {}
        except ssl.SSLCertVerificationError as exc:
            return self._untrusted(ctx, exc, host, port, proxy.proxy_url, timeout, facts)
        except TlsFailure as exc:
            return fail(str(exc), remedy="Check HTTPS_PROXY (see network.proxy).", **facts)
        except (ssl.SSLError, OSError) as exc:
            reason = "timed out" if isinstance(exc, (socket.timeout, TimeoutError)) else (exc.strerror or str(exc))
            return fail(
                f"no TLS connection to {host}:{port}: {reason}",
                remedy="Check the network connection and firewall (see network.latency and api.status).",
                **facts,
            )
        issuer = _name(cert.get("issuer"))
        expires = datetime.datetime.fromtimestamp(
            ssl.cert_time_to_seconds(str(cert["notAfter"])), tz=datetime.timezone.utc
        )
        days_left = (expires - ctx.clock.now()).total_seconds() / 86400
        facts.update(
            protocol=version,
            issuer=issuer.get("organizationName") or issuer.get("commonName"),
            expires_at=expires.isoformat(),
            days_left=round(days_left, 1),
        )
        summary = f"{version} to {host}, certificate from {facts['issuer']} valid until {expires:%Y-%m-%d}"
        if days_left < EXPIRY_WARNING_DAYS:
            return warn(
                summary + f" ({days_left:.0f} days left)",
                remedy="The DDS's certificate expires soon; tell the Data Centre if it is not renewed.",
                **facts,
            )
        return ok(summary, **facts)

    @staticmethod
    def _untrusted(
        ctx: ProbeContext,
        exc: ssl.SSLCertVerificationError,
        host: str,
        port: int,
        proxy_url: str | None,
        timeout: float,
        facts: dict[str, Any],
    ) -> Finding:
        message = exc.verify_message or str(exc)
        presented = _presented_certificate(host, port, proxy_url, max(0.2, min(timeout, ctx.remaining_s() - 0.2)))
        issuer = _name(presented.get("issuer"))
        issuer_text = issuer.get("organizationName") or issuer.get("commonName")
        facts.update(verify_error=message, presented_issuer=issuer_text)
        lowered = f"{issuer_text or ''} {issuer.get('commonName', '')}".lower()
        intercepted = any(name in lowered for name in INTERCEPTORS) or any(
            m in message.lower() for m in _SELF_SIGNED_MESSAGES
        )
        facts["looks_intercepted"] = intercepted
        by = f" issued by {issuer_text!r}" if issuer_text else ""
        if intercepted:
            return fail(
                f"the certificate for {host}{by} is not trusted ({message}): the connection looks "
                "re-signed by a TLS-inspecting proxy or antivirus, not by the DDS",
                remedy="Ask your IT support for the proxy's CA certificate and point REQUESTS_CA_BUNDLE "
                "at a bundle that includes it, or use a network without inspection. DDS itself is "
                "probably fine (dds calls this 'The database seems to be down').",
                **facts,
            )
        return fail(
            f"the certificate for {host}{by} is not trusted: {message}",
            remedy="Check the computer's clock and any REQUESTS_CA_BUNDLE setting; if both are right, "
            "tell the Data Centre.",
            **facts,
        )
