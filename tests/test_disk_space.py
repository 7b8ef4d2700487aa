from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dds_healthcheck.context import Settings
from dds_healthcheck.model import Status
from dds_healthcheck.probes import DiskSpace
from dds_healthcheck.probes.disk_space import nearest_existing, temporary_bytes
from dds_healthcheck.testing import check, make_context, replace
from tests.helpers import needs_root

MB = 1_000_000
TMPFS_BYTES = 64 * 1024 * 1024


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 64 MiB tmpfs, so free space is known exactly."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _run(settings: Settings):
    return check(DiskSpace(), make_context(settings))


def test_temporary_space_formula() -> None:
    """At most num_threads encrypted blobs exist at once; unknown file sizes mean one big file."""
    assert temporary_bytes(100) == 100
    assert temporary_bytes(100, largest_file=10) == 40
    assert temporary_bytes(100, largest_file=10, threads=1) == 10
    assert temporary_bytes(100, largest_file=60) == 100


def test_without_size_reports_free_space_and_does_not_fail(settings: Settings) -> None:
    rv = _run(settings)
    assert rv.status is Status.OK
    assert rv.data["free_bytes"] == shutil.disk_usage(settings.destination).free or rv.data["free_bytes"] > 0


def test_destination_that_does_not_exist_is_checked_at_its_nearest_parent(settings: Settings, tmp_path: Path) -> None:
    rv = _run(replace(settings, destination=tmp_path / "not" / "yet" / "there"))
    assert rv.status is Status.OK
    assert rv.data["checked_path"] == str(tmp_path)
    assert nearest_existing(tmp_path / "a" / "b") == tmp_path


def test_destination_below_a_file_fails(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    rv = _run(replace(settings, destination=tmp_path / "file" / "data"))
    assert rv.status is Status.FAIL
    assert "is a file" in rv.summary


@needs_root
def test_fails_when_the_delivery_is_larger_than_free_space(settings: Settings, tmpfs: Path) -> None:
    rv = _run(replace(settings, destination=tmpfs / "delivery", size_bytes=100 * MB))
    assert rv.status is Status.FAIL
    assert rv.sections == ("S.2",)
    assert rv.data["free_bytes"] == TMPFS_BYTES
    assert rv.data["filesystem"] == "tmpfs"


@needs_root
def test_warns_when_data_fits_but_temporary_copies_do_not(settings: Settings, tmpfs: Path) -> None:
    rv = _run(replace(settings, destination=tmpfs, size_bytes=40 * MB))
    assert rv.status is Status.WARN
    assert rv.data["recommended_bytes"] == 80 * MB


@needs_root
def test_ok_when_data_and_temporary_copies_fit(settings: Settings, tmpfs: Path) -> None:
    rv = _run(replace(settings, destination=tmpfs, size_bytes=20 * MB))
    assert rv.status is Status.OK


@needs_root
def test_counts_space_already_used(settings: Settings, tmpfs: Path) -> None:
    (tmpfs / "filler").write_bytes(b"\0" * (50 * 1024 * 1024))
    rv = _run(replace(settings, destination=tmpfs, size_bytes=20 * MB))
    assert rv.status is Status.FAIL


@needs_root
def test_read_only_destination_fails(settings: Settings, tmpfs: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    rv = _run(replace(settings, destination=tmpfs / "new"))
    assert rv.status is Status.FAIL
    assert "cannot write" in rv.summary


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_unwritable_destination_fails_for_a_normal_user(settings: Settings, tmp_path: Path) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root can write anywhere; covered by the read-only mount test")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    rv = _run(replace(settings, destination=locked / "data"))
    assert rv.status is Status.FAIL
