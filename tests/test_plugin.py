"""`dds healthcheck`: the plugin inside the real dds-cli 2.15.1 host, loaded as a plugin-loading dds would."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import textwrap
from importlib.util import find_spec
from pathlib import Path

import pytest

from tests.helpers import make_token

REPO = Path(__file__).resolve().parents[1]
needs_dds_cli = pytest.mark.skipif(
    find_spec("dds_cli") is None, reason="needs dds-cli==2.15.1 (in the test dependencies)"
)

# What a host needs to load the group (the README shows the same three lines).
HOST = textwrap.dedent(
    """
    import json, sys
    from importlib.metadata import entry_points
    from click.testing import CliRunner
    from dds_cli.__main__ import dds_main

    for plugin in entry_points(group="dds_cli.plugins"):
        dds_main.add_command(plugin.load(), plugin.name)

    result = CliRunner().invoke(dds_main, sys.argv[1:])
    print(json.dumps({"exit_code": result.exit_code, "stdout": result.stdout, "output": result.output}))
    """
)


def _dds(*args: str, home: Path) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", HOST, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        # Importing dds_cli.__main__ calls the server: point it at a closed local port.
        env={**os.environ, "DDS_CLI_ENV": "development", "HOME": str(home), "PYTHONPATH": str(REPO)},
    )
    assert completed.returncode == 0, completed.stderr
    outcome: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return outcome


@needs_dds_cli
def test_dds_healthcheck_runs_inside_the_real_dds(tmp_path: Path) -> None:
    outcome = _dds("healthcheck", "--offline", "--json", home=tmp_path)
    report = json.loads(str(outcome["stdout"]))
    assert report["tool"]["name"] == "dds-healthcheck"
    assert outcome["exit_code"] == report["summary"]["exit_code"]
    # The host's own DDS_CLI_ENV points the check at the same server as dds.
    latency = next(c for c in report["checks"] if c["id"] == "network.latency")
    assert latency["status"] == "skip"


@needs_dds_cli
def test_the_hosts_token_path_is_the_one_checked(tmp_path: Path) -> None:
    token = tmp_path / "shared-token"
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=5)
    token.write_text(make_token(exp=expires.replace(tzinfo=None).isoformat()))
    token.chmod(0o640)
    outcome = _dds("--token-path", str(token), "healthcheck", "--offline", "--json", "--only", "token", home=tmp_path)
    checks = {c["id"]: c for c in json.loads(str(outcome["stdout"]))["checks"]}
    assert checks["token.permissions"]["data"]["path"] == "~/shared-token"
    assert checks["token.permissions"]["status"] == "warn"  # 0640 without --allow-group
    assert checks["token.expiry"]["status"] == "ok"


@needs_dds_cli
def test_a_token_dds_refuses_stops_dds_before_the_plugin_runs(tmp_path: Path) -> None:
    """A documented limit of the plugin: dds reads the token first, so use `dds-healthcheck` then."""
    token = tmp_path / "bad-token"
    token.write_text(make_token(exp="2099-01-01T00:00:00"))
    token.chmod(0o644)
    outcome = _dds("--token-path", str(token), "healthcheck", "--offline", "--json", home=tmp_path)
    assert outcome["exit_code"] == 1
    assert "Token file permissions are not properly set" in str(outcome["output"])
    assert "schema_version" not in str(outcome["stdout"])


@needs_dds_cli
def test_subcommands_work_inside_dds(tmp_path: Path) -> None:
    log = tmp_path / "err.log"
    log.write_text("ERROR Failed to get project key: Unrecoverable key error. Aborting.\n")
    outcome = _dds("--no-prompt", "healthcheck", "explain", str(log), "--json", home=tmp_path)
    assert json.loads(str(outcome["stdout"]))["recognised"][0]["key"] == "key-error"


def test_plugin_entry_point_is_declared() -> None:
    """The plugin group and name are part of the contract with the host."""
    text = (REPO / "pyproject.toml").read_text()
    assert '[project.entry-points."dds_cli.plugins"]\nhealthcheck = "dds_healthcheck.commands:healthcheck"' in text
