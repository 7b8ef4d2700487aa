from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dds_healthcheck.context import Settings
from dds_healthcheck.model import Status
from dds_healthcheck.probes import TokenPermissions
from dds_healthcheck.testing import check, make_context, make_host, replace
from tests.helpers import NOBODY, make_token, needs_root, needs_setpriv

ICACLS_RESTRICTED = r"""C:\Users\alice\.dds_cli_token DESKTOP-AB12\alice:(R,W)

Successfully processed 1 files; Failed processing 0 files
"""
ICACLS_INHERITED = r"""C:\Users\alice\.dds_cli_token NT AUTHORITY\SYSTEM:(I)(F)
                              BUILTIN\Administrators:(I)(F)
                              DESKTOP-AB12\alice:(I)(F)

Successfully processed 1 files; Failed processing 0 files
"""
ICACLS_SHARED = r"""C:\Users\alice\.dds_cli_token DESKTOP-AB12\alice:(R,W)
                              NT AUTHORITY\Authenticated Users:(RX)

Successfully processed 1 files; Failed processing 0 files
"""


def _token_file(settings: Settings, mode: int) -> Path:
    path = settings.token_path
    path.write_text(make_token(exp="2026-12-08T12:00:00"))
    path.chmod(mode)
    return path


def _run(settings: Settings, **host: object):
    return check(TokenPermissions(), make_context(settings, host=make_host(**host)))


def test_mode_0600_is_ok(settings: Settings) -> None:
    _token_file(settings, 0o600)
    rv = _run(settings)
    assert rv.status is Status.OK
    assert rv.data["mode"] == "0600"


def test_mode_0640_warns_without_allow_group(settings: Settings) -> None:
    """dds accepts 0640, but the group can read the token: a warning, section J."""
    _token_file(settings, 0o640)
    rv = _run(settings)
    assert rv.status is Status.WARN
    assert rv.sections == ("J",)
    assert "chmod 600" in rv.remedy


def test_mode_0640_is_ok_with_allow_group(settings: Settings) -> None:
    _token_file(settings, 0o640)
    rv = _run(replace(settings, allow_group=True))
    assert rv.status is Status.OK


@pytest.mark.parametrize("mode", [0o644, 0o660, 0o400, 0o700, 0o666, 0o604])
def test_other_modes_fail_with_the_exact_fix(settings: Settings, mode: int) -> None:
    """Anything but 0600/0640 is refused by dds; the remedy is the chmod that fixes it."""
    path = _token_file(settings, mode)
    rv = _run(settings)
    assert rv.status is Status.FAIL
    assert f"{mode:04o}" in rv.summary
    assert f"chmod 600 {path}" in rv.remedy
    assert rv.sections == ("J",)


def test_fix_uses_0640_when_sharing_is_deliberate(settings: Settings) -> None:
    path = _token_file(settings, 0o660)
    rv = _run(replace(settings, allow_group=True))
    assert rv.status is Status.FAIL
    assert f"chmod 640 {path}" in rv.remedy


def test_missing_token_file_is_skipped(settings: Settings) -> None:
    rv = _run(settings)
    assert rv.status is Status.SKIP


def test_symlink_is_followed_and_reported(settings: Settings, tmp_path: Path) -> None:
    real = tmp_path / "real-token"
    real.write_text(make_token(exp="2026-12-08T12:00:00"))
    real.chmod(0o600)
    settings.token_path.symlink_to(real)
    rv = _run(settings)
    assert rv.status is Status.OK
    assert "symlink" in rv.summary
    assert rv.data["symlink"] is True


def test_symlink_to_a_wide_file_judges_the_target(settings: Settings, tmp_path: Path) -> None:
    real = tmp_path / "real-token"
    real.write_text("x")
    real.chmod(0o644)
    settings.token_path.symlink_to(real)
    assert _run(settings).status is Status.FAIL


def test_dangling_symlink_fails(settings: Settings, tmp_path: Path) -> None:
    settings.token_path.symlink_to(tmp_path / "gone")
    rv = _run(settings)
    assert rv.status is Status.FAIL
    assert "does not exist" in rv.summary


def test_symlink_loop_fails(settings: Settings, tmp_path: Path) -> None:
    other = tmp_path / "loop"
    other.symlink_to(settings.token_path)
    settings.token_path.symlink_to(other)
    rv = _run(settings)
    assert rv.status is Status.FAIL
    assert "loop" in rv.summary


def test_directory_fails(settings: Settings) -> None:
    settings.token_path.mkdir()
    rv = _run(settings)
    assert rv.status is Status.FAIL
    assert "directory" in rv.summary


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_fails_without_blocking(settings: Settings) -> None:
    """A FIFO is never opened: opening one with no writer would hang the check."""
    os.mkfifo(settings.token_path, 0o600)
    rv = _run(settings)
    assert rv.status is Status.FAIL
    assert "not a regular file" in rv.summary


@needs_root
def test_file_owned_by_another_user_fails(settings: Settings) -> None:
    """The func-account case of section J: a token someone else owns."""
    path = _token_file(settings, 0o600)
    os.chown(path, NOBODY, NOBODY)
    rv = _run(settings)
    assert rv.status is Status.FAIL
    assert f"owned by uid {NOBODY}" in rv.summary


@needs_root
def test_group_shared_file_of_another_user_is_ok_with_allow_group(settings: Settings) -> None:
    """--allow-group exists so that a func account can read another user's 0640 token."""
    path = _token_file(settings, 0o640)
    os.chown(path, NOBODY, os.getegid())
    rv = _run(replace(settings, allow_group=True))
    assert rv.status is Status.OK
    assert "shared through the group" in rv.summary


@needs_setpriv
def test_unreadable_file_fails_for_the_user_who_cannot_read_it() -> None:
    """Run as nobody (root reads everything): dds would stop with 'Permission denied'."""
    folder = Path(tempfile.mkdtemp(prefix="dds-hc-perm-"))
    try:
        folder.chmod(0o755)
        token = folder / "token"
        token.write_text(make_token(exp="2026-12-08T12:00:00"))
        token.chmod(0o600)  # owned by root: nobody can stat it but not read it
        script = (
            "import json, sys; from pathlib import Path; "
            "from dds_healthcheck.probes import TokenPermissions; "
            "from dds_healthcheck.testing import check, make_context, make_settings; "
            f"s = make_settings(Path({str(folder)!r}), token_path=Path({str(token)!r})); "
            "rv = TokenPermissions().run(make_context(s)); "
            "print(json.dumps([rv.status.value, rv.summary]))"
        )
        completed = subprocess.run(
            ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "HOME": str(folder)},
        )
        assert completed.returncode == 0, completed.stderr
        status, summary = __import__("json").loads(completed.stdout)
        assert status == "fail"
        assert "cannot read it" in summary
    finally:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()


def test_run_leaves_the_file_unchanged(settings: Settings) -> None:
    path = _token_file(settings, 0o644)
    before = (path.read_bytes(), path.stat().st_mode, path.stat().st_mtime_ns)
    _run(settings)
    assert (path.read_bytes(), path.stat().st_mode, path.stat().st_mtime_ns) == before


@pytest.mark.parametrize(
    ("icacls", "status"),
    [
        pytest.param(ICACLS_RESTRICTED, Status.OK, id="restricted-like-dds-does"),
        pytest.param(ICACLS_INHERITED, Status.WARN, id="inherited-from-folder"),
        pytest.param(ICACLS_SHARED, Status.WARN, id="authenticated-users"),
    ],
)
def test_windows_checks_the_acl_with_icacls(settings: Settings, icacls: str, status: Status) -> None:
    """On Windows dds checks no mode bits; the ACL decides, and wider access is section I."""
    _token_file(settings, 0o644)  # POSIX bits are irrelevant on Windows
    seen: list[Path] = []

    def read_acl(path: Path) -> str:
        seen.append(path)
        return icacls.replace(r"C:\Users\alice\.dds_cli_token", str(path))

    rv = _run(settings, system="Windows", read_acl=read_acl, env={"USERNAME": "alice"})
    assert seen == [settings.token_path]
    assert rv.status is status
    assert rv.sections == ("I",)
    if status is Status.WARN:
        assert "/inheritance:r" in rv.remedy
