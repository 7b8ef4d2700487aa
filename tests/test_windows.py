"""Windows code paths, tested with recorded outputs and a mocked Win32 API (these machines run Linux)."""

from __future__ import annotations

import ctypes
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pytest_mock import MockerFixture

from dds_healthcheck import windows

# Recorded from `icacls` on a Windows 11 machine (names changed), a Swedish-locale one included:
# only the summary line is translated, the entries keep their shape.
ICACLS_SV = (
    "C:\\Users\\Anna Berg\\.dds_cli_token NT INSTANS\\SYSTEM:(I)(F)\r\n"
    "                                     BUILTIN\\Administratörer:(I)(F)\r\n"
    "                                     LAPTOP-7\\Anna Berg:(I)(F)\r\n"
    "\r\n"
    "1 filer har bearbetats. Det gick inte att bearbeta 0 filer\r\n"
)


def test_parse_icacls_handles_spaces_and_translations() -> None:
    entries = windows.parse_icacls(ICACLS_SV, "C:\\Users\\Anna Berg\\.dds_cli_token")
    assert [e.principal for e in entries] == ["NT INSTANS\\SYSTEM", "BUILTIN\\Administratörer", "LAPTOP-7\\Anna Berg"]
    assert all(e.inherited for e in entries)
    verdict = windows.judge_acl(entries, "Anna Berg")
    assert verdict.others == ("NT INSTANS\\SYSTEM", "BUILTIN\\Administratörer")
    assert verdict.inherited == 3


def test_unknown_user_counts_everyone_as_other() -> None:
    entries = windows.parse_icacls("C:\\t DOMAIN\\bob:(R,W)\n", "C:\\t")
    assert windows.judge_acl(entries, None).others == ("DOMAIN\\bob",)


def test_run_icacls_decodes_the_oem_code_page(mocker: MockerFixture, tmp_path: Path) -> None:
    recorded = ICACLS_SV.encode("cp850")
    run = mocker.patch.object(
        subprocess, "run", return_value=subprocess.CompletedProcess(["icacls"], 0, stdout=recorded, stderr=b"")
    )
    text = windows.run_icacls(tmp_path / "t", encoding="cp850")
    assert "Administratörer" in text
    assert run.call_args.args[0] == ["icacls", str(tmp_path / "t")]


def test_run_icacls_failure_says_what_icacls_said(mocker: MockerFixture, tmp_path: Path) -> None:
    mocker.patch.object(
        subprocess,
        "run",
        return_value=subprocess.CompletedProcess(["icacls"], 5, stdout=b"", stderr=b"Access is denied."),
    )
    with pytest.raises(RuntimeError, match="Access is denied"):
        windows.run_icacls(tmp_path / "t", encoding="cp850")


def _fake_kernel32(code_page: int, mode: int | None) -> Any:
    class Kernel32:
        def GetConsoleOutputCP(self) -> int:  # noqa: N802 - Win32 names
            return code_page

        def GetStdHandle(self, handle: int) -> int:  # noqa: N802
            return 7

        def GetConsoleMode(self, handle: int, pointer: Any) -> int:  # noqa: N802
            if mode is None:
                return 0
            pointer._obj.value = mode
            return 1

    return type("WinDLL", (), {"kernel32": Kernel32()})()


@pytest.mark.parametrize(
    ("code_page", "mode", "legacy"),
    [
        pytest.param(65001, 0x0007, False, id="vt-enabled-utf8"),
        pytest.param(850, 0x0003, True, id="legacy-conhost"),
        pytest.param(1252, None, None, id="redirected-no-console-mode"),
    ],
)
def test_console_facts_come_from_the_win32_api(
    mocker: MockerFixture, code_page: int, mode: int | None, legacy: bool | None
) -> None:
    mocker.patch.object(ctypes, "windll", _fake_kernel32(code_page, mode), create=True)
    facts = windows.read_console_facts(env_has_wt_session=True)
    assert facts.output_code_page == code_page
    assert facts.legacy is legacy
    assert facts.windows_terminal is True
