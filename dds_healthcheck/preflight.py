"""Read a `dds data get` / `dds data put` command line and size what it will need.

Only the options that matter for the checks are interpreted; the rest are recognised so
that their values are not mistaken for others. The option lists are those of dds-cli 2.15.1.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Sequence
from pathlib import Path

#: Global options of `dds`: name -> takes a value.
GLOBAL_OPTIONS = {
    "-v": False, "--verbose": False, "--force-no-log": False, "-l": True, "--log-file": True,
    "--no-prompt": False, "--token-path": True, "-tp": True, "--version": False, "--help": False,
}  # fmt: skip
#: Options of `dds data get` and `dds data put`.
DATA_OPTIONS = {
    "get": {
        "--project": True, "-p": True, "--num-threads": True, "-nt": True, "--source": True, "-s": True,
        "--source-path-file": True, "-spf": True, "--destination": True, "-d": True, "--break-on-fail": False,
        "--silent": False, "--get-all": False, "-a": False, "--verify-checksum": False, "--help": False,
    },
    "put": {
        "--mount-dir": True, "-md": True, "--project": True, "-p": True, "--source": True, "-s": True,
        "--source-path-file": True, "-spf": True, "--num-threads": True, "-nt": True, "--destination": True,
        "-d": True, "--overwrite": False, "--break-on-fail": False, "--silent": False, "--help": False,
    },
}  # fmt: skip
CANONICAL = {
    "-l": "--log-file", "-tp": "--token-path", "-p": "--project", "-nt": "--num-threads", "-s": "--source",
    "-spf": "--source-path-file", "-d": "--destination", "-a": "--get-all", "-md": "--mount-dir", "-v": "--verbose",
}  # fmt: skip
DEFAULT_THREADS = 4
MAX_THREADS = 32


class CommandError(ValueError):
    """The wrapped command cannot be understood; the message names the part."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class DdsCommand:
    argv: tuple[str, ...]
    action: str  #: "get" or "put"
    token_path: str | None = None
    no_prompt: bool = False
    project: str | None = None
    sources: tuple[str, ...] = ()
    source_path_file: str | None = None
    get_all: bool = False
    destination: str | None = None
    mount_dir: str | None = None
    num_threads: int = DEFAULT_THREADS


def _options(args: Sequence[str], known: dict[str, bool], where: str) -> tuple[dict[str, list[str]], list[str]]:
    """Options (canonical name -> values; flags get "") and the positional words, in order."""
    found: dict[str, list[str]] = {}
    positional: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            positional.extend(args[index + 1 :])
            break
        if not word.startswith("-") or word == "-":
            positional.append(word)
            if where == "global":  # the subcommand starts here; its own options follow
                positional.extend(args[index + 1 :])
                break
            index += 1
            continue
        name, has_inline, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        if name not in known:
            msg = f"unknown {where} option {name!r} in the dds command"
            raise CommandError(msg)
        canonical = CANONICAL.get(name, name)
        if known[name]:
            if has_inline:
                value = inline
            elif index + 1 < len(args):
                index += 1
                value = args[index]
            else:
                msg = f"{name} needs a value in the dds command"
                raise CommandError(msg)
            found.setdefault(canonical, []).append(value)
        else:
            found.setdefault(canonical, []).append("")
        index += 1
    return found, positional


def parse_dds_command(argv: Sequence[str]) -> DdsCommand:
    """The wrapped `dds ... data get|put ...` command; :class:`CommandError` for anything else."""
    if not argv:
        msg = "no command given after '--' (for example: -- dds data get -p PROJECT -a)"
        raise CommandError(msg)
    global_options, rest = _options(argv[1:], GLOBAL_OPTIONS, "global")
    if len(rest) < 2 or rest[0] != "data" or rest[1] not in DATA_OPTIONS:  # noqa: PLR2004
        shown = " ".join(rest[:2]) or "nothing"
        msg = f"the preflight understands `dds data get` and `dds data put`, not {shown!r}"
        raise CommandError(msg)
    action = rest[1]
    options, positional = _options(rest[2:], DATA_OPTIONS[action], f"`dds data {action}`")
    if positional:
        msg = f"unexpected argument {positional[0]!r} in the dds command"
        raise CommandError(msg)
    threads_text = (options.get("--num-threads") or [str(DEFAULT_THREADS)])[-1]
    try:
        threads = int(threads_text)
    except ValueError:
        threads = -1
    if not 1 <= threads <= MAX_THREADS:
        msg = f"--num-threads {threads_text!r} is not a whole number from 1 to {MAX_THREADS}"
        raise CommandError(msg)

    def last(name: str) -> str | None:
        values = options.get(name) or global_options.get(name)
        return values[-1] if values else None

    return DdsCommand(
        argv=tuple(argv),
        action=action,
        token_path=global_options["--token-path"][-1] if "--token-path" in global_options else None,
        no_prompt="--no-prompt" in global_options,
        project=last("--project"),
        sources=tuple(options.get("--source", [])),
        source_path_file=last("--source-path-file"),
        get_all="--get-all" in options,
        destination=last("--destination"),
        mount_dir=last("--mount-dir"),
        num_threads=threads,
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class UploadSize:
    total_bytes: int
    files: int
    largest_file_bytes: int
    missing: tuple[str, ...]  #: sources that do not exist


def size_sources(sources: Sequence[str], working_dir: Path) -> UploadSize:
    """Total and largest file size under the sources (symlinks to files are followed, as dds reads them)."""
    total = files = largest = 0
    missing: list[str] = []
    folders: list[str] = []
    for source in sources:
        path = os.path.join(working_dir, os.path.expanduser(source))
        if os.path.isfile(path):
            size = os.stat(path).st_size
            total, files, largest = total + size, files + 1, max(largest, size)
        elif os.path.isdir(path):
            folders.append(path)
        else:
            missing.append(source)
    for folder in folders:
        tree_total, tree_files, tree_largest = _walk(folder)
        total, files, largest = total + tree_total, files + tree_files, max(largest, tree_largest)
    return UploadSize(total_bytes=total, files=files, largest_file_bytes=largest, missing=tuple(missing))


def _walk(top: str) -> tuple[int, int, int]:
    """(bytes, files, largest) under ``top``.

    Directories are opened and listed by file descriptor, so each file is stat'ed relative
    to its folder (fstatat) rather than by its full path: this walk has to stay close to
    `du` on trees of hundreds of thousands of files.
    """
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    if os.name == "nt" or os.scandir not in os.supports_fd:  # pragma: no cover - Windows
        return _walk_by_path(top)
    total = files = largest = 0
    seen: set[tuple[int, int]] = set()
    stack = [os.open(top, flags)]
    while stack:
        fd = stack.pop()
        try:
            info = os.fstat(fd)
            if (info.st_dev, info.st_ino) in seen:  # a symlink loop
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(fd) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir():
                            stack.append(os.open(entry.name, flags, dir_fd=fd))
                            continue
                        status = entry.stat()
                    except OSError:
                        continue
                    if stat.S_ISREG(status.st_mode):
                        size = status.st_size
                        total += size
                        files += 1
                        largest = max(largest, size)
        except OSError:
            continue
        finally:
            os.close(fd)
    return total, files, largest


def _walk_by_path(top: str) -> tuple[int, int, int]:  # pragma: no cover - Windows
    total = files = largest = 0
    for root, _dirs, names in os.walk(top, followlinks=False):
        for name in names:
            try:
                size = os.stat(os.path.join(root, name)).st_size
            except OSError:
                continue
            total, files, largest = total + size, files + 1, max(largest, size)
    return total, files, largest


def read_source_path_file(path: Path) -> tuple[str, ...]:
    """The paths listed in a --source-path-file, one per line."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        return tuple(line.strip() for line in handle if line.strip())
