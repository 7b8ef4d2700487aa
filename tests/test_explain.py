"""explain: the error strings of dds-facts.md §3, in the forms they really take."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dds_healthcheck.explain import explain_stream, scan_lines
from dds_healthcheck.sections import SECTIONS, Audience, explanation

REPO = Path(__file__).resolve().parents[1]
LOG_PREFIX = "[2024-06-11 14:23:01] dds_cli.utils   254   [ERROR  ]  "
RICH_PREFIX = "ERROR    "

# (expected section, text as it appears: log line, rich output, traceback, web page...)
SAMPLES = [
    ("A", "Flash: This invitation link has expired or is invalid."),
    ("B", LOG_PREFIX + "Failed to authenticate user: Too many authentication requests in one hour"),
    (
        "B",
        RICH_PREFIX + "Response code: 429. The request did not return a valid JSON response. Details: Expecting value",
    ),
    ("C", "Invalid username or password."),
    (
        "C.2",
        LOG_PREFIX
        + "Failed to get list of projects: Password reset performed after last authentication. Start a new authenticated session to proceed.",
    ),
    (
        "D",
        RICH_PREFIX + "Failed to authenticate user: Missing or incorrect credentials                     utils.py:256",
    ),
    ("D", "Your account has been deactivated. You cannot use the DDS."),
    ("E", "Two-factor authentication is required! Please check your primary e-mail!"),
    (
        "G",
        'Traceback (most recent call last):\n  File "/usr/lib/python3/site-packages/dds_cli/user.py", line 360, in read_token',
    ),
    ("G", "dds_cli.exceptions.TokenDeserializationError: Token could not be deserialized."),
    (
        "G",
        "dds_cli.exceptions.TokenExpirationMissingError: Expiration time could not be found in the header of the token.",
    ),
    (
        "G",
        LOG_PREFIX
        + "Failed to get list of projects: You're using an old CLI version, please upgrade to the latest one.",
    ),
    ("G", "AttributeError: 'str' object has no attribute 'get'"),
    ("G", "OSError: [Errno 36] File name too long: 'dds_data_get_p_proj_d__very_long_path_20240611-142301.log'"),
    (
        "H",
        "WARNING  Saved token will expire in 3:59:58.213, please consider renewing the session using the 'dds auth login' command.",
    ),
    ("H", LOG_PREFIX + "Failed to add file 'sample_R1.fastq.gz' to database: Expired token"),
    (
        "I",
        "INFO     Storing the login information locally - please ensure no one else an access the file at 'C:\\Users\\anna\\.dds_cli_token'.",
    ),
    (
        "J",
        "Token file permissions are not properly set, (got -rw-r--r-- instead of required '-rw-------'). Please remove /home/anna/.dds_cli_token and rerun the command.",
    ),
    ("J", "PermissionError: [Errno 13] Permission denied: '/proj/shared/.dds_cli_token'"),
    (
        "K",
        "botocore.exceptions.ClientError: An error occurred (QuotaExceeded) when calling the UploadPart operation: Unknown",
    ),
    ("L", RICH_PREFIX + "Failed to get project key: Unrecoverable key error. Aborting.             base.py:203"),
    ("L", "You have lost access to this project. This is likely due to a password reset"),
    ("L.1", "Failed to collect file information: Current Project status limits file download."),
    ("M", RICH_PREFIX + "Failed to get list of projects: Internal Server Error"),
    (
        "M",
        "Response code: 502. The request did not return a valid JSON response. Details: Expecting value: line 1 column 1",
    ),
    (
        "M",
        "Failed to get list of projects: The database seems to be down -- \nSSLError(MaxRetryError(\"HTTPSConnectionPool(host='delivery.scilifelab.se', port=443)\"))",
    ),
    ("M", "Failed to authenticate user: Maintenance of DDS is ongoing."),
    (
        "N",
        "Failed to create project: An error occurred (TooManyBuckets) when calling the CreateBucket operation: Unknown",
    ),
    ("O", "Errors occurred during upload.\nIf you wish to retry the upload, re-run the 'dds data put' command again"),
    ("O", "See /code/DataDelivery_2022-06-30_14-17-18/logs/dds_failed_delivery.json for more information."),
    ("P", "The status for the project 'ab-proj-1' is already in the process of being changed. Please try again later."),
    ("Q", "Failed to authenticate with second factor: Invalid time-based token."),
    ("Q", "Failed to authenticate with one-time authentication code: One-time authentication code has expired."),
    (
        "R",
        "dds : \\ufe35\nAt line:1 char:1\n+ CategoryInfo : NotSpecified: ( \\ufe35 :String) [], RemoteException\n+ FullyQualifiedErrorId : NativeCommandError",
    ),
    (
        "S",
        "Download attempt 3/5 failed for 'reads/sample_R1.fastq.gz': ('Connection broken: IncompleteRead'). Retrying in 4s...",
    ),
    (
        "S",
        "Download of 'reads/sample_R1.fastq.gz' could not be completed after 5 attempts. Please ensure your internet connection is stable",
    ),
    ("S.2", "OSError: [Errno 28] No space left on device: '/data/DataDelivery_2024/files/x.zst'"),
    ("T", ":warning-emoji: No data specified. :warning-emoji:"),
    (
        "T",
        "Specify either '--source' or '--source-path-file' to download specific directories/files, or '--get-all' to download all project contents.",
    ),
]

ORDINARY_LINES = """\
[2024-06-11 14:23:01] dds_cli.__main__ 170   [DEBUG  ]  Command: dds data get -p ab-proj-1 -a
INFO     Current user: rita
Token is OK!
INFO     Getting project information...
Uploading sample_R1.fastq.gz  ━━━━━━━━━━━━━━━━━━━━━━━━━━━ 100%
INFO     Upload completed!
All files were downloaded successfully.
The project ab-proj-1 is Available.
DEBUG    Checking for tokens older than 6 hours
Files in project: 1203, total size 1.5 TB
Traceback of an earlier run is stored in ~/notes.txt for reference only
Error handling improved in version 2.15
"""


def _sections(text: str) -> set[str]:
    found, _ = scan_lines(text.splitlines(keepends=True))
    return {section for item in found for section in item.sections}


@pytest.mark.parametrize(("section", "text"), SAMPLES, ids=[f"{s}-{i}" for i, (s, _) in enumerate(SAMPLES)])
def test_each_known_string_maps_to_its_section(section: str, text: str) -> None:
    assert section in _sections(text)


@pytest.mark.parametrize(("section", "text"), SAMPLES[::4], ids=[s for s, _ in SAMPLES[::4]])
def test_messages_wrapped_by_rich_are_still_found(section: str, text: str) -> None:
    """rich wraps long messages at the console width and indents the continuation."""
    words = text.split(" ")
    middle = len(words) // 2
    wrapped = " ".join(words[:middle]) + "      base.py:203\n         " + " ".join(words[middle:])
    assert section in _sections(wrapped)


def test_ordinary_log_lines_are_not_problems() -> None:
    assert _sections(ORDINARY_LINES) == set()


def test_traceback_with_file_names_and_project_ids() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/home/anna/.local/lib/python3.12/site-packages/dds_cli/data_getter.py", line 231, in download\n'
        "    raise exceptions.DownloadError(\n"
        "dds_cli.exceptions.DDSCLIException: Failed to get project key: Unrecoverable key error. Aborting.\n"
    )
    assert _sections(text) == {"G", "L"}


def test_excerpts_drop_url_signatures_and_token_like_strings() -> None:
    text = (
        "Download attempt 1/5 failed for 'f': https://s3.example/bucket/f?X-Amz-Signature=cafebabe1234&X-Amz-Credential=AKIA "
        "token eyJhbGciOiJBMjU2S1ciLCJlbmMiOiJBMjU2R0NNIn0.abcdefghijklmnopqrst.uvwxyzabcdefghij\n"
    )
    found, _ = scan_lines([text])
    assert "cafebabe" not in found[0].excerpt
    assert "eyJhbGciOiJBMjU2" not in found[0].excerpt


def test_counts_repeats_and_first_line() -> None:
    text = "ok\n" + "Failed to add file 'a' to database: Expired token\n" * 3
    found, lines = scan_lines(text.splitlines(keepends=True))
    assert lines == 4
    assert (found[0].first_line, found[0].count) == (2, 3)


def test_binary_input_is_reported_not_scanned() -> None:
    explained = explain_stream(io.BytesIO(b"\x7fELF\x00\x00" + os.urandom(500)), "dds.exe")
    assert explained.binary
    assert explained.recognised == ()


def test_non_utf8_input_is_read() -> None:
    text = "Fel på rad: Unrecoverable key error. Aborting.\n".encode("latin-1")
    explained = explain_stream(io.BytesIO(text), "log")
    assert [r.key for r in explained.recognised] == ["key-error"]


def test_failed_delivery_json_is_summarised(tmp_path: Path) -> None:
    document = {
        "proj/a.fastq": {
            "path_raw": "/data/a.fastq", "size_raw": 1000, "compressed": False,
            "status": {"failed_op": "add_file_db", "message": "Failed to add file 'a.fastq' to database: Expired token"},
        },
        "proj/b.fastq": {
            "path_raw": "/data/b.fastq", "size_raw": 2000,
            "status": {"failed_op": "put", "message": "S3 upload of file 'b.fastq' failed: QuotaExceeded"},
        },
    }  # fmt: skip
    path = tmp_path / "dds_failed_delivery.json"
    path.write_text(json.dumps(document, indent=4))
    with path.open("rb") as stream:
        explained = explain_stream(stream, str(path))
    keys = [r.key for r in explained.recognised]
    assert keys[0] == "failed-delivery-file"
    assert {"token-expired", "quota"} <= set(keys)
    assert explained.failed_delivery is not None
    assert explained.failed_delivery.failed_files == 2


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_explain_never_raises(text: str) -> None:
    explain_stream(io.BytesIO(text.encode("utf-8", errors="surrogatepass")), "fuzz")


def test_every_section_has_text_for_both_audiences() -> None:
    for letter in "ABCDEFGHIJKLMNOPQRST":
        section = SECTIONS[letter]
        assert section.title, letter
        assert section.meaning, letter
        assert section.user, letter
        assert section.data_centre, letter
        assert section.user != section.data_centre, letter
    for reference in SECTIONS:
        meaning, advice = explanation(reference, Audience.DATA_CENTRE)
        assert meaning, reference
        assert advice, reference


def _explain(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "dds_healthcheck", "explain", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_cli_explain_json_for_the_data_centre() -> None:
    completed = _explain(
        "--json",
        "--audience",
        "data-centre",
        stdin=b"ERROR Failed to get project key: Unrecoverable key error. Aborting.\n",
    )
    assert completed.returncode == 0
    document = json.loads(completed.stdout)
    section = document["recognised"][0]["sections"][0]
    assert section["section"] == "L"
    assert section["advice"] == SECTIONS["L"].data_centre


def test_cli_explain_unknown_text_gives_the_general_advice() -> None:
    completed = _explain(stdin=b"something odd happened\n")
    assert completed.returncode == 1
    assert b"No known DDS problem" in completed.stdout
    assert b"dds --version" in completed.stdout


def test_cli_explain_bad_file_is_a_usage_error(tmp_path: Path) -> None:
    assert _explain(str(tmp_path / "missing.log")).returncode == 2
    assert _explain(str(tmp_path)).returncode == 2


def test_cli_explain_streams_a_large_log(tmp_path: Path) -> None:
    """A 20 MB log with one problem at the end."""
    log = tmp_path / "big.log"
    with log.open("w") as handle:
        line = LOG_PREFIX.replace("ERROR  ", "INFO   ") + "Uploading file part 123 of 4567, all fine\n"
        handle.write(line * (20_000_000 // len(line)))
        handle.write(LOG_PREFIX + "Failed to get project key: Unrecoverable key error. Aborting.\n")
    completed = _explain(str(log), "--json")
    document = json.loads(completed.stdout)
    assert [r["key"] for r in document["recognised"]] == ["key-error"]
    assert document["lines_read"] > 200_000
