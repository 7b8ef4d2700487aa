"""The newest dds-cli release on PyPI, with a small best-effort cache.

An answer is kept 24 h and a failed lookup 1 h, so an offline user does not pay the
timeout on every run. The cache never breaks a run: a corrupt or unwritable cache is
treated as absent.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

ANSWER_TTL = datetime.timedelta(hours=24)
FAILURE_TTL = datetime.timedelta(hours=1)
#: The dds-cli page is a few hundred kB; more than this is not PyPI's JSON API.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
CACHE_FILE = "pypi-dds-cli.json"


class PyPIError(Exception):
    """The lookup failed; the message says how (timed out, refused, not JSON, ...)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Lookup:
    """A lookup's outcome, fresh or from the cache."""

    latest: str | None  #: None when the lookup failed
    error: str | None
    checked_at: datetime.datetime
    from_cache: bool


def latest_release(document: object) -> str:
    """The highest final release in a PyPI JSON document, skipping yanked and pre-releases."""
    if not isinstance(document, Mapping):
        msg = "PyPI's answer is not a JSON object"
        raise PyPIError(msg)
    releases = document.get("releases")
    candidates: list[Version] = []
    if isinstance(releases, Mapping):
        for text, files in releases.items():
            try:
                version = Version(str(text))
            except InvalidVersion:
                continue
            if version.is_prerelease or version.is_devrelease or not isinstance(files, list) or not files:
                continue
            if all(isinstance(f, Mapping) and f.get("yanked") for f in files):
                continue
            candidates.append(version)
    if candidates:
        return str(max(candidates))
    info = document.get("info")
    if isinstance(info, Mapping) and isinstance(info.get("version"), str) and not info.get("yanked"):
        try:
            version = Version(info["version"])
        except InvalidVersion:
            pass
        else:
            if not version.is_prerelease:
                return str(version)
    msg = "PyPI's answer lists no usable dds-cli release"
    raise PyPIError(msg)


def fetch_latest(base_url: str, *, env: Mapping[str, str], timeout_s: float) -> str:
    """Ask the PyPI JSON API through the proxy and CA bundle of ``env``; failures are :class:`PyPIError`."""
    from dds_healthcheck import http

    try:
        answer = http.get(
            f"{base_url.rstrip('/')}/dds-cli/json",
            env=env,
            timeout_s=timeout_s,
            headers={"Accept": "application/json"},
            max_bytes=MAX_RESPONSE_BYTES,
        )
    except http.HttpFailure as failure:
        raise PyPIError(failure.message) from None
    if answer.status != 200:  # noqa: PLR2004
        msg = f"PyPI answered HTTP {answer.status}"
        raise PyPIError(msg)
    try:
        document = answer.json()
    except ValueError:
        msg = "PyPI's answer is not JSON"
        raise PyPIError(msg) from None
    return latest_release(document)


def _cache_path(cache_dir: Path) -> Path:
    return cache_dir / CACHE_FILE


def read_cache(cache_dir: Path, base_url: str, now: datetime.datetime, *, any_age: bool = False) -> Lookup | None:
    """The cached lookup for ``base_url`` if it is fresh enough (or any age, for --offline)."""
    try:
        raw: Any = json.loads(_cache_path(cache_dir).read_text(encoding="utf-8"))
        if raw.get("url") != base_url:
            return None
        checked_at = datetime.datetime.fromisoformat(raw["checked_at"])
        if checked_at.tzinfo is None:
            return None
        latest, error = raw.get("latest"), raw.get("error")
        if not (isinstance(latest, str) or isinstance(error, str)):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # a missing, corrupt or foreign cache is no cache
    age = now - checked_at
    ttl = ANSWER_TTL if isinstance(latest, str) else FAILURE_TTL
    if age < datetime.timedelta(minutes=-5):  # written "in the future": the clock moved
        return None
    if not any_age and age > ttl:
        return None
    return Lookup(
        latest=latest if isinstance(latest, str) else None,
        error=error if isinstance(error, str) else None,
        checked_at=checked_at,
        from_cache=True,
    )


def write_cache(cache_dir: Path, base_url: str, lookup: Lookup) -> None:
    """Store the lookup atomically (write a temporary file, then rename). Best effort."""
    record = {
        "url": base_url,
        "checked_at": lookup.checked_at.isoformat(),
        "latest": lookup.latest,
        "error": lookup.error,
    }
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".pypi-", suffix=".tmp", dir=cache_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(record, handle)
            os.replace(temporary, _cache_path(cache_dir))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # Best effort: the next run simply asks PyPI again.
