"""Windows-only facts: the token file's access list and the console.

The parsers here are pure and tested on Linux with recorded ``icacls`` output; the two
readers at the bottom call Windows itself and run only there.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

from dds_healthcheck.host import WindowsConsoleFacts

#: "<principal>:(flag)(flag)" at the end of an icacls line, e.g. "BUILTIN\Users:(I)(RX)".
_ACE = re.compile(r"(?P<principal>[^:]+?):(?P<flags>(?:\([A-Za-z,]+\))+)\s*$")


@dataclasses.dataclass(frozen=True, kw_only=True)
class AccessEntry:
    principal: str  #: "DOMAIN\\name", "NT AUTHORITY\\SYSTEM", or a SID
    flags: tuple[str, ...]  #: ("I", "F") or ("R,W",)

    @property
    def inherited(self) -> bool:
        return "I" in self.flags


def parse_icacls(text: str, path: Path | str) -> list[AccessEntry]:
    """Access entries from ``icacls <path>`` output (the summary line is ignored)."""
    entries = []
    prefix = str(path)
    for raw_line in text.lstrip("\ufeff").splitlines():
        line = raw_line.strip()
        if line.lower().startswith(prefix.lower()):
            line = line[len(prefix) :].strip()
        match = _ACE.search(line)
        if match is None:
            continue
        flags = tuple(re.findall(r"\(([A-Za-z,]+)\)", match.group("flags")))
        entries.append(AccessEntry(principal=match.group("principal").strip(), flags=flags))
    return entries


@dataclasses.dataclass(frozen=True, kw_only=True)
class AclVerdict:
    entries: tuple[AccessEntry, ...]
    inherited: int  #: entries that come from the folder (dds removes inheritance)
    others: tuple[str, ...]  #: principals other than the user


def _is_user(principal: str, username: str | None) -> bool:
    if not username:
        return False
    return principal.rsplit("\\", 1)[-1].casefold() == username.casefold()


def judge_acl(entries: list[AccessEntry], username: str | None) -> AclVerdict:
    others = tuple(dict.fromkeys(e.principal for e in entries if not _is_user(e.principal, username)))
    return AclVerdict(
        entries=tuple(entries),
        inherited=sum(1 for e in entries if e.inherited),
        others=others,
    )


def run_icacls(path: Path, *, encoding: str = "oem") -> str:
    """``icacls <path>`` output; icacls writes in the console's OEM code page."""
    completed = subprocess.run(  # noqa: S603 - fixed program, path passed as one argument
        ["icacls", str(path)],  # noqa: S607 - icacls lives in System32, found through PATH
        capture_output=True,
        timeout=5,
        check=False,
    )
    output = completed.stdout.decode(encoding, errors="replace")
    if completed.returncode != 0:
        error = completed.stderr.decode(encoding, errors="replace").strip() or output.strip()
        msg = f"icacls could not read the access list: {error}"
        raise RuntimeError(msg)
    return output


def read_console_facts(env_has_wt_session: bool) -> WindowsConsoleFacts:
    import ctypes

    windll = getattr(ctypes, "windll", None)
    if windll is None:
        return WindowsConsoleFacts(output_code_page=None, legacy=None, windows_terminal=env_has_wt_session)
    kernel32 = windll.kernel32
    code_page = int(kernel32.GetConsoleOutputCP()) or None  # 0 means "no console"
    mode = ctypes.c_uint32()
    stdout_handle = kernel32.GetStdHandle(-11)  # STD_OUTPUT_HANDLE
    legacy: bool | None = None
    if kernel32.GetConsoleMode(stdout_handle, ctypes.byref(mode)):
        legacy = not (mode.value & 0x0004)  # ENABLE_VIRTUAL_TERMINAL_PROCESSING
    return WindowsConsoleFacts(output_code_page=code_page, legacy=legacy, windows_terminal=env_has_wt_session)
