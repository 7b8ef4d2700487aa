"""Find the user's dds-cli and how it was installed, without running it.

Running `dds --version` makes a network call at import (up to 120 s), so everything here
reads files: package metadata, console-script shebangs, the PyInstaller archive marker.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dds_healthcheck.host import HostFacts

DIST_NAME = "dds-cli"
#: PyInstaller's CArchive cookie, found near the end of one-file executables.
PYINSTALLER_COOKIE = b"MEI\014\013\012\013\016"
RELEASES_URL = "https://github.com/ScilifelabDataCentre/dds_cli/releases/latest"
_STANDALONE_NAME = re.compile(r"dds_cli_[A-Za-z0-9_.-]+$")
_SCRIPT_SNIFF_BYTES = 1024
_COOKIE_TAIL_BYTES = 64 * 1024


class InstallMethod(str, enum.Enum):
    PIP = "pip"
    PIPX = "pipx"
    UV = "uv"
    CONDA = "conda"
    MODULE = "module"  #: an HPC environment module (`module load dds-cli`)
    STANDALONE = "standalone"  #: the PyInstaller executable from the GitHub releases
    UNKNOWN = "unknown"  #: found, but by an installer we do not recognise
    NOT_FOUND = "not-found"


@dataclasses.dataclass(frozen=True, kw_only=True)
class DdsInstallation:
    method: InstallMethod
    version: str | None = None
    #: The `dds` command or executable that was found, if any.
    executable: Path | None = None
    #: The Python environment that holds the package, if it is one.
    prefix: Path | None = None

    def upgrade_command(self, host: HostFacts) -> str:
        python = "python" if self.prefix is None else _python_in(self.prefix, host)
        return {
            InstallMethod.PIPX: "pipx upgrade dds-cli",
            InstallMethod.UV: "uv tool upgrade dds-cli (or `uv pip install --upgrade dds-cli` in its environment)",
            InstallMethod.CONDA: "conda update dds-cli (in the environment that has it)",
            InstallMethod.MODULE: "ask your cluster's support for a newer dds-cli module "
            "(`module avail dds-cli` lists the ones there are)",
            InstallMethod.STANDALONE: f"download the newest executable from {RELEASES_URL}",
            InstallMethod.NOT_FOUND: "pipx install dds-cli (or `python -m pip install dds-cli`)",
        }.get(self.method, f"{python} -m pip install --upgrade dds-cli")


def _python_in(prefix: Path, host: HostFacts) -> str:
    candidate = prefix / ("Scripts/python.exe" if host.is_windows else "bin/python")
    return host.display_path(candidate)


def _site_packages(prefix: Path) -> Iterator[Path]:
    yield from prefix.glob("lib/python3*/site-packages")
    yield prefix / "Lib" / "site-packages"


def _dist_info(prefix: Path) -> Path | None:
    for site in _site_packages(prefix):
        for pattern in ("dds_cli-*.dist-info", "dds-cli-*.dist-info"):
            found = sorted(site.glob(pattern))
            if found:
                return found[-1]
    return None


def _metadata_version(dist_info: Path) -> str | None:
    try:
        with (dist_info / "METADATA").open(encoding="utf-8", errors="replace") as metadata:
            for line in metadata:
                if line.startswith("Version:"):
                    return line.partition(":")[2].strip()
                if not line.strip():  # headers end at the first blank line
                    break
    except OSError:
        return None
    return None


def _method_for(prefix: Path, dist_info: Path | None, host: HostFacts) -> InstallMethod:
    installer = ""
    if dist_info is not None:
        try:
            installer = (dist_info / "INSTALLER").read_text(encoding="utf-8", errors="replace").strip().lower()
        except OSError:
            installer = ""
    loaded = host.env.get("LOADEDMODULES", "")
    if any(m.split("/")[0].lower() in ("dds-cli", "dds_cli") for m in loaded.split(":") if m):
        return InstallMethod.MODULE
    if (prefix / "pipx_metadata.json").exists() or "pipx" in prefix.parts:
        return InstallMethod.PIPX
    if installer == "conda":
        return InstallMethod.CONDA
    if installer == "uv":
        return InstallMethod.UV
    if installer in ("pip", ""):
        return InstallMethod.PIP
    return InstallMethod.UNKNOWN


def _script_prefix(script: Path, host: HostFacts) -> Path | None:
    """The environment a console script belongs to: its shebang's Python, or its own folder."""
    try:
        with script.open("rb") as handle:
            head = handle.read(_SCRIPT_SNIFF_BYTES)
    except OSError:
        return None
    if head.startswith(b"#!"):
        first = head[2:].split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
        interpreter = first.split()[0] if first else ""
        if interpreter.endswith("/env"):  # "#!/usr/bin/env python3": the script's own folder
            return script.resolve().parent.parent
        return Path(interpreter).parent.parent if interpreter else None
    if host.is_windows and script.suffix.lower() == ".exe":
        return script.parent.parent  # <env>\Scripts\dds.exe launcher
    return None


def _is_pyinstaller(executable: Path) -> bool:
    try:
        with executable.open("rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - _COOKIE_TAIL_BYTES))
            return PYINSTALLER_COOKIE in handle.read()
    except OSError:
        return False


def _commands_on_path(host: HostFacts) -> Iterator[Path]:
    names = ("dds.exe", "dds") if host.is_windows else ("dds",)
    for folder in host.path_dirs:
        for name in names:
            candidate = folder / name
            if candidate.is_file():
                yield candidate
        try:
            for entry in folder.iterdir():
                if _STANDALONE_NAME.match(entry.name) and entry.is_file():
                    yield entry
        except OSError:
            continue


def _from_running_python(host: HostFacts) -> DdsInstallation | None:
    import sys
    from importlib import metadata

    try:
        dist = metadata.distribution(DIST_NAME)
    except metadata.PackageNotFoundError:
        return None
    prefix = Path(sys.prefix)
    dist_info = _dist_info(prefix)
    return DdsInstallation(method=_method_for(prefix, dist_info, host), version=dist.version, prefix=prefix)


def find_installation(host: HostFacts) -> DdsInstallation:
    """The dds-cli that `dds` on PATH runs, else the one in this Python, else a standalone build."""
    for command in _commands_on_path(host):
        prefix = _script_prefix(command, host)
        dist_info = _dist_info(prefix) if prefix is not None else None
        if prefix is not None and dist_info is not None:
            return DdsInstallation(
                method=_method_for(prefix, dist_info, host),
                version=_metadata_version(dist_info),
                executable=command,
                prefix=prefix,
            )
        if _is_pyinstaller(command):
            return DdsInstallation(method=InstallMethod.STANDALONE, executable=command)
    in_this_python = _from_running_python(host)
    if in_this_python is not None:
        return in_this_python
    return DdsInstallation(method=InstallMethod.NOT_FOUND)


_found_lock = threading.Lock()
_found: dict[int, tuple[HostFacts, DdsInstallation]] = {}


def installation_for(host: HostFacts) -> DdsInstallation:
    """:func:`find_installation`, once per host per process: several probes and the report ask."""
    with _found_lock:
        known = _found.get(id(host))
        if known is None:  # the host is kept with its answer, so no other object can take its id
            known = (host, find_installation(host))
            _found[id(host)] = known
        return known[1]
