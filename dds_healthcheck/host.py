"""Facts about the machine the check runs on, gathered once and passed to the probes.

This is the platform seam: everything that differs between POSIX and Windows, or that
tests must replace (the console code page, ``icacls`` output, the user id), lives here
as plain data or as a small callable.
"""

from __future__ import annotations

import dataclasses
import locale
import os
import platform
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO


@dataclasses.dataclass(frozen=True, kw_only=True)
class StreamFacts:
    """What one standard stream can carry."""

    name: str  #: "stdout" or "stderr"
    encoding: str | None
    errors: str | None
    isatty: bool


@dataclasses.dataclass(frozen=True, kw_only=True)
class WindowsConsoleFacts:
    """The Windows console, read through the Win32 API (None where it could not be read)."""

    output_code_page: int | None
    #: True for a console without virtual-terminal processing (old conhost).
    legacy: bool | None
    windows_terminal: bool


@dataclasses.dataclass(frozen=True, kw_only=True)
class HostFacts:
    system: str  #: platform.system(): "Linux", "Windows", "Darwin", ...
    release: str
    python_version: str
    env: Mapping[str, str]
    home: Path
    #: Effective user id; None on Windows.
    euid: int | None
    streams: tuple[StreamFacts, ...]
    preferred_encoding: str
    #: Reads ``icacls <path>`` output (Windows only; tests pass recorded text).
    read_acl: Callable[[Path], str] | None = None
    #: Reads the console's code page and mode (Windows only; tests pass fixed facts).
    read_windows_console: Callable[[], WindowsConsoleFacts] | None = None
    #: The directories on PATH, in order.
    path_dirs: tuple[Path, ...] = ()

    @property
    def is_windows(self) -> bool:
        return self.system == "Windows"

    def display_path(self, path: Path | str) -> str:
        """The path as shown to users and in reports: the home directory becomes ``~``."""
        text = str(path)
        home = str(self.home)
        if home not in ("", os.sep) and (text == home or text.startswith(home + os.sep)):
            return "~" + text[len(home) :]
        return text

    @property
    def username(self) -> str | None:
        return self.env.get("USERNAME") or self.env.get("USER") or self.env.get("LOGNAME")


def _stream_facts(name: str, stream: TextIO | None) -> StreamFacts:
    if stream is None:  # pythonw.exe, or a closed stream
        return StreamFacts(name=name, encoding=None, errors=None, isatty=False)
    try:
        isatty = stream.isatty()
    except (ValueError, OSError):
        isatty = False
    return StreamFacts(
        name=name,
        encoding=getattr(stream, "encoding", None),
        errors=getattr(stream, "errors", None),
        isatty=isatty,
    )


def _path_dirs(env: Mapping[str, str]) -> tuple[Path, ...]:
    return tuple(Path(p) for p in env.get("PATH", "").split(os.pathsep) if p)


def _home() -> Path:
    try:
        return Path.home()
    except (RuntimeError, KeyError):  # no HOME and no password entry (containers, odd services)
        return Path(os.sep)


def current_host() -> HostFacts:
    """The real machine, with the Windows seams wired to the Win32 implementations."""
    system = platform.system()
    env = dict(os.environ)
    read_acl = read_windows_console = None
    if system == "Windows":  # pragma: no cover - exercised through recorded outputs on Linux
        import functools

        from dds_healthcheck import windows

        read_acl = windows.run_icacls
        read_windows_console = functools.partial(windows.read_console_facts, "WT_SESSION" in env)
    return HostFacts(
        system=system,
        release=platform.release(),
        python_version=platform.python_version(),
        env=env,
        home=_home(),
        euid=os.geteuid() if hasattr(os, "geteuid") else None,
        streams=(_stream_facts("stdout", sys.stdout), _stream_facts("stderr", sys.stderr)),
        preferred_encoding=locale.getpreferredencoding(False),
        read_acl=read_acl,
        read_windows_console=read_windows_console,
        path_dirs=_path_dirs(env),
    )
