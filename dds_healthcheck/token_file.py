"""Read-only access to the DDS token file and its JWE header.

`dds` itself deletes an expired token and crashes on a corrupt one; nothing here changes
the file. The token text never leaves this module except as a parsed header, and no
message raised here contains any part of it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import enum
import errno
import json
import os
import stat
from pathlib import Path

#: A real token is about 1 kB; anything much larger is not a token and is not read whole.
MAX_TOKEN_BYTES = 64 * 1024


class FileKind(str, enum.Enum):
    MISSING = "missing"
    REGULAR = "regular"
    DIRECTORY = "directory"
    SPECIAL = "special"  #: FIFO, socket or device: never opened, a FIFO would block
    DANGLING_SYMLINK = "dangling-symlink"
    SYMLINK_LOOP = "symlink-loop"
    INACCESSIBLE = "inaccessible"  #: a parent directory cannot be searched


@dataclasses.dataclass(frozen=True, kw_only=True)
class TokenFileState:
    """What ``stat`` says about the token file, without opening it."""

    kind: FileKind
    is_symlink: bool = False
    symlink_target: str | None = None
    mode: int | None = None  #: permission bits only, e.g. 0o600
    uid: int | None = None
    size: int | None = None
    error: str | None = None  #: the OS error for INACCESSIBLE


def inspect_token_file(path: Path) -> TokenFileState:
    try:
        link = os.lstat(path)
    except FileNotFoundError:
        return TokenFileState(kind=FileKind.MISSING)
    except NotADirectoryError:
        return TokenFileState(kind=FileKind.MISSING, error="a parent of the path is a file")
    except OSError as exc:
        return TokenFileState(kind=FileKind.INACCESSIBLE, error=exc.strerror or str(exc))
    is_symlink = stat.S_ISLNK(link.st_mode)
    target = None
    if is_symlink:
        try:
            target = os.readlink(path)
        except OSError:
            target = None
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return TokenFileState(kind=FileKind.DANGLING_SYMLINK, is_symlink=True, symlink_target=target)
        except OSError as exc:
            kind = FileKind.SYMLINK_LOOP if exc.errno == errno.ELOOP else FileKind.INACCESSIBLE
            return TokenFileState(kind=kind, is_symlink=True, symlink_target=target, error=exc.strerror or str(exc))
    else:
        st = link
    if stat.S_ISDIR(st.st_mode):
        kind = FileKind.DIRECTORY
    elif stat.S_ISREG(st.st_mode):
        kind = FileKind.REGULAR
    else:
        kind = FileKind.SPECIAL
    return TokenFileState(
        kind=kind,
        is_symlink=is_symlink,
        symlink_target=target,
        mode=stat.S_IMODE(st.st_mode),
        uid=st.st_uid,
        size=st.st_size,
    )


def _open_for_reading(path: Path) -> int:
    # O_NONBLOCK: if the file was swapped for a FIFO after the stat, open must not hang.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except BaseException:
        os.close(fd)
        raise
    if not regular:
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file")
    return fd


def can_read(path: Path) -> OSError | None:
    """None when the file can be opened for reading, else the error that stops it."""
    try:
        os.close(_open_for_reading(path))
    except OSError as exc:
        return exc
    return None


def read_token_bytes(path: Path) -> bytes:
    """The file's bytes, at most MAX_TOKEN_BYTES + 1 of them (so "too large" can be told)."""
    fd = _open_for_reading(path)
    try:
        chunks: list[bytes] = []
        remaining = MAX_TOKEN_BYTES + 1
        while remaining > 0:
            chunk = os.read(fd, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


class TokenFormatError(ValueError):
    """The text is not a DDS token; the message never quotes the token."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class TokenHeader:
    """The protected header of the token: the only part readable without the server's key."""

    algorithm: str | None
    encryption: str | None
    #: Expiry in aware UTC; None for a partial (pre-2FA) token, which has no ``exp``.
    expires_at: datetime.datetime | None


def _b64url_decode(segment: str) -> bytes:
    padded = segment + "=" * (-len(segment) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def parse_expiry(value: object) -> datetime.datetime:
    """The header's ``exp``: an ISO 8601 string, naive meaning UTC (how the DDS server writes it)."""
    if not isinstance(value, str):
        msg = f"its expiry time is a {type(value).__name__}, not a date and time"
        raise TokenFormatError(msg)
    text = value.strip()
    if text.endswith(("Z", "z")):  # fromisoformat before Python 3.11 does not accept "Z"
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        msg = "its expiry time is not a valid ISO 8601 date and time"
        raise TokenFormatError(msg) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.timezone.utc)
    try:
        return moment.astimezone(datetime.timezone.utc)
    except OverflowError:  # e.g. 9999-12-31T23:59-01:00 is past the end of time
        msg = "its expiry time is out of range"
        raise TokenFormatError(msg) from None


def parse_token(raw: bytes) -> TokenHeader:
    """Decode the JWE protected header of a compact-serialised token."""
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        msg = "it contains binary data, not a token"
        raise TokenFormatError(msg) from None
    segments = text.split(".")
    if len(segments) != 5:  # noqa: PLR2004 - compact JWE: header.key.iv.ciphertext.tag
        msg = f"it has {len(segments)} dot-separated parts; a DDS token (compact JWE) has 5"
        raise TokenFormatError(msg)
    try:
        header = json.loads(_b64url_decode(segments[0]))
    except (binascii.Error, ValueError):
        msg = "its header is not base64-encoded JSON"
        raise TokenFormatError(msg) from None
    if not isinstance(header, dict):
        msg = "its header is not a JSON object"
        raise TokenFormatError(msg)
    exp = header.get("exp")
    alg, enc = header.get("alg"), header.get("enc")
    return TokenHeader(
        algorithm=alg if isinstance(alg, str) else None,
        encryption=enc if isinstance(enc, str) else None,
        expires_at=None if exp is None else parse_expiry(exp),
    )
