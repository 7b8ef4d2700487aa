"""Probe: is there room where the data will be written (section S.2)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dds_healthcheck.delivery_size import planned_size
from dds_healthcheck.model import Finding, fail, ok, warn
from dds_healthcheck.probe import Probe
from dds_healthcheck.units import format_bytes

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

#: `dds data get --num-threads` default: at most this many files are in flight at once.
DEFAULT_THREADS = 4


def temporary_bytes(total: int, *, largest_file: int | None = None, threads: int = DEFAULT_THREADS) -> int:
    """Extra space `dds data get` needs while it works, on top of the data itself.

    Each file in flight is downloaded as an encrypted blob (about its own size) and
    decrypted next to it before the blob is deleted, so at most ``threads`` blobs exist
    at once: ``min(total, threads x largest file)``. When the largest file is not known,
    the worst case is one file holding all the data, i.e. ``total`` again.
    """
    if largest_file is None:
        return total
    return min(total, threads * largest_file)


def nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists (the destination may not exist yet)."""
    candidate = path
    # os.path.exists, not Path.exists: a folder we may not look into counts as missing.
    while not os.path.exists(candidate):
        if candidate.parent == candidate:
            break
        candidate = candidate.parent
    return candidate


def _filesystem(path: Path) -> tuple[str | None, str | None]:
    """(mount point, filesystem type) of ``path``, for the report."""
    import psutil

    try:
        real = os.path.realpath(path)
        best = None
        for part in psutil.disk_partitions(all=True):
            mount = part.mountpoint
            inside = real == mount or real.startswith(mount.rstrip(os.sep) + os.sep)
            if inside and (best is None or len(mount) > len(best.mountpoint)):
                best = part
    except OSError:
        return None, None
    return (best.mountpoint, best.fstype) if best else (None, None)


class DiskSpace(Probe):
    id = "disk.space"
    title = "Free disk space"
    sections = ("S.2",)
    timeout_s = 5.0
    imports = ("psutil",)
    after = ("project",)

    def run(self, ctx: ProbeContext) -> Finding:
        import psutil

        destination = ctx.settings.destination
        shown = ctx.host.display_path(destination)
        existing = nearest_existing(destination)
        where = ctx.host.display_path(existing)
        if not os.path.isdir(existing):
            return fail(
                f"{where} is a file, so nothing can be written under {shown}",
                remedy="Choose a destination in a folder (--destination).",
                destination=shown,
            )
        usage = psutil.disk_usage(str(existing))
        mount, fstype = _filesystem(existing)
        facts: dict[str, Any] = {
            "destination": shown,
            "checked_path": where,
            "free_bytes": usage.free,
            "total_bytes": usage.total,
            "filesystem": fstype,
            "mount_point": ctx.host.display_path(mount) if mount else None,
        }
        if not os.access(existing, os.W_OK | os.X_OK):
            return fail(
                f"cannot write in {where} ({format_bytes(usage.free)} free there)",
                remedy="Choose a destination you can write to, or ask the folder's owner for access.",
                writable=False,
                **facts,
            )
        facts["writable"] = True
        size, source = planned_size(ctx)
        if size is None:
            return ok(f"{format_bytes(usage.free)} free at {where}; pass --size to compare with the delivery", **facts)
        if ctx.settings.direction == "put":
            return _staging_space(ctx, size, usage.free, where, facts)
        extra = temporary_bytes(size, threads=ctx.settings.num_threads)
        of = "" if source in ("--size", None) else " (the project's stored size)"
        facts.update(required_bytes=size, size_source=source, temporary_bytes=extra, recommended_bytes=size + extra)
        if usage.free < size:
            return fail(
                f"{format_bytes(usage.free)} free at {where}, but the delivery is {format_bytes(size)}{of}",
                remedy=f"Free {format_bytes(size - usage.free)} or more, or choose another --destination.",
                **facts,
            )
        if usage.free < size + extra:
            return warn(
                f"{format_bytes(usage.free)} free at {where}: enough for the {format_bytes(size)} of data{of}, "
                f"not for dds's temporary encrypted copies (up to {format_bytes(extra)} more)",
                remedy=f"Free {format_bytes(size + extra - usage.free)} more to be safe, or download "
                "with fewer threads (--num-threads 1) so fewer copies exist at once.",
                **facts,
            )
        return ok(
            f"{format_bytes(usage.free)} free at {where}, room for {format_bytes(size)}{of} and its temporary copies",
            **facts,
        )


def _staging_space(ctx: ProbeContext, size: int, free: int, where: str, facts: dict[str, Any]) -> Finding:
    """Uploads: dds writes compressed, encrypted copies of the files in flight next to it."""
    staging = temporary_bytes(size, largest_file=ctx.settings.largest_file_bytes, threads=ctx.settings.num_threads)
    facts.update(upload_bytes=size, staging_bytes=staging, num_threads=ctx.settings.num_threads)
    if free < staging:
        return fail(
            f"{format_bytes(free)} free at {where}, but dds's staging copies of the files in flight can take "
            f"{format_bytes(staging)}",
            remedy="Free space where dds runs, point --mount-dir at a larger disk, or upload with fewer "
            "threads (--num-threads).",
            **facts,
        )
    return ok(
        f"{format_bytes(free)} free at {where}, room for up to {format_bytes(staging)} of staging copies", **facts
    )
