"""Probe: does the DDS still accept the saved token, and is the account active (sections C, D)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dds_healthcheck import dds_api, http
from dds_healthcheck.model import Finding, fail, ok, skip
from dds_healthcheck.probe import Probe
from dds_healthcheck.probes._imports import HTTP, METADATA

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

UNIT_ROLES = frozenset({"Unit Admin", "Unit Personnel", "Super Admin"})
RELOGIN = "Run `dds auth login` to start a new session."


def server_refusal(answer: http.HttpAnswer, what: str) -> Finding | None:
    """The finding for an answer that is not a success, shared by account and project."""
    message = dds_api.server_message(answer) or f"HTTP {answer.status}"
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


class Account(Probe):
    id = "account"
    title = "DDS account"
    sections = ("C", "D")
    needs_network = True
    timeout_s = 8.0
    imports = HTTP + METADATA

    def run(self, ctx: ProbeContext) -> Finding:
        try:
            token = dds_api.load_token(ctx)
            answer = dds_api.get_with_token(ctx, "/user/info", token)
        except dds_api.TokenNotSent as reason:
            return skip(f"not checked: {reason}")
        except http.HttpFailure as failure:
            return dds_api.failure_finding(failure)
        refusal = server_refusal(answer, "the account lookup")
        if refusal is not None:
            return refusal
        try:
            info = answer.json().get("info")
        except (ValueError, AttributeError):
            info = None
        if not isinstance(info, dict):
            return fail(
                "the account lookup answered without account information",
                remedy="Check --api-url and DDS_CLI_ENV: this does not look like the DDS API.",
                sections=("S.1",),
            )
        role = info.get("role") if isinstance(info.get("role"), str) else "unknown role"
        facts: dict[str, Any] = {"role": role, "active": True, "is_admin": bool(info.get("is_admin", False))}
        who = ""
        if ctx.settings.include_identity:
            facts.update(username=info.get("username"), email=info.get("email_primary"))
            who = f" as {info.get('username')}"
        return ok(f"the DDS accepts the token{who}: active account, role {role}", **facts)
