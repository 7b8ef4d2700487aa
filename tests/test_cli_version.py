from __future__ import annotations

import datetime
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from dds_healthcheck import pypi
from dds_healthcheck.context import Settings
from dds_healthcheck.dds_install import PYINSTALLER_COOKIE, InstallMethod, find_installation
from dds_healthcheck.model import Status
from dds_healthcheck.probes import CliVersion
from dds_healthcheck.testing import FIXED_NOW, FakeClock, check, make_context, make_host, replace
from tests.helpers import LocalServer, closed_port, pypi_document

RELEASES = {"2.14.2": False, "2.15.0": False, "2.15.1": False, "2.16.0": True, "2.17.0rc1": False}


def _venv_with_dds(root: Path, version: str, installer: str = "pip", *, pipx: bool = False) -> Path:
    """A real on-disk environment: bin/dds with a shebang, and dds_cli's dist-info."""
    bin_dir = root / "bin"
    bin_dir.mkdir(parents=True)
    python = bin_dir / "python"
    python.write_text("")
    script = bin_dir / "dds"
    script.write_text(f"#!{python}\nimport sys\nfrom dds_cli.__main__ import dds_main\nsys.exit(dds_main())\n")
    script.chmod(0o755)
    info = root / "lib" / "python3.12" / "site-packages" / f"dds_cli-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: dds_cli\nVersion: {version}\n\nLong text\n")
    (info / "INSTALLER").write_text(installer + "\n")
    if pipx:
        (root / "pipx_metadata.json").write_text("{}")
    return bin_dir


def _serve_pypi(server: LocalServer, document: object, status: int = 200) -> None:
    def handler(request: Any) -> None:
        if isinstance(document, bytes):
            request.send_body(document, status=status)
        else:
            request.send_json(document, status=status)

    server.routes["/pypi/dds-cli/json"] = handler


def _settings_for(settings: Settings, server: LocalServer, **changes: object) -> Settings:
    return replace(settings, pypi_url=f"{server.url}/pypi", **changes)


def _run(
    settings: Settings,
    path_dirs: tuple[Path, ...] = (),
    env: dict[str, str] | None = None,
    now: datetime.datetime = FIXED_NOW,
):
    host = make_host(path_dirs=path_dirs, env=env or {})
    return check(CliVersion(), make_context(settings, host=host, clock=FakeClock(now)))


def test_latest_release_skips_yanked_and_prereleases() -> None:
    assert pypi.latest_release(pypi_document(RELEASES)) == "2.15.1"


def test_latest_release_rejects_garbage() -> None:
    garbage: object
    for garbage in ([], {"releases": "x"}, {"info": {}}, "text"):
        with pytest.raises(pypi.PyPIError):
            pypi.latest_release(garbage)


def test_outdated_pip_install_warns_with_its_upgrade_command(
    settings: Settings, server: LocalServer, tmp_path: Path
) -> None:
    _serve_pypi(server, pypi_document(RELEASES))
    bin_dir = _venv_with_dds(tmp_path / "venv", "2.14.2")
    rv = _run(_settings_for(settings, server), (bin_dir,))
    assert rv.status is Status.WARN
    assert rv.sections == ("G",)
    assert rv.data["installed"] == "2.14.2"
    assert rv.data["latest"] == "2.15.1"
    assert rv.data["install_method"] == "pip"
    assert f"{tmp_path / 'venv' / 'bin' / 'python'} -m pip install --upgrade dds-cli" in rv.remedy


def test_latest_version_is_ok(settings: Settings, server: LocalServer, tmp_path: Path) -> None:
    _serve_pypi(server, pypi_document(RELEASES))
    bin_dir = _venv_with_dds(tmp_path / "venv", "2.15.1")
    assert _run(_settings_for(settings, server), (bin_dir,)).status is Status.OK


def test_pipx_install_gets_the_pipx_command(settings: Settings, server: LocalServer, tmp_path: Path) -> None:
    _serve_pypi(server, pypi_document(RELEASES))
    bin_dir = _venv_with_dds(tmp_path / "venvs" / "dds-cli", "2.15.0", pipx=True)
    rv = _run(_settings_for(settings, server), (bin_dir,))
    assert rv.data["install_method"] == "pipx"
    assert "pipx upgrade dds-cli" in rv.remedy


def test_major_version_behind_fails(settings: Settings, server: LocalServer, tmp_path: Path) -> None:
    """The server refuses a CLI whose major version differs from its own."""
    _serve_pypi(server, pypi_document({"3.0.0": False, "2.15.1": False}))
    bin_dir = _venv_with_dds(tmp_path / "venv", "2.15.1")
    assert _run(_settings_for(settings, server), (bin_dir,)).status is Status.FAIL


def test_environment_module_is_recognised(tmp_path: Path) -> None:
    bin_dir = _venv_with_dds(tmp_path / "sw" / "dds-cli", "2.15.1")
    host = make_host(path_dirs=(bin_dir,), env={"LOADEDMODULES": "python/3.12:dds-cli/2.15.1"})
    found = find_installation(host)
    assert found.method is InstallMethod.MODULE
    assert "module" in found.upgrade_command(host)


def test_conda_install_is_recognised(tmp_path: Path) -> None:
    bin_dir = _venv_with_dds(tmp_path / "conda-env", "2.15.1", installer="conda")
    assert find_installation(make_host(path_dirs=(bin_dir,))).method is InstallMethod.CONDA


def test_standalone_executable_is_recognised_but_not_run(
    settings: Settings, server: LocalServer, tmp_path: Path
) -> None:
    """A PyInstaller build's version is only known by running it, which the check never does."""
    _serve_pypi(server, pypi_document(RELEASES))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "dds_cli_ubuntu-22.04_x86_64"
    marker = tmp_path / "ran"
    # Runnable, and it would leave a mark if anything ran it.
    exe.write_bytes(f"#!/bin/sh\ntouch {marker}\nexit 0\n".encode() + PYINSTALLER_COOKIE + b"\0" * 88)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    rv = _run(_settings_for(settings, server), (bin_dir,))
    assert rv.data["install_method"] == "standalone"
    assert rv.status is Status.SKIP
    assert "2.15.1" in rv.summary
    assert not marker.exists()


def test_not_installed_warns(settings: Settings, server: LocalServer, tmp_path: Path) -> None:
    _serve_pypi(server, pypi_document(RELEASES))
    empty = tmp_path / "empty"
    empty.mkdir()
    rv = _run(_settings_for(settings, server), (empty,))
    # The test environment itself has no dds-cli; if it ever does, this test says nothing.
    if rv.data["install_method"] == "not-found":
        assert rv.status is Status.WARN
        assert "pipx install dds-cli" in rv.remedy


def test_answer_is_cached_for_a_day(settings: Settings, server: LocalServer, tmp_path: Path) -> None:
    _serve_pypi(server, pypi_document(RELEASES))
    bin_dir = _venv_with_dds(tmp_path / "venv", "2.15.1")
    s = _settings_for(settings, server)
    _run(s, (bin_dir,))
    second = _run(s, (bin_dir,), now=FIXED_NOW + datetime.timedelta(hours=23))
    assert server.hits("/pypi/dds-cli/json") == 1
    assert second.data["latest_source"] == "cache"
    assert "cached 23 h 0 min ago" in second.summary
    _run(s, (bin_dir,), now=FIXED_NOW + datetime.timedelta(hours=25))
    assert server.hits("/pypi/dds-cli/json") == 2


def test_failure_is_cached_for_an_hour(settings: Settings, server: LocalServer, tmp_path: Path) -> None:
    _serve_pypi(server, b"<html>proxy says no</html>", status=200)
    bin_dir = _venv_with_dds(tmp_path / "venv", "2.15.1")
    s = _settings_for(settings, server)
    first = _run(s, (bin_dir,))
    assert first.status is Status.ERROR
    assert "not JSON" in first.summary
    _run(s, (bin_dir,), now=FIXED_NOW + datetime.timedelta(minutes=59))
    assert server.hits("/pypi/dds-cli/json") == 1
    _run(s, (bin_dir,), now=FIXED_NOW + datetime.timedelta(minutes=61))
    assert server.hits("/pypi/dds-cli/json") == 2


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        pytest.param(b"{not json", 200, "not JSON", id="garbage"),
        pytest.param(b"[]", 200, "not a JSON object", id="array"),
        pytest.param(b"{}", 500, "HTTP 500", id="server-error"),
        pytest.param(json.dumps({"releases": {}}).encode(), 200, "no usable", id="no-releases"),
    ],
)
def test_bad_pypi_answers_are_errors_that_say_why(
    settings: Settings, server: LocalServer, tmp_path: Path, body: bytes, status: int, words: str
) -> None:
    _serve_pypi(server, body, status=status)
    bin_dir = _venv_with_dds(tmp_path / "venv", "2.15.1")
    rv = _run(_settings_for(settings, server), (bin_dir,))
    assert rv.status is Status.ERROR
    assert words in rv.summary


def test_refused_connection_is_an_error(settings: Settings, tmp_path: Path) -> None:
    port = closed_port()
    bin_dir = _venv_with_dds(tmp_path / "venv", "2.15.1")
    rv = _run(replace(settings, pypi_url=f"http://127.0.0.1:{port}/pypi"), (bin_dir,))
    assert rv.status is Status.ERROR
    assert "refused the connection" in rv.summary


def test_offline_uses_any_cached_answer_and_asks_nobody(
    settings: Settings, server: LocalServer, tmp_path: Path
) -> None:
    _serve_pypi(server, pypi_document(RELEASES))
    bin_dir = _venv_with_dds(tmp_path / "venv", "2.14.2")
    s = _settings_for(settings, server)
    _run(s, (bin_dir,))
    rv = _run(replace(s, offline=True), (bin_dir,), now=FIXED_NOW + datetime.timedelta(days=30))
    assert server.hits("/pypi/dds-cli/json") == 1
    assert rv.status is Status.WARN
    assert "cached 30 d 0 h ago" in rv.summary


def test_offline_without_cache_skips(settings: Settings, server: LocalServer, tmp_path: Path) -> None:
    bin_dir = _venv_with_dds(tmp_path / "venv", "2.14.2")
    rv = _run(_settings_for(settings, server, offline=True), (bin_dir,))
    assert rv.status is Status.SKIP
    assert server.requests == []


def test_corrupt_cache_is_ignored(settings: Settings, server: LocalServer, tmp_path: Path) -> None:
    _serve_pypi(server, pypi_document(RELEASES))
    settings.cache_dir.mkdir()
    (settings.cache_dir / pypi.CACHE_FILE).write_bytes(b"\x00garbage{")
    bin_dir = _venv_with_dds(tmp_path / "venv", "2.15.1")
    assert _run(_settings_for(settings, server), (bin_dir,)).status is Status.OK


def test_unwritable_cache_location_does_not_break_the_check(
    settings: Settings, server: LocalServer, tmp_path: Path
) -> None:
    _serve_pypi(server, pypi_document(RELEASES))
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    bin_dir = _venv_with_dds(tmp_path / "venv", "2.15.1")
    rv = _run(_settings_for(settings, server, cache_dir=blocker / "cache"), (bin_dir,))
    assert rv.status is Status.OK


def test_cache_write_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    lookup = pypi.Lookup(latest="2.15.1", error=None, checked_at=FIXED_NOW, from_cache=False)
    for _ in range(3):
        pypi.write_cache(tmp_path, "https://pypi.org/pypi", lookup)
    assert sorted(p.name for p in tmp_path.iterdir()) == [pypi.CACHE_FILE]
    cached = pypi.read_cache(tmp_path, "https://pypi.org/pypi", FIXED_NOW)
    assert cached is not None
    assert cached.latest == "2.15.1"
    assert pypi.read_cache(tmp_path, "https://mirror.example/pypi", FIXED_NOW) is None


def test_uv_install_is_recognised(tmp_path: Path) -> None:
    bin_dir = _venv_with_dds(tmp_path / "uv-env", "2.15.1", installer="uv")
    found = find_installation(make_host(path_dirs=(bin_dir,)))
    assert found.method is InstallMethod.UV
    assert found.version == "2.15.1"


def test_pypi_that_never_answers_costs_a_few_seconds_at_most(settings: Settings, tmp_path: Path) -> None:
    """A server that accepts and stays silent: the lookup gives up after its own short limit."""
    import socket
    import time

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    bin_dir = _venv_with_dds(tmp_path / "venv", "2.15.1")
    started = time.monotonic()
    try:
        rv = _run(replace(settings, pypi_url=f"http://127.0.0.1:{port}/pypi"), (bin_dir,))
    finally:
        listener.close()
    assert rv.status is Status.ERROR
    assert "did not answer within" in rv.summary
    assert time.monotonic() - started < 10
