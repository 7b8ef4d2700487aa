"""Staging folders that dds leaves behind (DataDelivery_*), read without trusting them.

``logs/dds_failed_delivery.json`` can be huge, truncated or corrupt, and holds presigned
URLs (secrets for 7 days). It is read entry by entry, so memory stays bounded whatever its
size, and nothing from it is kept but counts, sizes and cleaned messages.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from dds_healthcheck.redact import strip_url_queries

STAGING_PREFIX = "DataDelivery_"
FAILED_FILE = Path("logs") / "dds_failed_delivery.json"
#: One entry describes one file; far larger means the file is not what it claims to be.
MAX_ENTRY_CHARS = 4 * 1024 * 1024
READ_CHARS = 256 * 1024
_STAGING_NAME = re.compile(
    r"DataDelivery_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(?:_(?P<project>.+?))?(?:_(?P<direction>upload|download))?$"
)


class DeliveryFileError(ValueError):
    """The failed-delivery file cannot be read as one; the message says where it broke."""


def iter_members(handle: IO[str]) -> Iterator[tuple[str, Any]]:  # noqa: PLR0915 - one small parser
    """(key, value) pairs of a top-level JSON object, one at a time, in bounded memory."""
    decoder = json.JSONDecoder()
    buffer = ""
    position = 0
    exhausted = False

    def fill() -> bool:
        nonlocal buffer, position, exhausted
        if exhausted:
            return False
        chunk = handle.read(READ_CHARS)
        if not chunk:
            exhausted = True
            return False
        buffer = buffer[position:] + chunk
        position = 0
        return True

    def skip_space() -> str:
        nonlocal position
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n":
                position += 1
            if position < len(buffer):
                return buffer[position]
            if not fill():
                return ""

    def value() -> Any:
        nonlocal position
        while True:
            try:
                parsed, end = decoder.raw_decode(buffer, position)
            except json.JSONDecodeError as exc:
                if len(buffer) - position > MAX_ENTRY_CHARS:
                    msg = "an entry is far larger than a failed-delivery entry can be"
                    raise DeliveryFileError(msg) from None
                if not fill():
                    msg = f"the JSON is broken or cut off ({exc.msg})"
                    raise DeliveryFileError(msg) from None
                continue
            # A number at the very end of the buffer may continue in the next chunk.
            if end == len(buffer) and not exhausted and fill():
                continue
            position = end
            return parsed

    if skip_space() != "{":
        msg = "it does not start with a JSON object"
        raise DeliveryFileError(msg)
    position += 1
    if skip_space() == "}":
        return
    while True:
        skip_space()
        key = value()
        if not isinstance(key, str):
            msg = "a key of the object is not a string"
            raise DeliveryFileError(msg)
        if skip_space() != ":":
            msg = "the JSON is broken (no ':' after a key)"
            raise DeliveryFileError(msg)
        position += 1
        skip_space()
        yield key, value()
        separator = skip_space()
        position += 1
        if separator == "}":
            return
        if separator != ",":
            msg = "the JSON is broken or cut off (no ',' or '}' after an entry)"
            raise DeliveryFileError(msg)


@dataclasses.dataclass(frozen=True, kw_only=True)
class FailedDelivery:
    """What one dds_failed_delivery.json says, without URLs, keys or checksums."""

    direction: str  #: "upload", "download" or "unknown"
    failed_files: int
    failed_steps: dict[str, int]  #: failed_op -> count
    total_bytes: int  #: the failed files' sizes (size_raw for uploads, size_original for downloads)
    messages: dict[str, int]  #: cleaned error message -> count (at most a few kinds)
    error: str | None = None  #: set when the file could not be read to the end


MAX_MESSAGE_KINDS = 10


def _direction(info: dict[str, Any]) -> str:
    if "path_raw" in info or "path_processed" in info:
        return "upload"
    if "name_in_bucket" in info or "url" in info:
        return "download"
    return "unknown"


def _size(info: dict[str, Any]) -> int:
    for field in ("size_raw", "size_original"):
        value = info.get(field)
        if isinstance(value, int) and value >= 0:
            return value
    return 0


def read_failed_delivery(path: Path) -> FailedDelivery:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return summarize_failed_delivery(handle)
    except OSError as exc:
        return FailedDelivery(
            direction="unknown",
            failed_files=0,
            failed_steps={},
            total_bytes=0,
            messages={},
            error=f"cannot read it ({exc.strerror or exc})",
        )


def summarize_failed_delivery(handle: IO[str]) -> FailedDelivery:
    steps: collections.Counter[str] = collections.Counter()
    messages: collections.Counter[str] = collections.Counter()
    directions: collections.Counter[str] = collections.Counter()
    count = total = 0
    error = None
    try:
        for _key, info in iter_members(handle):
            if not isinstance(info, dict):
                continue
            count += 1
            total += _size(info)
            directions[_direction(info)] += 1
            status: dict[str, Any] = info["status"] if isinstance(info.get("status"), dict) else {}
            steps[str(status.get("failed_op") or "unknown")] += 1
            message = status.get("message")
            if isinstance(message, str) and message.strip():
                cleaned = strip_url_queries(" ".join(message.split()))[:300]
                if cleaned in messages or len(messages) < MAX_MESSAGE_KINDS:
                    messages[cleaned] += 1
    except DeliveryFileError as exc:
        error = str(exc)
    except OSError as exc:
        error = f"cannot read it ({exc.strerror or exc})"
    direction = directions.most_common(1)[0][0] if directions else "unknown"
    return FailedDelivery(
        direction=direction,
        failed_files=count,
        failed_steps=dict(steps),
        total_bytes=total,
        messages=dict(messages),
        error=error,
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class StagingFolder:
    path: Path
    project: str | None
    direction: str | None
    failed_file: Path | None
    leftover_ccp_files: int
    leftover_ccp_bytes: int
    logged_command: str | None


def _leftovers(files_dir: Path) -> tuple[int, int]:
    count = size = 0
    for root, _dirs, names in os.walk(files_dir):
        for name in names:
            if name.endswith(".ccp"):
                try:
                    size += os.stat(os.path.join(root, name)).st_size
                except OSError:
                    continue
                count += 1
    return count, size


def logged_command(staging: Path) -> str | None:
    """The dds command line from the first lines of the staging folder's log ("Command: ...")."""
    logs = staging / "logs"
    try:
        candidates = sorted(logs.glob("dds_*.log"))
    except OSError:
        return None
    for log in candidates:
        try:
            with log.open(encoding="utf-8", errors="replace") as handle:
                for _ in range(20):
                    line = handle.readline(8192)
                    if not line:
                        break
                    marker = line.find("Command: ")
                    if marker != -1:
                        return strip_url_queries(line[marker + len("Command: ") :].strip())
        except OSError:
            continue
    return None


def inspect_staging(path: Path) -> StagingFolder:
    match = _STAGING_NAME.match(path.name)
    failed = path / FAILED_FILE
    count, size = _leftovers(path / "files")
    return StagingFolder(
        path=path,
        project=match.group("project") if match else None,
        direction=match.group("direction") if match else None,
        failed_file=failed if failed.is_file() else None,
        leftover_ccp_files=count,
        leftover_ccp_bytes=size,
        logged_command=logged_command(path),
    )


def find_staging_folders(roots: Iterable[Path], *, depth: int = 2) -> list[Path]:
    """DataDelivery_* folders in ``roots`` and up to ``depth`` levels below them, each once."""
    found: dict[str, Path] = {}

    def visit(folder: Path, level: int) -> None:
        if folder.name.startswith(STAGING_PREFIX):
            found.setdefault(os.path.realpath(folder), folder)
            return  # dds does not nest staging folders
        if level >= depth:
            return
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    visit(Path(entry.path), level + 1)
            except OSError:
                continue

    for root in roots:
        if root.is_dir():
            visit(root, 0)
    return sorted(found.values())
