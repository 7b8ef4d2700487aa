"""The command end to end, as a user runs it: a real process, real files, real servers."""

from __future__ import annotations

import datetime
import json
import os
import pty
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.helpers import CONTRACT_IDS, LocalServer, make_token, pypi_document

SCHEMA = json.loads(resources.files("dds_healthcheck").joinpath("schema/report-v1.json").read_text())
REPO = Path(__file__).resolve().parents[1]

PLUGIN_MODULE = """
import time
from dds_healthcheck.model import ok
from dds_healthcheck.probe import Probe

class Crash(Probe):
    id = "acme.crash"
    title = "Crashes"
    sections = ("G",)
    def run(self, ctx):
        raise RuntimeError("acme blew up")

class Hang(Probe):
    id = "acme.hang"
    title = "Hangs"
    sections = ("G",)
    timeout_s = 120
    def run(self, ctx):
        time.sleep(120)
        return ok("never")
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home" / "tester"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def env(home: Path, tmp_path: Path) -> dict[str, str]:
    """A clean environment: HOME, cache and PATH inside tmp_path, PyPI unreachable."""
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    return {
        "HOME": str(home),
        "PATH": str(empty_bin),
        "DDS_HEALTHCHECK_CACHE_DIR": str(tmp_path / "cache"),
        "DDS_HEALTHCHECK_PYPI_URL": "http://127.0.0.1:9/pypi",
        "PYTHONPATH": str(REPO),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
    }


@pytest.fixture
def plugin_path(tmp_path: Path) -> Path:
    """A real installed plugin distribution (dist-info with entry points) on PYTHONPATH."""
    site = tmp_path / "plugins"
    site.mkdir()
    (site / "acme_probes.py").write_text(PLUGIN_MODULE)
    info = site / "acme_probes-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-probes\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[dds_healthcheck.probes]\ncrash = acme_probes:Crash\nhang = acme_probes:Hang\nmissing = acme_missing:Probe\n"
    )
    return site


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 60, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dds_healthcheck", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
        cwd=cwd,
    )


def _report(completed: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(completed.stdout)
    jsonschema.validate(document, SCHEMA)
    return document


def _write_token(home: Path, delta: datetime.timedelta, mode: int = 0o600) -> Path:
    expires = (datetime.datetime.now(datetime.timezone.utc) + delta).replace(tzinfo=None)
    path = home / ".dds_cli_token"
    path.write_text(make_token(exp=expires.isoformat()))
    path.chmod(mode)
    return path


def test_offline_json_is_schema_valid_with_every_probe(env: dict[str, str], home: Path, tmp_path: Path) -> None:
    _write_token(home, datetime.timedelta(days=6))
    completed = run_cli("--offline", "--json", env=env, cwd=tmp_path)
    document = _report(completed)
    assert [c["id"] for c in document["checks"]] == CONTRACT_IDS
    assert document["summary"]["exit_code"] == completed.returncode
    assert completed.stdout.lstrip().startswith("{")
    assert str(home) not in completed.stdout  # the home folder is written as ~
    assert "~/.dds_cli_token" in completed.stdout
    by_id = {c["id"]: c for c in document["checks"]}
    for network_probe in ("network.latency", "network.tls", "api.status", "api.motd", "account", "project"):
        assert by_id[network_probe]["status"] == "skip"
    assert document["environment"]["python"]
    assert "Traceback" not in completed.stderr


def test_list_names_every_probe_without_running_any(env: dict[str, str]) -> None:
    text = run_cli("--list", env=env)
    assert text.returncode == 0
    for probe_id in CONTRACT_IDS:
        assert probe_id in text.stdout
    listed = json.loads(run_cli("--list", "--json", env=env).stdout)
    assert [p["id"] for p in listed] == CONTRACT_IDS
    latency = listed[CONTRACT_IDS.index("network.latency")]
    assert latency["needs_network"] is True
    assert latency["sections"] == ["S.1"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["--size", "12XB"], "12XB", id="bad-size"),
        pytest.param(["--size", "-1"], "-1", id="negative-size"),
        pytest.param(["--only", "nope"], "nope", id="unknown-probe"),
        pytest.param(["--skip", "tok"], "tok", id="partial-prefix"),
        pytest.param(["--api-url", "ftp://example.org"], "ftp://example.org", id="bad-url"),
        pytest.param(["--api-url", "https://"], "https://", id="no-host"),
        pytest.param(["--timeout", "0"], "--timeout", id="zero-timeout"),
        pytest.param(["--timeout", "soon"], "soon", id="text-timeout"),
        pytest.param(["--bandwidth", "fast"], "fast", id="bad-bandwidth"),
        pytest.param(["--output", "/no/such/dir/report.json"], "/no/such/dir", id="output-folder-missing"),
        pytest.param(["--frobnicate"], "--frobnicate", id="unknown-option"),
    ],
)
def test_usage_errors_exit_2_and_name_the_problem(env: dict[str, str], args: list[str], words: str) -> None:
    completed = run_cli(*args, env=env)
    assert completed.returncode == 2
    assert words in completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""


def test_bad_pypi_url_variable_is_a_usage_error(env: dict[str, str]) -> None:
    completed = run_cli("--offline", env={**env, "DDS_HEALTHCHECK_PYPI_URL": "not a url"})
    assert completed.returncode == 2
    assert "DDS_HEALTHCHECK_PYPI_URL" in completed.stderr


def test_exit_1_when_a_check_fails(env: dict[str, str], home: Path) -> None:
    _write_token(home, datetime.timedelta(days=6), mode=0o644)
    completed = run_cli("--offline", "--json", "--only", "token", env=env)
    assert completed.returncode == 1
    assert _report(completed)["summary"]["fail"] == 1


def test_warnings_exit_0_unless_strict(env: dict[str, str], home: Path) -> None:
    _write_token(home, datetime.timedelta(hours=2))
    assert run_cli("--offline", "--only", "token", env=env).returncode == 0
    assert run_cli("--offline", "--only", "token", "--strict", env=env).returncode == 1


def test_exit_3_when_nothing_failed_but_a_probe_errored(env: dict[str, str], home: Path, plugin_path: Path) -> None:
    _write_token(home, datetime.timedelta(days=6))
    completed = run_cli(
        "--offline",
        "--json",
        "--only",
        "token,acme.crash,plugin.missing",
        env={**env, "PYTHONPATH": f"{REPO}:{plugin_path}"},
    )
    document = _report(completed)
    assert completed.returncode == 3
    by_id = {c["id"]: c for c in document["checks"]}
    assert by_id["acme.crash"]["status"] == "error"
    assert "acme blew up" in by_id["acme.crash"]["summary"]
    assert by_id["plugin.missing"]["status"] == "error"
    assert "acme_missing" in by_id["plugin.missing"]["summary"]


def test_run_ends_at_the_deadline_with_the_stuck_probe_timed_out(env: dict[str, str], plugin_path: Path) -> None:
    started = time.monotonic()
    completed = run_cli(
        "--offline",
        "--json",
        "--timeout",
        "1",
        "--only",
        "acme.hang,disk",
        env={**env, "PYTHONPATH": f"{REPO}:{plugin_path}"},
    )
    elapsed = time.monotonic() - started
    document = _report(completed)
    by_id = {c["id"]: c for c in document["checks"]}
    assert by_id["acme.hang"]["status"] == "error"
    assert by_id["acme.hang"]["summary"] == "timed out after 1 s"
    assert by_id["disk.space"]["status"] == "ok"
    assert completed.returncode == 3
    # The contract: the run ends by --timeout + 1 s. The process around it also starts Python
    # and imports, which a loaded 2-core CI machine can slow down: it gets one more second.
    assert document["duration_s"] < 1 + 1, document["duration_s"]
    assert elapsed < 1 + 2, elapsed


def test_ctrl_c_prints_what_was_gathered_and_exits_130(env: dict[str, str], plugin_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "dds_healthcheck", "--offline", "--json", "--only", "acme.hang,disk"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**env, "PYTHONPATH": f"{REPO}:{plugin_path}"},
    )
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 130, stderr
    document = json.loads(stdout)
    jsonschema.validate(document, SCHEMA)
    assert document["interrupted"] is True
    by_id = {c["id"]: c for c in document["checks"]}
    assert by_id["disk.space"]["status"] == "ok"
    assert by_id["acme.hang"]["status"] == "error"
    assert "interrupted" in by_id["acme.hang"]["summary"]


def test_output_file_is_private_and_matches_stdout(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    completed = run_cli("--offline", "--json", "--output", str(target), env=env)
    assert (target.stat().st_mode & 0o777) == 0o600
    assert json.loads(target.read_text()) == json.loads(completed.stdout)


def test_output_file_replaces_a_world_readable_one_with_a_private_one(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    target.chmod(0o644)
    completed = run_cli("--offline", "--output", str(target), env=env)
    assert completed.stdout.startswith("dds-healthcheck")  # the terminal report, not JSON
    assert (target.stat().st_mode & 0o777) == 0o600
    _ = json.loads(target.read_text())


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"PYTHONIOENCODING": "cp1252"}, id="cp1252"),
        pytest.param({"PYTHONIOENCODING": "ascii"}, id="ascii"),
        pytest.param({"PYTHONIOENCODING": "", "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}, id="c-locale"),
    ],
)
def test_legacy_consoles_get_a_readable_report_and_the_same_exit_code(
    env: dict[str, str], home: Path, extra: dict[str, str]
) -> None:
    """The console this tool diagnoses must not crash it: ASCII glyphs, same exit code."""
    _write_token(home, datetime.timedelta(days=6))
    baseline = run_cli("--offline", "--only", "token,disk", env=env)
    completed = run_cli("--offline", env={**env, **extra})
    assert "Traceback" not in completed.stderr
    assert "+ ok" in completed.stdout or "- skip" in completed.stdout
    assert "\u2713" not in completed.stdout
    assert "console.encoding" in completed.stdout
    as_json = run_cli("--offline", "--json", env={**env, **extra})
    document = _report(as_json)
    assert as_json.returncode == completed.returncode
    console = next(c for c in document["checks"] if c["id"] == "console.encoding")
    assert console["status"] == "warn"
    assert baseline.returncode == run_cli("--offline", "--only", "token,disk", env={**env, **extra}).returncode


def _run_in_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run the command with a real pseudo-terminal as stdout and return what it wrote."""
    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "dds_healthcheck", *args], stdout=child_fd, stderr=child_fd, env=env
    )
    os.close(child_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=30)
    os.close(main_fd)
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_colour_on_a_terminal_and_none_with_no_color(env: dict[str, str]) -> None:
    coloured = _run_in_terminal(["--offline", "--only", "disk"], {**env, "TERM": "xterm-256color"})
    assert "\x1b[" in coloured
    plain = _run_in_terminal(["--offline", "--only", "disk"], {**env, "TERM": "xterm-256color", "NO_COLOR": "1"})
    assert "\x1b[" not in plain
    assert "ok" in plain


def test_piped_output_has_no_colour_codes(env: dict[str, str]) -> None:
    assert "\x1b[" not in run_cli("--offline", env=env).stdout


def test_token_never_appears_in_any_output(env: dict[str, str], home: Path, tmp_path: Path) -> None:
    token_path = _write_token(home, datetime.timedelta(hours=1))
    token = token_path.read_text()
    pieces = {token[i : i + 16] for i in range(len(token) - 16)}
    target = tmp_path / "out.json"
    outputs = []
    for args in (["--json"], ["-v"], ["--json", "-v", "--output", str(target)], ["--list"]):
        completed = run_cli("--offline", *args, env=env)
        outputs += [completed.stdout, completed.stderr]
    outputs.append(target.read_text())
    everything = "\n".join(outputs)
    assert not [p for p in pieces if p in everything]


def test_full_run_leaves_the_token_file_unchanged(env: dict[str, str], home: Path) -> None:
    path = _write_token(home, datetime.timedelta(days=-1), mode=0o640)
    before = (path.read_bytes(), path.stat().st_mode, path.stat().st_mtime_ns)
    run_cli("--offline", env=env)
    assert (path.read_bytes(), path.stat().st_mode, path.stat().st_mtime_ns) == before


def test_full_online_run_against_local_servers(env: dict[str, str], home: Path, server: LocalServer) -> None:
    """PyPI and the DDS host are local servers: every probe runs for real, nothing leaves the machine."""
    _write_token(home, datetime.timedelta(days=6))
    server.routes["/pypi/dds-cli/json"] = lambda request: request.send_json(pypi_document({"2.15.1": False}))
    completed = run_cli(
        "--json",
        "--api-url",
        server.url,
        "--size",
        "1GB",
        env={**env, "DDS_HEALTHCHECK_PYPI_URL": f"{server.url}/pypi"},
    )
    document = _report(completed)
    by_id = {c["id"]: c for c in document["checks"]}
    assert by_id["network.latency"]["status"] == "ok"
    assert by_id["network.latency"]["data"]["samples_taken"] == 5
    assert by_id["cli.version"]["data"]["latest"] == "2.15.1"
    assert server.hits("/pypi/dds-cli/json") == 1


def test_version_prints_the_version(env: dict[str, str]) -> None:
    completed = run_cli("--version", env=env)
    assert completed.returncode == 0
    assert "dds-healthcheck, version" in completed.stdout


def test_api_url_defaults_from_dds_cli_env(env: dict[str, str]) -> None:
    """DDS_CLI_ENV=development points dds at 127.0.0.1:5000; so does the check."""
    completed = run_cli(
        "--json", "--only", "network.latency", "--timeout", "5", env={**env, "DDS_CLI_ENV": "development"}
    )
    latency = _report(completed)["checks"][0]
    assert latency["data"]["host"] == "127.0.0.1"
    assert latency["data"]["port"] == 5000


def test_offline_touches_no_network(env: dict[str, str], home: Path, server: LocalServer) -> None:
    """With --offline nothing is sent: not to PyPI, not to the DDS host, even with a token and a project."""
    _write_token(home, datetime.timedelta(days=6))
    server.routes["/pypi/dds-cli/json"] = lambda request: request.send_json(pypi_document({"2.15.1": False}))
    completed = run_cli(
        "--offline",
        "--json",
        "--api-url",
        server.url,
        "--project",
        "ab-proj-1",
        "--throughput-url",
        f"{server.url}/blob",
        env={**env, "DDS_HEALTHCHECK_PYPI_URL": f"{server.url}/pypi"},
    )
    _report(completed)
    assert server.requests == []


def test_report_shows_the_guide_section_and_the_fix_for_problems(env: dict[str, str], home: Path) -> None:
    _write_token(home, datetime.timedelta(days=6), mode=0o644)
    completed = run_cli("--offline", "--only", "token.permissions", env=env)
    assert "FAIL" in completed.stdout
    assert "Fix: Run `chmod 600 ~/.dds_cli_token`" in completed.stdout
    assert "Guide: section J:" in completed.stdout
    assert "exit code 1" in completed.stdout


def test_verbose_shows_timings(env: dict[str, str]) -> None:
    completed = run_cli("--offline", "-v", "--only", "disk", env=env)
    assert " s]" in completed.stdout


def test_pending_probes_are_shown_on_a_terminal(env: dict[str, str], plugin_path: Path) -> None:
    output = _run_in_terminal(
        ["--offline", "--timeout", "1.5", "--only", "acme.hang,disk"], {**env, "PYTHONPATH": f"{REPO}:{plugin_path}"}
    )
    assert "waiting for: acme.hang" in output
    assert "timed out after 1.5 s" in output


def test_token_path_option_is_expanded_like_dds_does(env: dict[str, str], home: Path, tmp_path: Path) -> None:
    """--token-path accepts ~ and paths relative to the current folder."""
    (home / "tokens").mkdir()
    token = home / "tokens" / "t"
    token.write_text(make_token(exp="2099-01-01T00:00:00"))
    token.chmod(0o640)
    by_tilde = _report(
        run_cli("--offline", "--json", "--only", "token.permissions", "--token-path", "~/tokens/t", env=env)
    )
    assert by_tilde["checks"][0]["data"]["path"] == "~/tokens/t"
    relative = run_cli(
        "--offline",
        "--json",
        "--only",
        "token.permissions",
        "--token-path",
        "tokens/t",
        "--allow-group",
        env=env,
        cwd=home,
    )
    assert _report(relative)["checks"][0]["status"] == "ok"


def test_installed_console_script_works(env: dict[str, str]) -> None:
    """The `dds-healthcheck` script that `pip install .` creates (present in the nox session)."""
    script = Path(sys.executable).with_name("dds-healthcheck")
    if not script.exists():
        pytest.skip("the package is not installed as a distribution here")
    completed = subprocess.run(
        [str(script), "--offline", "--json"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert [c["id"] for c in _report(completed)["checks"]] == CONTRACT_IDS


def test_full_run_against_a_fake_dds_is_token_safe(env: dict[str, str], home: Path, tmp_path: Path) -> None:
    """Every API probe runs against the fake DDS; no rule is broken and no output holds the token."""
    from tests.fake_dds import fake_dds

    token_path = _write_token(home, datetime.timedelta(days=6))
    token = token_path.read_text()
    target = tmp_path / "report.json"
    with fake_dds(token) as dds:
        dds.motds = [{"MOTD ID": 1, "Message": "Hello", "Created": "2026-12-01 10:00"}]
        run_env = {**env, "DDS_HEALTHCHECK_PYPI_URL": f"{dds.url}/pypi"}
        args = ["--api-url", dds.url, "--project", "ab-proj-1", "--destination", str(tmp_path / "dl")]
        completed = run_cli("--json", "-v", "--output", str(target), *args, env=run_env)
        terminal = run_cli("-v", *args, env=run_env)
        assert dds.violations() == []
        assert set(dds.authorised_paths()) == {"/api/v1/user/info", "/api/v1/proj/list"}
    document = _report(completed)
    by_id = {c["id"]: c for c in document["checks"]}
    for probe_id in ("api.status", "api.motd", "account", "project", "clock.skew", "network.proxy", "netrc"):
        assert by_id[probe_id]["status"] == "ok", by_id[probe_id]
    assert by_id["network.tls"]["status"] == "skip"
    assert by_id["disk.space"]["data"]["required_bytes"] == 1_500_000_000_000
    assert "project" in by_id["disk.space"]["data"]["size_source"]
    assert by_id["token.expiry"]["data"]["delivery_bytes"] == 1_500_000_000_000
    everything = f"{completed.stdout}\n{completed.stderr}\n{terminal.stdout}\n{terminal.stderr}\n{target.read_text()}"
    pieces = {token[i : i + 16] for i in range(len(token) - 16)}
    assert not [p for p in pieces if p in everything]


def test_run_against_a_server_that_never_answers_ends_on_time(env: dict[str, str], home: Path) -> None:
    import socket

    _write_token(home, datetime.timedelta(days=6))
    listener = socket.create_server(("127.0.0.1", 0))  # accepts (kernel backlog), never answers
    port = listener.getsockname()[1]
    started = time.monotonic()
    try:
        completed = run_cli(
            "--json", "--timeout", "2", "--api-url", f"http://127.0.0.1:{port}", "--project", "p1",
            env={**env, "DDS_HEALTHCHECK_PYPI_URL": f"http://127.0.0.1:{port}/pypi"},
        )  # fmt: skip
    finally:
        listener.close()
    elapsed = time.monotonic() - started
    document = _report(completed)
    by_id = {c["id"]: c for c in document["checks"]}
    for probe_id in ("api.status", "api.motd", "account"):
        assert by_id[probe_id]["status"] == "error", by_id[probe_id]
    assert completed.returncode == 3
    assert document["duration_s"] < 2 + 1, document["duration_s"]  # the run: --timeout + 1 s
    assert elapsed < 2 + 2, elapsed  # the process, start-up included


@pytest.mark.parametrize(
    ("args", "words", "secret"),
    [
        (["--throughput-url", "ftp://s3.example/b?X-Amz-Signature=abcdef123"], "ftp://s3.example/b", "abcdef123"),
        (["--project", "ab proj"], "ab proj", None),
    ],
)
def test_issue_three_usage_errors(env: dict[str, str], args: list[str], words: str, secret: str | None) -> None:
    completed = run_cli(*args, env=env)
    assert completed.returncode == 2
    assert words in completed.stderr
    if secret:
        assert secret not in completed.stderr
