"""Measurements taken on the client side of an emulated link (run by bench.py through with-link).

Prints one JSON object on stdout. Modes:
  concurrency RUNS        full runs against fake_server.py on :8000, and each probe alone
  latency RUNS            network.latency against tcp_server.py on :9000, and curl's connect time
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import measure

ADDRESS = os.environ.get("NETWIRE_SERVER_ADDR", "127.0.0.1")
TOOL = [sys.executable, "-m", "dds_healthcheck"]
#: Every probe that talks to the server, plus the local ones, each also run alone.
PROBES = [
    "token.permissions", "token.expiry", "disk.space", "cli.version", "console.encoding", "network.latency",
    "network.proxy", "api.status", "api.motd", "clock.skew", "netrc", "account", "project", "deliveries.failed",
]  # fmt: skip


def _home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="bench-home-"))
    expires = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=5)).replace(tzinfo=None)
    header = base64.urlsafe_b64encode(
        json.dumps({"alg": "A256KW", "enc": "A256GCM", "exp": expires.isoformat()}).encode()
    )
    token = header.rstrip(b"=").decode() + ".a" * 4
    (home / ".dds_cli_token").write_text(token)
    (home / ".dds_cli_token").chmod(0o600)
    return home


def concurrency(runs: int) -> dict[str, object]:
    home = _home()
    base = {**os.environ, "HOME": str(home), "DDS_HEALTHCHECK_PYPI_URL": f"http://{ADDRESS}:8000/pypi"}
    args = ["--json", "--api-url", f"http://{ADDRESS}:8000", "--project", "bench-proj", "--timeout", "20"]
    full, alone = [], {probe: [] for probe in PROBES}
    statuses: dict[str, str] = {}
    rss = 0
    for _ in range(runs):
        for probe in [None, *PROBES]:
            cache = tempfile.mkdtemp(prefix="bench-cache-")  # a cold PyPI cache every time
            only = ["--only", probe] if probe else []
            result = measure.run([*TOOL, *args, *only], env={**base, "DDS_HEALTHCHECK_CACHE_DIR": cache})
            shutil.rmtree(cache)
            rss = max(rss, result.max_rss_kb)
            if probe is None:
                full.append(result.seconds)
                statuses = {c["id"]: c["status"] for c in json.loads(result.stdout)["checks"]}
            else:
                alone[probe].append(result.seconds)
    shutil.rmtree(home)
    return {"full": full, "alone": alone, "statuses": statuses, "max_rss_kb": rss}


def latency(runs: int) -> dict[str, object]:
    home = _home()
    env = {**os.environ, "HOME": str(home)}
    ours: list[dict[str, object]] = []
    curl: list[float | None] = []
    rss = 0
    for _ in range(runs):
        result = measure.run(
            [*TOOL, "--json", "--only", "network.latency", "--api-url", f"http://{ADDRESS}:9000"], env=env
        )
        rss = max(rss, result.max_rss_kb)
        check = json.loads(result.stdout)["checks"][0]
        ours.append(
            {"status": check["status"], **{k: check["data"].get(k) for k in ("samples_ms", "median_ms", "failed")}}
        )
        for _ in range(5):
            completed = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "--max-time", "5", "-w", "%{time_connect}", f"http://{ADDRESS}:9000/"],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            value = float(completed.stdout or 0)
            curl.append(value * 1000 if value > 0 else None)  # 0 means curl never connected
    shutil.rmtree(home)
    return {"ours": ours, "curl_ms": curl, "max_rss_kb": rss}


if __name__ == "__main__":
    mode, count = sys.argv[1], int(sys.argv[2])
    print(json.dumps(concurrency(count) if mode == "concurrency" else latency(count)))
