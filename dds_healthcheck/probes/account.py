"""Probe: does the DDS still accept the saved token, and is the account active (sections C, D)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dds_healthcheck import dds_api
from dds_healthcheck.model import Finding, fail, ok
from dds_healthcheck.probe import Probe
from dds_healthcheck.probes._imports import HTTP, METADATA

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

UNIT_ROLES = frozenset({"Unit Admin", "Unit Personnel", "Super Admin"})


class Account(Probe):
    id = "account"
    title = "DDS account"
    sections = ("C", "D")
    needs_network = True
    timeout_s = 8.0
    imports = HTTP + METADATA

    def run(self, ctx: ProbeContext) -> Finding:
        answer = dds_api.fetch_with_token(ctx, "/user/info", "the account lookup")
        if isinstance(answer, Finding):
            return answer
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
