"""No output of any command holds the token or a presigned-URL signature; the report redacts identity."""

from __future__ import annotations

import dataclasses
import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import local_server, make_token

REPO = Path(__file__).resolve().parents[1]
SIGNATURE = "9f1c2b3a4d5e6f708192a3b4c5d6e7f80912a3b4c5d6e7f8091a2b3c4d5e6f70"
PRESIGNED = f"https://s3.sto4.example/ab-proj-1/reads/s.fq.ccp?X-Amz-Credential=AKIAEXAMPLE%2F20261203&X-Amz-Signature={SIGNATURE}"


@dataclasses.dataclass
class Planted:
    env: dict[str, str]
    work: Path
    token: str
    staging: Path
    tmp: Path


@pytest.fixture
def planted(tmp_path: Path) -> Planted:
    home = tmp_path / "home" / "rita"
    home.mkdir(parents=True)
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)
    token = make_token(exp=expires.replace(tzinfo=None).isoformat())
    (home / ".dds_cli_token").write_text(token)
    (home / ".dds_cli_token").chmod(0o600)
    work = tmp_path / "work"
    staging = work / "DataDelivery_2026-12-01_10-00-00_ab-proj-1_download"
    (staging / "logs").mkdir(parents=True)
    (staging / "files").mkdir()
    failed = {"/dl/files/reads/s.fq": {"url": PRESIGNED, "size_original": 10, "name_in_bucket": "s.fq.ccp",
                                       "status": {"failed_op": "get", "message": f"GET {PRESIGNED} failed: 403"}}}  # fmt: skip
    (staging / "logs" / "dds_failed_delivery.json").write_text(json.dumps(failed))
    (staging / "logs" / "dds_data_get_p_ab-proj-1_a_20261201-100000.log").write_text(
        "[2026-12-01 10:00:00] dds_cli.__main__ 170   [DEBUG  ]  Command: dds data get -p ab-proj-1 -a\n"
        f"[2026-12-01 10:00:01] dds_cli.data_getter 300 [ERROR  ]  Download attempt 1/5 failed for 's.fq': {PRESIGNED}\n"
        f"[2026-12-01 10:00:02] dds_cli.user 100 [DEBUG  ]  Authorization: Bearer {token}\n"
        "[2026-12-01 10:00:03] dds_cli.user 101 [ERROR  ]  Unrecoverable key error for rita@uni.example from 130.238.7.10\n"
    )
    env = {
        "HOME": str(home),
        "USER": "rita",
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "DDS_HEALTHCHECK_CACHE_DIR": str(tmp_path / "cache"),
        "DDS_HEALTHCHECK_PYPI_URL": "http://127.0.0.1:9/pypi",
        "HTTPS_PROXY": "http://proxyuser:proxypass123@127.0.0.1:9",
        "LANG": "C.UTF-8",
    }
    return Planted(env=env, work=work, token=token, staging=staging, tmp=tmp_path)


def _cli(planted: Planted, *args: str, stdin: str = "") -> list[str]:
    completed = subprocess.run(
        [sys.executable, "-m", "dds_healthcheck", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        env=planted.env,
        cwd=planted.work,
    )
    assert "Traceback" not in completed.stderr, completed.stderr
    return [completed.stdout, completed.stderr]


def _pieces(secret: str) -> set[str]:
    return {secret[i : i + 16] for i in range(len(secret) - 15)}


def test_no_command_prints_or_writes_the_token_or_a_url_signature(planted: Planted) -> None:
    tmp = planted.tmp
    staging = planted.staging
    with local_server() as server:
        server.routes["/blob"] = lambda request: request.send_body(b"\0" * 100_000)
        blob = f"{server.url}/blob?X-Amz-Signature={SIGNATURE}"
        outputs: list[str] = []
        outputs += _cli(
            planted, "--json", "-v", "--output", str(tmp / "out.json"), "--throughput-url", blob, "--timeout", "5"
        )
        outputs += _cli(planted, "-v", "--throughput-url", blob, "--timeout", "5")
        outputs += _cli(planted, "--offline", "run", "--dry-run", "--", "dds", "data", "get", "-p", "ab-proj-1", "-a")
        outputs += _cli(planted, "explain", str(staging / "logs" / "dds_failed_delivery.json"))
        outputs += _cli(planted, "explain", "--json", str(next((staging / "logs").glob("*.log"))))
        outputs += _cli(planted, "explain", stdin=f"Authorization: Bearer {planted.token}\nUnrecoverable key error\n")
        outputs += _cli(planted, "--offline", "report", "--to", str(tmp / "report.json"))
        outputs += _cli(planted, "--offline", "--list")
    outputs += [(tmp / "out.json").read_text(), (tmp / "report.json").read_text()]
    everything = "\n".join(outputs)
    leaked = [p for p in _pieces(planted.token) | _pieces(SIGNATURE) if p in everything]
    assert leaked == []
    assert "proxypass123" not in everything
    assert "AKIAEXAMPLE" not in everything


def test_report_removes_identity_unless_asked_to_keep_it(planted: Planted) -> None:
    tmp = planted.tmp
    lines = _cli(planted, "--offline", "report", "--to", str(tmp / "report.json"))
    report = (tmp / "report.json").read_text()
    assert (tmp / "report.json").stat().st_mode & 0o777 == 0o600
    assert "rita@uni.example" not in report
    assert "130.238.7.10" not in report
    assert planted.env["HOME"] not in report
    assert "1 e-mail addresses" in lines[0]
    assert "IP addresses" in lines[0]
    assert json.loads(report)["redacted"]["e-mail addresses"] == 1
    kept = tmp / "kept.json"
    _cli(planted, "--offline", "--include-identity", "report", "--to", str(kept))
    assert "rita@uni.example" in kept.read_text()


def test_report_explains_the_newest_logs(planted: Planted) -> None:
    tmp = planted.tmp
    _cli(planted, "--offline", "report", "--to", str(tmp / "report.json"))
    document = json.loads((tmp / "report.json").read_text())
    keys = {item["key"] for log in document["logs"] for item in log["recognised"]}
    assert {"download-retries", "failed-delivery-file"} <= keys
    checks = {c["id"]: c for c in document["health_check"]["checks"]}
    assert checks["deliveries.failed"]["status"] == "fail"


def test_report_needs_an_existing_folder(planted: Planted) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "dds_healthcheck", "--offline", "report", "--to", "/no/such/folder/r.json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=planted.env,
    )
    assert completed.returncode == 2
    assert "/no/such/folder" in completed.stderr
