"""The delivery size the probes plan with, and where it comes from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dds_healthcheck.model import Status

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

PROJECT_SIZE_SOURCE = (
    "the project's size on the DDS (stored: encrypted and compressed; the unpacked data may be larger)"
)


def planned_size(ctx: ProbeContext) -> tuple[int | None, str | None]:
    """(bytes, source): --size if given, else the project's stored size from the project probe."""
    if ctx.settings.size_bytes is not None:
        source = "the upload's files" if ctx.settings.direction == "put" else "--size"
        return ctx.settings.size_bytes, source
    project = ctx.upstream.get("project")
    if project is not None and project.status in (Status.OK, Status.WARN):
        size = project.data.get("size_bytes")
        if isinstance(size, int) and size >= 0:
            return size, PROJECT_SIZE_SOURCE
    return None, None
