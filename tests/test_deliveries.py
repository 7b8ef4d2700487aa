"""deliveries.failed and the failed-delivery reader: real staging folders, hostile JSON."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from dds_healthcheck.context import Settings
from dds_healthcheck.deliveries import DeliveryFileError, iter_members, read_failed_delivery
from dds_healthcheck.model import Status
from dds_healthcheck.probes import DeliveriesFailed
from dds_healthcheck.redact import strip_url_queries
from dds_healthcheck.testing import check, make_context, replace

SIGNATURE = "X-Amz-Signature=0123456789abcdef0123456789abcdef"
PRESIGNED = f"https://s3.sto4.example/bucket/abc?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIAEXAMPLE&{SIGNATURE}"


def _upload_entry(name: str, op: str = "add_file_db") -> dict[str, Any]:
    return {
        "path_raw": f"/data/{name}", "subpath": "reads", "size_raw": 1_000_000, "compressed": False,
        "path_processed": f"/work/DataDelivery_x/files/reads/{name}.zst.ccp", "size_processed": 900_000,
        "path_remote": f"reads/{name}", "overwrite": False, "checksum": "ab" * 32, "public_key": "cd" * 32, "salt": "ef" * 16,
        "status": {"cancel": True, "started": True, "message": f"Failed to add file '{name}' to database: Expired token",
                   "failed_op": op, "put": {"started": True, "done": True}, "add_file_db": {"started": True, "done": False}},
    }  # fmt: skip


def _download_entry(name: str) -> dict[str, Any]:
    return {
        "name_in_bucket": f"{name}.ccp", "subpath": "reads", "size_original": 2_000_000, "size_stored": 1_900_000,
        "salt": "ef" * 16, "public_key": "cd" * 32, "checksum": "ab" * 32, "compressed": True, "url": PRESIGNED,
        "name_in_db": name, "path_downloaded": f"/dl/files/reads/{name}",
        "status": {"failed_op": "get", "message": f"Download of '{name}' failed: {PRESIGNED} returned 403"},
    }  # fmt: skip


def _staging(
    root: Path, name: str, failed: dict[str, Any] | str | None, *, ccp: int = 0, command: str | None = None
) -> Path:
    folder = root / name
    (folder / "logs").mkdir(parents=True)
    (folder / "files" / "reads").mkdir(parents=True)
    (folder / "meta").mkdir()
    if failed is not None:
        text = failed if isinstance(failed, str) else json.dumps(failed, indent=4)
        (folder / "logs" / "dds_failed_delivery.json").write_text(text)
    for i in range(ccp):
        (folder / "files" / "reads" / f"part{i}.fastq.zst.ccp").write_bytes(b"\0" * 1000)
    if command:
        (folder / "logs" / "dds_data_put_p_ab-proj-1_s_x_20240611-142301.log").write_text(
            f"[2024-06-11 14:23:01] dds_cli.__main__ 170   [DEBUG  ]  Command: {command}\n[2024-06-11 14:23:02] more\n"
        )
    return folder


def _run(settings: Settings, working_dir: Path, **changes: Any):
    return check(DeliveriesFailed(), make_context(replace(settings, working_dir=working_dir, **changes)))


def test_no_staging_folders_is_ok(settings: Settings, tmp_path: Path) -> None:
    rv = _run(settings, tmp_path)
    assert rv.status is Status.OK
    assert "no staging folders" in rv.summary


def test_failed_upload_is_reported_with_the_logged_retry_command(settings: Settings, tmp_path: Path) -> None:
    command = "dds data put -p ab-proj-1 -s reads"
    failed = {f"reads/s{i}.fastq": _upload_entry(f"s{i}.fastq") for i in range(3)}
    _staging(tmp_path, "DataDelivery_2024-06-11_14-23-01_ab-proj-1_upload", failed, ccp=2, command=command)
    rv = _run(settings, tmp_path)
    assert rv.status is Status.FAIL
    assert rv.sections == ("O",)
    folder = rv.data["staging_folders"][0]
    assert folder["failed_files"] == 3
    assert folder["failed_steps"] == {"add_file_db": 3}
    assert folder["failed_bytes"] == 3_000_000
    assert folder["leftover_ccp_files"] == 2
    assert folder["leftover_ccp_bytes"] == 2000
    assert folder["retry_command"] == command
    assert folder["project"] == "ab-proj-1"
    assert f"`{command}`" in rv.summary


def test_failed_download_never_shows_presigned_urls(settings: Settings, tmp_path: Path) -> None:
    failed = {f"/dl/files/reads/s{i}": _download_entry(f"s{i}") for i in range(2)}
    _staging(tmp_path, "DataDelivery_2024-06-11_14-23-01_ab-proj-1_download", failed)
    rv = _run(settings, tmp_path)
    assert rv.status is Status.FAIL
    assert rv.sections == ("S",)
    assert "dds data get --project ab-proj-1" in rv.summary
    text = repr(rv)
    assert "X-Amz-Signature" not in text
    assert "0123456789abcdef" not in text
    assert "AKIAEXAMPLE" not in text


def test_destination_used_as_staging_folder_is_found(settings: Settings, tmp_path: Path) -> None:
    """`dds data get --destination mydata` makes mydata the staging folder, under that name."""
    destination = _staging(tmp_path, "mydata", {"x": _download_entry("x")})
    rv = _run(settings, tmp_path / "elsewhere", destination=destination)
    assert rv.status is Status.FAIL


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param('{"a": {"status": {"failed_op": "put"}}, "b": {"stat', "cut off", id="truncated"),
        pytest.param("[1, 2, 3]", "does not start with a JSON object", id="array"),
        pytest.param("\x00\x01garbage", "does not start", id="binary"),
        pytest.param('{"a": 1 "b": 2}', "broken", id="missing-comma"),
    ],
)
def test_corrupt_failed_delivery_files_are_reported_not_fatal(
    settings: Settings, tmp_path: Path, text: str, words: str
) -> None:
    _staging(tmp_path, "DataDelivery_2024-06-11_14-23-01_p_upload", text)
    rv = _run(settings, tmp_path)
    folder = rv.data["staging_folders"][0]
    assert words in folder["read_error"]
    assert rv.status in (Status.WARN, Status.FAIL)


def test_leftovers_alone_warn(settings: Settings, tmp_path: Path) -> None:
    _staging(tmp_path, "DataDelivery_2024-06-11_14-23-01_p_upload", None, ccp=3)
    rv = _run(settings, tmp_path)
    assert rv.status is Status.WARN
    assert rv.data["leftover_ccp_bytes"] == 3000


def test_staging_folders_are_searched_only_a_few_levels_deep(settings: Settings, tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    _staging(deep, "DataDelivery_2024-06-11_14-23-01_p_upload", {"x": _upload_entry("x")})
    assert _run(settings, tmp_path).status is Status.OK


def test_members_are_read_one_at_a_time() -> None:
    text = json.dumps({f"k{i}": {"v": i, "s": "x" * 10} for i in range(1000)}, indent=4)
    members = list(iter_members(io.StringIO(text)))
    assert len(members) == 1000
    assert members[999] == ("k999", {"v": 999, "s": "x" * 10})
    with pytest.raises(DeliveryFileError):
        list(iter_members(io.StringIO(text[:-2])))


def test_a_large_failed_delivery_file_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """About 60 MB of entries: memory stays a small fraction of the file's size."""
    path = tmp_path / "dds_failed_delivery.json"
    entry = json.dumps(_upload_entry("sample.fastq"), indent=4)
    count = 0
    with path.open("w") as handle:
        handle.write("{\n")
        while handle.tell() < 60_000_000:
            handle.write(("," if count else "") + f'"reads/s{count}.fastq": ' + entry + "\n")
            count += 1
        handle.write("}\n")
    tracemalloc.start()
    summary = read_failed_delivery(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert summary.failed_files == count
    assert summary.error is None
    assert peak < 10_000_000, peak


def test_strip_url_queries() -> None:
    assert strip_url_queries(f"see {PRESIGNED} now") == "see https://s3.sto4.example/bucket/abc?[redacted] now"
