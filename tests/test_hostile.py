"""Hostile input and faults, end to end: clear results, no tracebacks, nothing changed, on time."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dds_healthcheck import pypi
from dds_healthcheck.testing import FIXED_NOW
from tests.helpers import NOBODY, SETPRIV, make_token, needs_root

REPO = Path(__file__).resolve().parents[1]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _header_token(header: str) -> bytes:
    return (_b64(header.encode()) + ".a.b.c.d").encode()


def _make_fifo(path: Path) -> None:
    os.mkfifo(path, 0o600)


def _make_big(path: Path) -> None:
    with path.open("wb") as handle:  # 100 MB, sparse: cheap to make, must not be read whole
        handle.truncate(100 * 1024 * 1024)
    path.chmod(0o600)


def _make_dir(path: Path) -> None:
    path.mkdir()


def _make_dangling(path: Path) -> None:
    path.symlink_to(path.parent / "gone")


def _make_loop(path: Path) -> None:
    other = path.parent / "loop-b"
    other.symlink_to(path)
    path.symlink_to(other)


def _writer(content: bytes, mode: int = 0o600) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_bytes(content)
        path.chmod(mode)

    return make


TOKEN_CASES = {
    "empty": _writer(b""),
    "one-byte": _writer(b"x"),
    "hundred-mb": _make_big,
    "binary": _writer(bytes(range(256)) * 4),
    "base64-not-json": _writer((_b64(b"hello world") + ".a.b.c.d").encode()),
    "header-without-exp": _writer(_header_token('{"alg":"A256KW","enc":"A256GCM"}')),
    "exp-with-timezone": _writer(_header_token('{"exp":"2026-12-05T10:00:00+02:00"}')),
    "exp-with-z": _writer(_header_token('{"exp":"2026-12-05T10:00:00Z"}')),
    "exp-microseconds": _writer(_header_token('{"exp":"2026-12-05T10:00:00.123456"}')),
    "exp-garbage": _writer(_header_token('{"exp":"next tuesday"}')),
    "exp-number": _writer(_header_token('{"exp":1733216400}')),
    "exp-year-zero": _writer(_header_token('{"exp":"0000-01-01T00:00:00"}')),
    "utf8-bom": _writer(b"\xef\xbb\xbf" + make_token(exp="2026-12-05T10:00:00").encode()),
    "mode-0777": _writer(make_token(exp="2026-12-05T10:00:00").encode(), 0o777),
    "directory": _make_dir,
    "dangling-symlink": _make_dangling,
    "symlink-loop": _make_loop,
    "fifo": _make_fifo,
}


def _snapshot(path: Path) -> tuple[object, ...] | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    content = None
    if path.is_file() and not path.is_symlink() and info.st_size < 1_000_000:
        content = path.read_bytes()
    return (content, info.st_mode, info.st_mtime_ns, info.st_size)


def _cli(
    *args: str, home: Path, timeout: float = 60, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "DDS_HEALTHCHECK_CACHE_DIR": str(home / "cache"),
        "LANG": "C.UTF-8",
        **(extra or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "dds_healthcheck", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )


@pytest.mark.parametrize("case", sorted(TOKEN_CASES))
def test_strange_token_files_give_a_clear_result_and_stay_unchanged(case: str, tmp_path: Path) -> None:
    token = tmp_path / ".dds_cli_token"
    TOKEN_CASES[case](token)
    before = _snapshot(token)
    completed = _cli("--offline", "--json", "--only", "token", "--timeout", "10", home=tmp_path, timeout=30)
    assert "Traceback" not in completed.stderr
    document = json.loads(completed.stdout)
    for check in document["checks"]:
        assert check["status"] in ("ok", "warn", "fail", "skip"), check
        assert check["summary"]
    assert _snapshot(token) == before


@needs_root
def test_token_unreadable_for_the_user_is_a_clear_failure() -> None:
    if SETPRIV is None:
        pytest.skip("needs setpriv")
    home = Path(tempfile.mkdtemp(prefix="dds-hc-hostile-"))  # in /tmp, so nobody can reach it
    home.chmod(0o755)
    token = home / ".dds_cli_token"
    token.write_text(make_token(exp="2099-01-01T00:00:00"))
    token.chmod(0o600)
    before = _snapshot(token)
    completed = subprocess.run(
        [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable, "-m", "dds_healthcheck",
         "--offline", "--json", "--only", "token"],
        capture_output=True, text=True, timeout=60, check=False,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "DDS_HEALTHCHECK_CACHE_DIR": "/nonexistent/cache"},
    )  # fmt: skip
    assert "Traceback" not in completed.stderr
    checks = {c["id"]: c for c in json.loads(completed.stdout)["checks"]}
    assert checks["token.permissions"]["status"] == "fail"
    assert checks["token.expiry"]["status"] == "fail"
    assert completed.returncode == 1
    assert _snapshot(token) == before
    shutil.rmtree(home)


# -- network faults ----------------------------------------------------------------------


@pytest.fixture
def trickle_port() -> Iterator[int]:
    """A server that reads a request and then answers one byte per second."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(4096)
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"{" * 100:
                    if stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(1)
            except OSError:
                return

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    listener.close()


def test_one_byte_per_second_servers_cannot_stretch_the_run(tmp_path: Path, trickle_port: int) -> None:
    token = tmp_path / ".dds_cli_token"
    token.write_text(make_token(exp=(FIXED_NOW.replace(year=2099)).replace(tzinfo=None).isoformat()))
    token.chmod(0o600)
    url = f"http://127.0.0.1:{trickle_port}"
    started = time.monotonic()
    completed = _cli(
        "--json", "--timeout", "3", "--api-url", url, "--project", "p1",
        home=tmp_path, extra={"DDS_HEALTHCHECK_PYPI_URL": f"{url}/pypi"},
    )  # fmt: skip
    elapsed = time.monotonic() - started
    document = json.loads(completed.stdout)
    checks = {c["id"]: c for c in document["checks"]}
    for probe_id in ("api.status", "api.motd", "account", "project"):
        assert checks[probe_id]["status"] in ("error", "fail"), checks[probe_id]
        assert checks[probe_id]["summary"]
    assert document["duration_s"] < 3 + 1, document["duration_s"]  # the run: --timeout + 1 s
    assert elapsed < 3 + 2, elapsed  # the process, start-up included


# -- the PyPI cache under concurrent writers ---------------------------------------------


def test_concurrent_cache_writers_never_leave_a_torn_file(tmp_path: Path) -> None:
    """Many writers at once, and a reader in between: every read is whole, or absent."""
    errors: list[str] = []
    stop = threading.Event()

    def write(n: int) -> None:
        for i in range(200):
            lookup = pypi.Lookup(latest=f"2.{n}.{i}", error=None, checked_at=FIXED_NOW, from_cache=False)
            pypi.write_cache(tmp_path, "https://pypi.org/pypi", lookup)

    def read() -> None:
        while not stop.is_set():
            path = tmp_path / pypi.CACHE_FILE
            try:
                text = path.read_text()
            except FileNotFoundError:
                continue
            try:
                json.loads(text)
            except ValueError:
                errors.append(text)

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    stop.set()
    reader.join()
    assert errors == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [pypi.CACHE_FILE]


def test_two_runs_sharing_a_cache_both_finish(tmp_path: Path) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "dds_healthcheck", "--json", "--only", "cli.version", "--timeout", "5"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={
                "HOME": str(tmp_path),
                "PATH": "/usr/bin:/bin",
                "PYTHONPATH": str(REPO),
                "DDS_HEALTHCHECK_CACHE_DIR": str(tmp_path / "cache"),
                "DDS_HEALTHCHECK_PYPI_URL": "http://127.0.0.1:9/pypi",
            },
        )
        for _ in range(4)
    ]
    for process in processes:
        stdout, stderr = process.communicate(timeout=60)
        assert "Traceback" not in stderr
        json.loads(stdout)
    cached = json.loads((tmp_path / "cache" / pypi.CACHE_FILE).read_text())
    assert cached["error"]
