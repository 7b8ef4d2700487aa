"""Probe (preflight only): will the wrapped `dds data get|put` command itself work (section T)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dds_healthcheck.model import Finding, fail, ok, warn
from dds_healthcheck.probe import Probe
from dds_healthcheck.units import format_bytes

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext
    from dds_healthcheck.preflight import DdsCommand, UploadSize


class DdsCommandCheck(Probe):
    id = "dds.command"
    title = "The dds command"
    sections = ("T",)
    timeout_s = 5.0

    def __init__(self, command: DdsCommand, upload: UploadSize | None, working_dir: Path) -> None:
        self.command = command
        self.upload = upload
        self.working_dir = working_dir

    def run(self, ctx: ProbeContext) -> Finding:
        cannot_log_in = self._no_prompt_without_token(ctx)
        if cannot_log_in is not None:
            return cannot_log_in
        if self.command.action == "get":
            return self._get(ctx)
        return self._put(ctx)

    def _no_prompt_without_token(self, ctx: ProbeContext) -> Finding | None:
        """With --no-prompt, dds cannot ask for a password: it needs a usable saved token."""
        if not self.command.no_prompt:
            return None
        from dds_healthcheck import dds_api

        try:
            dds_api.load_token(ctx)
        except dds_api.TokenNotSent as reason:
            return fail(
                f"dds runs with --no-prompt but cannot use the saved token ({reason}): it would stop "
                "with 'Authentication not possible when running with --no-prompt'",
                remedy="Run `dds auth login` interactively first, then the command.",
                sections=("H",),
                action=self.command.action,
            )
        return None

    def _get(self, ctx: ProbeContext) -> Finding:
        command = self.command
        facts: dict[str, Any] = {"action": "get", "project": command.project, "num_threads": command.num_threads}
        if not (command.sources or command.source_path_file or command.get_all):
            return fail(
                "`dds data get` has no --source, --source-path-file or --get-all: dds would stop with "
                "'No data specified'",
                remedy="Add --get-all (-a) for the whole project, or --source (-s) for each file or folder.",
                **facts,
            )
        if command.source_path_file and not os.path.isfile(self._path(command.source_path_file)):
            return fail(
                f"the --source-path-file {command.source_path_file!r} does not exist",
                remedy="Check the path of the file that lists what to download.",
                **facts,
            )
        if command.destination:
            destination = self._path(command.destination)
            facts["destination"] = ctx.host.display_path(destination)
            if os.path.exists(destination):
                return fail(
                    f"the destination {ctx.host.display_path(destination)} already exists: dds creates it and "
                    "refuses an existing folder",
                    remedy="Give --destination a new folder name (dds creates it), or remove the old folder.",
                    sections=(),
                    **facts,
                )
        what = "everything" if command.get_all else "the selected data"
        return ok(
            f"`dds data get` of {what} from project {command.project or '?'} with {command.num_threads} threads",
            **facts,
        )

    def _put(self, _ctx: ProbeContext) -> Finding:
        command, upload = self.command, self.upload
        facts: dict[str, Any] = {"action": "put", "project": command.project, "num_threads": command.num_threads}
        if upload is None:
            return fail(
                "`dds data put` has no --source or --source-path-file",
                remedy="Add --source (-s) for each file or folder to upload.",
                **facts,
            )
        facts.update(
            upload_bytes=upload.total_bytes,
            files=upload.files,
            largest_file_bytes=upload.largest_file_bytes,
            missing_sources=list(upload.missing),
        )
        if upload.missing and not upload.files:
            return fail(
                f"none of the sources exist ({', '.join(upload.missing[:5])}): dds would stop with 'No data specified'",
                remedy="Check the --source paths (they are relative to the folder you run dds in).",
                **facts,
            )
        largest = format_bytes(upload.largest_file_bytes)
        summary = f"{upload.files} files, {format_bytes(upload.total_bytes)} (largest {largest})"
        if upload.missing:
            return warn(
                f"{summary}; these sources do not exist and will be skipped: {', '.join(upload.missing[:5])}",
                remedy="Check the paths if those were meant to be uploaded.",
                **facts,
            )
        return ok(f"`dds data put` of {summary} to project {command.project or '?'}", **facts)

    def _path(self, text: str) -> Path:
        return Path(os.path.join(self.working_dir, os.path.expanduser(text)))
