"""Probe: can you reach the project and move its data now (section L)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dds_healthcheck import dds_api
from dds_healthcheck.model import Finding, fail, ok, skip
from dds_healthcheck.probe import Probe
from dds_healthcheck.probes._imports import HTTP, METADATA
from dds_healthcheck.probes.account import UNIT_ROLES
from dds_healthcheck.units import format_bytes

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

CLOSED_STATUSES = frozenset({"Expired", "Archived", "Deleted"})


def _entry(document: Any, project_id: str) -> dict[str, Any] | None:
    projects = document.get("project_info") if isinstance(document, dict) else None
    for entry in projects if isinstance(projects, list) else []:
        if isinstance(entry, dict) and str(entry.get("Project ID", "")).casefold() == project_id.casefold():
            return entry
    return None


class Project(Probe):
    id = "project"
    title = "Project access and status"
    sections = ("L",)
    needs_network = True
    timeout_s = 10.0
    imports = HTTP + METADATA
    after = ("account",)

    def run(self, ctx: ProbeContext) -> Finding:
        project_id = ctx.settings.project
        if not project_id:
            return skip("no --project given")
        answer = dds_api.fetch_with_token(ctx, "/proj/list", "the project list")
        if isinstance(answer, Finding):
            return answer
        try:
            entry = _entry(answer.json(), project_id)
        except ValueError:
            return fail("the project list is not JSON", remedy="Check --api-url and DDS_CLI_ENV.", sections=("S.1",))
        if entry is None:
            return fail(
                f"project {project_id} is not among your projects",
                remedy="Check the project ID with `dds ls`; if it is right, ask the unit delivering the "
                "data to add you to the project.",
                sections=("L",),
                project=project_id,
            )
        return _judge(ctx, project_id, entry)


def _judge(ctx: ProbeContext, project_id: str, entry: dict[str, Any]) -> Finding:
    status = str(entry.get("Status", "unknown"))
    size = entry.get("Size")
    account = ctx.upstream.get("account")
    role = account.data.get("role") if account is not None else None
    facts: dict[str, Any] = {
        "project": project_id,
        "project_status": status,
        "access": entry.get("Access"),
        "size_bytes": size if isinstance(size, int) and size >= 0 else None,
        "size_kind": "stored (encrypted and compressed)",
        "role": role,
    }
    if entry.get("Access") is not True:
        return fail(
            f"you have lost access to project {project_id} (dds will stop with 'Unrecoverable key error')",
            remedy="Ask someone who still has access (a Unit Admin or Unit Personnel of the delivering "
            "unit) to run `dds project access fix` for you, then check again. If nobody has access, "
            "the data cannot be recovered.",
            sections=("L",),
            **facts,
        )
    if status in CLOSED_STATUSES:
        return fail(
            f"project {project_id} is {status}: neither upload nor download is possible",
            remedy="Ask the unit delivering the data about the project's status.",
            sections=("L",),
            **facts,
        )
    if status == "In Progress" and role not in UNIT_ROLES:
        return fail(
            f"project {project_id} is In Progress: its data cannot be downloaded until the unit releases it",
            remedy="Wait until the unit sets the project to Available (they usually tell you by e-mail).",
            sections=("L",),
            **facts,
        )
    shown_size = f", {format_bytes(size)} stored" if isinstance(size, int) else ""
    note = " (uploads need In Progress)" if status == "Available" and role in UNIT_ROLES else ""
    return ok(f"project {project_id}: access ok, status {status}{note}{shown_size}", **facts)
