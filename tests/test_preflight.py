"""`dds-healthcheck run -- dds data get|put ...`: parsing, sizing, stopping and passing through."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dds_healthcheck.preflight import CommandError, parse_dds_command, size_sources
from tests.helpers import make_token

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "argv",
    [
        ["dds", "data", "get", "--project", "p1", "--get-all", "--destination", "out", "--num-threads", "8"],
        ["dds", "data", "get", "-p", "p1", "-a", "-d", "out", "-nt", "8"],
        ["dds", "data", "get", "--project=p1", "--get-all", "--destination=out", "--num-threads=8"],
        ["/opt/dds_cli_ubuntu", "-v", "--no-prompt", "data", "get", "-p", "p1", "-a", "-d", "out", "-nt", "8"],
    ],
)
def test_get_options_in_long_short_and_inline_forms(argv: list[str]) -> None:
    rv = parse_dds_command(argv)
    assert (rv.action, rv.project, rv.get_all, rv.destination, rv.num_threads) == ("get", "p1", True, "out", 8)


def test_global_options_and_repeated_sources() -> None:
    rv = parse_dds_command(
        [
            "dds",
            "-tp",
            "/tmp/tok",
            "--log-file",
            "x.log",
            "data",
            "put",
            "-p",
            "p1",
            "-s",
            "a",
            "--source",
            "b",
            "-md",
            "/scratch",
        ]
    )
    assert rv.token_path == "/tmp/tok"
    assert rv.sources == ("a", "b")
    assert rv.mount_dir == "/scratch"
    assert rv.num_threads == 4


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        ([], "no command"),
        (["dds", "ls"], "not 'ls'"),
        (["dds", "data", "rm", "-p", "x"], "not 'data rm'"),
        (["dds", "data", "get", "--frobnicate"], "--frobnicate"),
        (["dds", "data", "get", "-p"], "-p needs a value"),
        (["dds", "data", "get", "-nt", "64", "-a"], "1 to 32"),
        (["dds", "--token-path"], "needs a value"),
        (["dds", "data", "get", "-a", "stray"], "stray"),
    ],
)
def test_commands_it_cannot_understand_are_refused_clearly(argv: list[str], words: str) -> None:
    with pytest.raises(CommandError, match=words):
        parse_dds_command(argv)


def test_sizing_an_upload_tree(tmp_path: Path) -> None:
    (tmp_path / "reads" / "lane1").mkdir(parents=True)
    (tmp_path / "reads" / "lane1" / "a.fq").write_bytes(b"x" * 1000)
    (tmp_path / "reads" / "b.fq").write_bytes(b"x" * 5000)
    (tmp_path / "single.txt").write_bytes(b"x" * 10)
    (tmp_path / "reads" / "loop").symlink_to(tmp_path / "reads")  # a symlink loop must not hang
    rv = size_sources(["reads", "single.txt", "missing"], tmp_path)
    assert (rv.total_bytes, rv.files, rv.largest_file_bytes, rv.missing) == (6010, 3, 5000, ("missing",))


# -- end to end, with a stand-in `dds` on PATH --------------------------------------------


@dataclasses.dataclass
class World:
    env: dict[str, str]
    record: Path
    work: Path
    home: Path


@pytest.fixture
def world(tmp_path: Path) -> World:
    """HOME with a fresh token, and a `dds` on PATH that records how it was called."""
    home = tmp_path / "home"
    home.mkdir()
    token = home / ".dds_cli_token"
    exp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 5 * 86400))
    token.write_text(make_token(exp=exp))
    token.chmod(0o600)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "dds-was-run.json"
    fake = bin_dir / "dds"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        "data = sys.stdin.read()\n"
        f"json.dump({{'argv': sys.argv[1:], 'stdin': data}}, open({str(record)!r}, 'w'))\n"
        "print('dds stdout line')\n"
        "sys.exit(7)\n"
    )
    fake.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    env = {
        "HOME": str(home),
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "DDS_HEALTHCHECK_CACHE_DIR": str(tmp_path / "cache"),
        "LANG": "C.UTF-8",
    }
    return World(env=env, record=record, work=work, home=home)


def _run(world: World, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dds_healthcheck", "--offline", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=world.env,
        cwd=world.work,
    )


def test_get_without_data_selection_stops_before_running_dds(world: World) -> None:
    completed = _run(world, "run", "--", "dds", "data", "get", "-p", "p1")
    assert completed.returncode == 1
    assert "section T" in completed.stderr
    assert "dds was not run" in completed.stderr
    assert not world.record.exists()


def test_healthy_get_runs_dds_with_the_same_streams_and_passes_its_exit_code(world: World) -> None:
    completed = _run(world, "run", "--", "dds", "data", "get", "-p", "p1", "-a", stdin="typed answer\n")
    assert completed.returncode == 7
    assert completed.stdout == "dds stdout line\n"  # stdout belongs to dds alone
    recorded = json.loads(world.record.read_text())
    assert recorded == {"argv": ["data", "get", "-p", "p1", "-a"], "stdin": "typed answer\n"}
    assert "checks passed; running dds" in completed.stderr


def test_existing_destination_is_caught(world: World) -> None:
    (world.work / "out").mkdir()
    completed = _run(world, "run", "--", "dds", "data", "get", "-p", "p1", "-a", "-d", "out")
    assert completed.returncode == 1
    assert "already exists" in completed.stderr


def test_dry_run_reports_and_never_runs_dds(world: World) -> None:
    completed = _run(world, "--json", "run", "--dry-run", "--", "dds", "data", "get", "-p", "p1", "-a")
    assert completed.returncode == 0
    document = json.loads(completed.stdout)
    assert document["checks"][0]["id"] == "dds.command"
    assert not world.record.exists()


def test_force_runs_dds_despite_a_failure(world: World) -> None:
    completed = _run(world, "run", "--force", "--", "dds", "data", "get", "-p", "p1")
    assert completed.returncode == 7
    assert world.record.exists()


def test_put_sizes_the_sources_and_checks_staging_space(world: World) -> None:
    work = world.work
    (work / "reads").mkdir()
    for i in range(50):
        (work / "reads" / f"s{i}.fq").write_bytes(b"x" * 1000 * (i + 1))
    completed = _run(
        world, "--json", "run", "--dry-run", "--", "dds", "data", "put", "-p", "p1", "-s", "reads", "-nt", "2"
    )
    checks = {c["id"]: c for c in json.loads(completed.stdout)["checks"]}
    assert checks["dds.command"]["data"]["files"] == 50
    assert checks["dds.command"]["data"]["upload_bytes"] == 1000 * 50 * 51 // 2
    assert checks["disk.space"]["data"]["staging_bytes"] == 2 * 50_000
    assert checks["token.expiry"]["data"]["delivery_bytes"] == 1000 * 50 * 51 // 2


def test_put_with_no_existing_source_stops(world: World) -> None:
    completed = _run(world, "run", "--", "dds", "data", "put", "-p", "p1", "-s", "nowhere")
    assert completed.returncode == 1
    assert "none of the sources exist" in completed.stderr


def test_token_path_of_the_dds_command_is_the_one_checked(world: World) -> None:
    completed = _run(
        world, "--json", "run", "--dry-run", "--", "dds", "-tp", "other-token", "data", "get", "-p", "p1", "-a"
    )
    checks = {c["id"]: c for c in json.loads(completed.stdout)["checks"]}
    assert checks["token.expiry"]["status"] == "warn"
    assert "other-token" in checks["token.expiry"]["summary"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", "--", "dds", "data", "get", "--what"], "--what"),
        (["run"], "no command"),
        (["--json", "run", "--", "dds", "data", "get", "-a"], "--dry-run"),
    ],
)
def test_run_usage_errors(world: World, args: list[str], words: str) -> None:
    completed = _run(world, *args)
    assert completed.returncode == 2
    assert words in completed.stderr
    assert "Traceback" not in completed.stderr


def test_missing_dds_program_is_reported(world: World) -> None:
    completed = _run(world, "run", "--", "no-such-dds", "data", "get", "-p", "p1", "-a")
    assert completed.returncode == 127
    assert "no such program" in completed.stderr


def test_source_path_file_forms(world: World) -> None:
    (world.work / "reads").mkdir()
    (world.work / "reads" / "a.fq").write_bytes(b"x" * 300)
    (world.work / "list.txt").write_text("reads\n\n")
    for flag in ("-spf", "--source-path-file"):
        completed = _run(world, "--json", "run", "--dry-run", "--", "dds", "data", "put", "-p", "p1", flag, "list.txt")
        checks = {c["id"]: c for c in json.loads(completed.stdout)["checks"]}
        assert checks["dds.command"]["data"]["upload_bytes"] == 300
    missing = _run(world, "run", "--", "dds", "data", "get", "-p", "p1", "--source-path-file=nope.txt")
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr


def test_no_prompt_without_a_usable_token_stops_before_dds(world: World) -> None:
    """dds --no-prompt cannot ask for a password: without a usable token it would only fail."""
    (world.home / ".dds_cli_token").unlink()
    completed = _run(world, "run", "--", "dds", "--no-prompt", "data", "get", "-p", "p1", "-a")
    assert completed.returncode == 1
    assert "--no-prompt" in completed.stderr
    assert not world.record.exists()


def test_no_prompt_with_a_usable_token_runs_dds(world: World) -> None:
    completed = _run(world, "run", "--", "dds", "--no-prompt", "data", "get", "-p", "p1", "-a")
    assert completed.returncode == 7
