"""Probe: earlier deliveries that failed, and what they left behind (section O)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from dds_healthcheck.deliveries import (
    FailedDelivery,
    StagingFolder,
    find_staging_folders,
    inspect_staging,
    read_failed_delivery,
)
from dds_healthcheck.model import Finding, fail, ok, warn
from dds_healthcheck.probe import Probe
from dds_healthcheck.units import format_bytes

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext


def _roots(ctx: ProbeContext) -> list[Path]:
    roots = [ctx.settings.working_dir]
    if ctx.settings.mount_dir is not None:
        roots.append(ctx.settings.mount_dir)
    if ctx.settings.destination != ctx.settings.working_dir:
        roots.append(ctx.settings.destination)
    return roots


def _staging_paths(ctx: ProbeContext) -> list[Path]:
    paths = find_staging_folders(_roots(ctx))
    # `dds data get --destination X` makes X itself the staging folder, under any name.
    destination = ctx.settings.destination
    if (destination / "logs").is_dir() and destination not in paths:
        paths.append(destination)
    return paths


def retry_command(folder: StagingFolder, failed: FailedDelivery | None) -> str:
    if folder.logged_command:
        return folder.logged_command
    project = folder.project or "<project>"
    direction = failed.direction if failed is not None else folder.direction
    if direction == "download":
        return f"dds data get --project {project} --source <the failed files or folders>"
    return f"dds data put --project {project} --source <the same sources as before>"


class DeliveriesFailed(Probe):
    id = "deliveries.failed"
    title = "Earlier failed deliveries"
    sections = ("O",)
    timeout_s = 10.0

    def run(self, ctx: ProbeContext) -> Finding:
        folders = [inspect_staging(path) for path in _staging_paths(ctx)]
        reports: list[dict[str, Any]] = []
        failures: list[str] = []
        unreadable: list[str] = []
        leftovers = 0
        sections: set[str] = set()
        for folder in folders:
            failed = read_failed_delivery(folder.failed_file) if folder.failed_file else None
            shown = ctx.host.display_path(folder.path)
            entry: dict[str, Any] = {
                "path": shown,
                "project": folder.project,
                "direction": (failed.direction if failed else None) or folder.direction,
                "leftover_ccp_files": folder.leftover_ccp_files,
                "leftover_ccp_bytes": folder.leftover_ccp_bytes,
            }
            leftovers += folder.leftover_ccp_bytes
            if failed is not None:
                command = retry_command(folder, failed)
                entry.update(
                    failed_files=failed.failed_files,
                    failed_steps=failed.failed_steps,
                    failed_bytes=failed.total_bytes,
                    messages=failed.messages,
                    read_error=failed.error,
                    retry_command=command,
                )
                if failed.error:
                    unreadable.append(f"{shown}: {failed.error}")
                if failed.failed_files:
                    steps = ", ".join(f"{n} in {op}" for op, n in sorted(failed.failed_steps.items()))
                    failures.append(
                        f"{shown}: {failed.failed_files} files ({format_bytes(failed.total_bytes)}) failed ({steps}); "
                        f"retry with `{command}`"
                    )
                    sections.add("S" if entry["direction"] == "download" else "O")
            reports.append(entry)
        facts: dict[str, Any] = {"staging_folders": reports, "leftover_ccp_bytes": leftovers}
        if failures:
            return fail(
                f"{len(failures)} earlier deliveries have failed files: " + "; ".join(failures),
                remedy="Run the retry command (the same dds command again). For uploads, also send the "
                "failed-delivery JSON and the command to the Data Centre, so they can register files that "
                "reached storage; `dds-healthcheck report` gathers it with secrets removed.",
                sections=tuple(sorted(sections)),
                **facts,
            )
        if unreadable:
            return warn(
                "a failed-delivery file could not be read: " + "; ".join(unreadable),
                remedy="Send the file to the Data Centre as it is; it may be truncated by a full disk.",
                **facts,
            )
        if leftovers:
            return warn(
                f"{format_bytes(leftovers)} of encrypted leftovers (.ccp) from earlier uploads in "
                f"{sum(1 for r in reports if r['leftover_ccp_files'])} staging folders",
                remedy="Once those uploads are complete, delete the staging folders' files/ subfolders "
                "to free the space.",
                **facts,
            )
        if folders:
            return ok(f"{len(folders)} staging folders, none with failed files", **facts)
        return ok("no staging folders (DataDelivery_*) from earlier deliveries here", **facts)
