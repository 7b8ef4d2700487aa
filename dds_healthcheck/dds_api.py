"""Talk to the DDS API the way `dds` does, read-only, and guard the token.

The token goes only to the API host from ``--api-url``, only over HTTPS (plain HTTP only
to a loopback address, for tests), only to the read-only endpoints below, and only when
its header has an ``exp`` that is still in the future: a partial (pre-2FA) token would
make the server e-mail the user a one-time code. The login endpoint is never called.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dds_healthcheck import http
from dds_healthcheck.model import Finding, Status, fail, skip
from dds_healthcheck.token_file import FileKind, TokenFormatError, inspect_token_file, parse_token, read_token_bytes

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

API_PREFIX = "/api/v1"
STATUS_PATH = "/status"  #: the site root's status page, no authentication, no version check
MOTD_ENDPOINT = "/motd"
#: The only endpoints the token is ever sent to.
TOKEN_ENDPOINTS = frozenset({"/user/info", "/proj/list"})
#: A 2.x.y version the server accepts when no dds-cli is installed (it checks the major only).
FALLBACK_CLI_VERSION = "2.15.1"
_THREE_PART = re.compile(r"\d+\.\d+\.\d+")
#: Per-request limit; the run's deadline may cut it shorter.
REQUEST_TIMEOUT_S = 5.0


class TokenNotSent(Exception):  # noqa: N818 - a decision, not a crash
    """The token was not sent; the message says why (no token, partial token, not HTTPS, ...)."""


def cli_version_header(ctx: ProbeContext) -> str:
    """The X-CLI-Version to send: the installed dds-cli's, or a 2.x.y the server accepts."""
    from dds_healthcheck.dds_install import installation_for

    version = installation_for(ctx.host).version
    return version if version and _THREE_PART.fullmatch(version) else FALLBACK_CLI_VERSION


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def request_timeout(ctx: ProbeContext) -> float:
    return max(0.2, min(REQUEST_TIMEOUT_S, ctx.remaining_s() - 0.2))


def get_status(ctx: ProbeContext) -> http.HttpAnswer:
    return http.get(ctx.settings.api_url + STATUS_PATH, env=ctx.host.env, timeout_s=request_timeout(ctx))


def get_unauthenticated(ctx: ProbeContext, endpoint: str) -> http.HttpAnswer:
    return http.get(
        ctx.settings.api_url + API_PREFIX + endpoint,
        env=ctx.host.env,
        timeout_s=request_timeout(ctx),
        headers={"X-CLI-Version": cli_version_header(ctx)},
    )


@dataclasses.dataclass(frozen=True)
class _Bearer:
    """requests auth: an explicit auth also keeps requests from applying .netrc."""

    token: str

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def __repr__(self) -> str:  # the token must not show up in a traceback or a log line
        return "_Bearer(<redacted>)"


def load_token(ctx: ProbeContext) -> str:
    """The saved token if it may be sent: it exists, parses, has ``exp`` and has not expired."""
    path = ctx.settings.token_path
    if inspect_token_file(path).kind is not FileKind.REGULAR:
        raise TokenNotSent("no usable token file (see token.expiry)")
    try:
        raw = read_token_bytes(path)
        header = parse_token(raw)
    except (OSError, TokenFormatError):
        raise TokenNotSent("the token file cannot be read as a token (see token.expiry)") from None
    if header.expires_at is None:
        raise TokenNotSent("the token has no expiry (a partial login); it is never sent")
    if header.expires_at <= ctx.clock.now():
        raise TokenNotSent("the token has expired (see token.expiry)")
    return raw.decode("ascii").strip()


def get_with_token(ctx: ProbeContext, endpoint: str, token: str) -> http.HttpAnswer:
    """GET a read-only endpoint with the token, after checking where it would go."""
    if endpoint not in TOKEN_ENDPOINTS:  # a programming error, never a user's doing
        msg = f"the token is never sent to {endpoint}"
        raise ValueError(msg)
    parts = urlsplit(ctx.settings.api_url)
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname or "")):
        msg = f"{ctx.settings.api_url} is not HTTPS; the token is only sent over HTTPS"
        raise TokenNotSent(msg)
    return http.get(
        ctx.settings.api_url + API_PREFIX + endpoint,
        env=ctx.host.env,
        timeout_s=request_timeout(ctx),
        headers={"X-CLI-Version": cli_version_header(ctx)},
        auth=_Bearer(token),
    )


def server_message(answer: http.HttpAnswer) -> str | None:
    """The API's ``{"message": ...}`` text, if the answer has one."""
    try:
        document = answer.json()
    except ValueError:
        return None
    if isinstance(document, dict) and isinstance(document.get("message"), str):
        return clean_text(str(document["message"]))
    return None


_REMEDIES = {
    "dns": "Check the network connection and DNS. Is the address right (--api-url, DDS_CLI_ENV)?",
    "refused": "Nothing answers at that address: check --api-url and DDS_CLI_ENV. DDS may also be "
    "down for maintenance; see the messages on delivery.scilifelab.se.",
    "timeout": "A firewall or proxy may be dropping the connection. Try another network, or ask "
    "your IT support whether outgoing HTTPS to the DDS is allowed.",
    "too-slow": "The connection is very slow or stalling; try another network.",
    "tls": "A proxy or antivirus on this network may re-sign HTTPS traffic: get its CA certificate "
    "from your IT support and point REQUESTS_CA_BUNDLE at it. dds reports this as 'The database "
    "seems to be down', but the problem is on this side (see network.tls).",
    "proxy": "Check HTTPS_PROXY / NO_PROXY (see network.proxy); a proxy that asks for a password "
    "needs it in the proxy URL, or ask IT for a way around it.",
    "connection": "Check the network connection; if it works for other sites, DDS may be down.",
    "too-large": "The answer does not look like the DDS API: check --api-url and DDS_CLI_ENV.",
}


#: No answer in time: the health is unknown rather than known bad.
UNKNOWN_KINDS = frozenset({"timeout", "too-slow"})


def failure_finding(failure: http.HttpFailure, **data: Any) -> Finding:
    """The finding for a request that got no usable answer: error when it timed out, else fail."""
    if failure.kind in UNKNOWN_KINDS:
        return Finding(
            status=Status.ERROR,
            summary=failure.message,
            remedy=_REMEDIES[failure.kind],
            sections=("S.1",),
            data={"failure": failure.kind, **data},
        )
    return fail(
        failure.message,
        remedy=_REMEDIES.get(failure.kind, _REMEDIES["connection"]),
        sections=("S.1",),
        failure=failure.kind,
        **data,
    )


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str, limit: int = 300) -> str:
    """Server-supplied text made safe to print: no control characters or escape codes, bounded."""
    flat = _CONTROL.sub(" ", text.replace("\r\n", "\n")).replace("\n", " ").strip()
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


RELOGIN = "Run `dds auth login` to start a new session."


def server_refusal(answer: http.HttpAnswer, what: str) -> Finding | None:
    """The finding for an answer that is not a success, shared by account and project."""
    message = server_message(answer) or f"HTTP {answer.status}"
    facts: dict[str, Any] = {"http_status": answer.status, "server_message": message}
    if answer.status == 401:  # noqa: PLR2004
        wrong_instance = " If you use a test instance, check DDS_CLI_ENV." if "Invalid token" in message else ""
        return fail(
            f"the DDS no longer accepts the saved token ({message})",
            remedy=RELOGIN + wrong_instance,
            sections=("C", "D"),
            **facts,
        )
    if answer.status == 403:  # noqa: PLR2004
        deactivated = "deactivated" in message.lower()
        return fail(
            f"the DDS refused {what}: {message}",
            remedy=(
                "Ask a Unit Admin of the unit that invited you to reactivate your account." if deactivated else RELOGIN
            ),
            sections=("C", "D"),
            **facts,
        )
    if answer.status == 503:  # noqa: PLR2004
        return fail(
            f"the DDS is under maintenance ({message})",
            remedy="Wait for the maintenance to end (see api.motd) and start the delivery then.",
            sections=("M",),
            **facts,
        )
    if answer.status >= 500:  # noqa: PLR2004
        return fail(
            f"the DDS failed to answer {what}: {message}",
            remedy="Try again later; if it lasts, tell the Data Centre.",
            sections=("M",),
            **facts,
        )
    if answer.status != 200:  # noqa: PLR2004
        return fail(f"unexpected answer to {what}: {message}", remedy="Check --api-url and DDS_CLI_ENV.", **facts)
    return None


def fetch_with_token(ctx: ProbeContext, endpoint: str, what: str) -> http.HttpAnswer | Finding:
    """A successful answer from a token endpoint, or the finding that says why there is none."""
    try:
        token = load_token(ctx)
        answer = get_with_token(ctx, endpoint, token)
    except TokenNotSent as reason:
        return skip(f"not checked: {reason}")
    except http.HttpFailure as failure:
        return failure_finding(failure)
    return server_refusal(answer, what) or answer
