"""Recognise known DDS problems in error messages, logs and tracebacks.

The input is read line by line (bounded line length), so a 100 MB log needs little memory.
Each line is matched together with the two before it, with whitespace folded and rich's
right-hand "file.py:123" column removed, so that messages rich wrapped over several lines
are still found. Matches come back in order of first appearance, one per known message.
"""

from __future__ import annotations

import collections
import dataclasses
import re
import string
from collections.abc import Iterable, Iterator
from typing import IO, Any

from dds_healthcheck.deliveries import FailedDelivery, summarize_failed_delivery
from dds_healthcheck.redact import strip_url_queries

MAX_LINE_CHARS = 64 * 1024
WINDOW_LINES = 3
MAX_EXCERPT_CHARS = 240


@dataclasses.dataclass(frozen=True)
class Known:
    key: str
    sections: tuple[str, ...]
    #: What this particular message means, beyond its section's general text.
    note: str
    phrases: tuple[str, ...]
    regex: bool = False  #: phrases are regular expressions rather than plain text


def _k(key: str, sections: str, note: str, *phrases: str, regex: bool = False) -> Known:
    return Known(key, tuple(sections.split()), note, phrases, regex)


KNOWN: tuple[Known, ...] = (
    _k("invite-expired", "A", "The invitation link is no longer valid.",
       "This invitation link has expired or is invalid", "This invitation link is invalid",
       "Registration has already been completed", "Error in registration process, please go back"),
    _k("rate-limit", "B", "Too many logins from this network address within an hour.",
       "Too many authentication requests in one hour", r"Response code: 429\b", regex=True),
    _k("web-credentials", "C", "The web login refused the username or password.", "Invalid username or password"),
    _k("password-reset", "C.2", "The password was reset after the last login; log in again, and have "
       "project access renewed (`dds project access fix`).", "Password reset performed after last authentication"),
    _k("cli-credentials", "D", "The CLI's login was refused (wrong credentials, or a .netrc entry replacing them).",
       "Missing or incorrect credentials", "Non-empty username needed to be able to authenticate",
       "Non-empty password needed to be able to authenticate",
       "The entered username or password seems to contain invalid characters"),
    _k("deactivated", "D", "The account is deactivated; a Unit Admin of your unit can reactivate it.",
       "Your account has been deactivated"),
    _k("one-time-code-mail", "E", "The one-time code is sent by e-mail; it can be slow to arrive.",
       "We could not send your one-time code right now", "Please check your primary e-mail",
       "DDS One-Time Authentication Code"),
    _k("traceback", "G", "dds stopped with an unhandled error (a traceback).", "Traceback (most recent call last)"),
    _k("corrupt-token", "G H", "The saved token file is corrupt or from an unfinished login: delete it and "
       "run `dds auth login`.", "Token could not be deserialized",
       "Expiration time could not be found in the header of the token"),
    _k("old-cli", "G", "The server refuses this dds-cli version: upgrade it.",
       "You're using an old CLI version", "Incompatible version lengths", "No version found in request",
       "Your CLI version is trying to use functionality which is no longer in use"),
    _k("cli-bug", "G", "A known unhandled error in the CLI.", "Missing safespring information in response",
       "'str' object has no attribute 'get'", "Nonces do not match"),
    _k("long-log-name", "G", "The default log file name got too long (a long --destination or --mount-dir "
       "path); use --log-file with a short name.", r"\[Errno 36\] File name too long", regex=True),
    _k("token-expiring", "H", "The saved token is about to expire: log in again before a large delivery.",
       "Saved token will expire in"),
    _k("token-expired", "H", "The token expired; log in and run the same command again.",
       r"(?<![A-Za-z])Expired token\b", r"\bToken has expired\b", regex=True),
    _k("windows-token-note", "I", "Informational on Windows: keep the token file private.",
       "Storing the login information locally", "Failed to set token file permissions"),
    _k("token-mode", "J", "The token file's mode is not 600 (or 640 with --allow-group).",
       "Token file permissions are not properly set"),
    _k("token-unreadable", "J", "This account cannot read the token file (another user's token).",
       r"Permission denied: '[^']*dds_cli_token'", regex=True),
    _k("quota", "K", "The unit's storage quota is full.", "QuotaExceeded"),
    _k("key-error", "L", "Most likely lost project access (for example after a password reset).",
       "Unrecoverable key error", "You have lost access to this project", "Project access denied",
       "User private key could not be decrypted"),
    _k("project-status", "L.1", "The project's status does not allow this action.",
       "Project not in right status to upload/modify files", "Current Project status limits file download",
       "The project status must be 'Available'"),
    _k("server-error", "M", "The DDS had an error on its side.", r"\bInternal Server Error\b",
       r"Response code: 50[0-4]\. The request did not return a valid JSON response",
       r"The system encountered an error in the database", r"Unexpected database error",
       r"Database malfunction", r"SQLAlchemyError", regex=True),
    _k("database-down", "M S.1", "dds says this for any connection problem, including a proxy or a "
       "TLS-inspecting network on your side: run dds-healthcheck to tell which.",
       "The database seems to be down"),
    _k("maintenance", "M", "The DDS is under maintenance; try again when it is over.", "Maintenance of DDS is ongoing"),
    _k("buckets", "N", "The unit reached the storage provider's bucket limit.", "TooManyBuckets"),
    _k("upload-errors", "O", "Some files failed to upload; see the staging folder's logs.",
       "Errors occurred during upload", "Some file uploads experienced issues", "Upload partially completed",
       "dds_failed_delivery.json"),
    _k("deadlock", "P", "A status change may have gone through despite the error: check the status first.",
       "is already in the process of being changed", "Deadlock found when trying to get lock"),
    _k("totp", "Q", "Authenticator-app codes are refused: check the device's clock, or ask for a 2FA reset.",
       "Invalid time-based token", "Authentications with time-based token need to be at least 90 seconds apart",
       "you have not yet activated one-time authentication codes from authenticator app"),
    _k("hotp", "Q E", "The e-mailed one-time code was refused.", "Invalid one-time authentication code",
       "One-time authentication code has expired", "No one-time authentication code currently issued",
       "you entered a one-time authentication code from email"),
    _k("windows-banner", "R", "The console could not show dds's banner characters.",
       r"\\ufe35", "\ufe35", "NativeCommandError", regex=False),
    _k("download-retries", "S S.1", "A download kept failing: usually an unstable network.",
       r"Download attempt \d+/\d+ failed", r"could not be completed after \d+ attempts",
       r"Truncated download for", r"Size mismatch for", "Errors occurred during download", regex=True),
    _k("disk-full", "S.2", "The disk is full.", r"\[Errno 28\] No space left on device", regex=True),
    _k("file-missing", "S", "A file is in the database but not in storage.", "File not found! Please contact support"),
    _k("no-data", "T", "dds was not told what to transfer.", "No data specified",
       "Specify either '--source' or '--source-path-file'", "No files to download"),
)  # fmt: skip


def _compile(entry: Known) -> str:
    parts = []
    for phrase in entry.phrases:
        body = phrase if entry.regex else re.escape(phrase)
        parts.append(body.replace(r"\ ", " "))  # the text is folded to single spaces before matching
    return "|".join(parts)


def _anchors(entry: Known) -> list[str]:
    """Plain text that must be in a window for ``entry`` to match: the whole phrase when it is
    plain text, else its longest literal stretch. Multi-word anchors are rare in normal logs."""
    if not entry.regex:
        return list(entry.phrases)
    stretches = []
    for phrase in entry.phrases:
        pieces = [p.strip() for p in re.split(r"\\.|[\[\](){}.*+?|^$]", phrase)]
        stretches.append(max(pieces, key=len))
    return stretches


#: One alternation, so that each window of text is scanned once whatever the number of messages.
_SCANNER = re.compile("|".join(f"(?P<k{i}>{_compile(e)})" for i, e in enumerate(KNOWN)))
#: Cheap substring tests first; the scanner runs only on windows holding one of these.
_PUNCTUATION = string.punctuation + "\u2018\u2019\u201c\u201d"


def _anchor_word(anchor: str) -> str:
    """The anchor's longest word: one set lookup per word of a line tells whether to look closer."""
    words = [w.strip(_PUNCTUATION) for w in anchor.split()]
    return max((w for w in words if w), key=len, default=anchor)


_ANCHOR_WORDS = frozenset(_anchor_word(anchor) for entry in KNOWN for anchor in _anchors(entry))
_RICH_PATH_COLUMN = re.compile(r"\s{2,}[\w.\-]+\.py:\d+\s*$")
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{20,}(?:\.[A-Za-z0-9_-]{10,}){2,}")
_WHITESPACE = re.compile(r"\s+")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Recognised:
    key: str
    sections: tuple[str, ...]
    note: str
    first_line: int
    count: int
    excerpt: str


def clean_excerpt(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_EXCERPT_CHARS else text[: MAX_EXCERPT_CHARS - 3] + "..."


def _normalise(line: str) -> str:
    """One line folded to single spaces, without rich's path column, tokens or URL signatures.

    Secrets go here, before lines are joined and cut into excerpts: a cut could leave a
    piece of a token too short to be recognised as one.
    """
    folded = _WHITESPACE.sub(" ", _RICH_PATH_COLUMN.sub("", line.rstrip("\r\n"))).strip()
    return strip_url_queries(_TOKEN_LIKE.sub("[token redacted]", folded))


def scan_lines(lines: Iterable[str]) -> tuple[list[Recognised], int]:
    """(known messages found, lines read)."""
    found: dict[str, list[object]] = {}
    counts: collections.Counter[str] = collections.Counter()
    # Raw lines are kept and folded only when a window may hold a message: most log lines
    # cost one split and a set lookup.
    window: collections.deque[str] = collections.deque(maxlen=WINDOW_LINES - 1)
    anchored: collections.deque[bool] = collections.deque(maxlen=WINDOW_LINES)
    number = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        anchored.append(not _ANCHOR_WORDS.isdisjoint(w.strip(_PUNCTUATION) for w in raw.split()))
        if not any(anchored):  # no word of any known message in this window
            window.append(raw)
            continue
        current = _normalise(raw)
        before = " ".join(_normalise(line) for line in window)
        text = f"{before} {current}" if before else current
        start_of_current = len(text) - len(current)
        for match in _SCANNER.finditer(text):
            if match.end() <= start_of_current:  # counted when the window held its last line
                continue
            key = KNOWN[int((match.lastgroup or "k0")[1:])].key
            counts[key] += 1
            if key not in found:
                context = text[max(0, match.start() - 80) : match.end() + 80]
                found[key] = [number, clean_excerpt(context)]
        window.append(raw)
    by_key = {k.key: k for k in KNOWN}
    recognised = [
        Recognised(
            key=key,
            sections=by_key[key].sections,
            note=by_key[key].note,
            first_line=int(str(first[0])),
            count=counts[key],
            excerpt=str(first[1]),
        )
        for key, first in found.items()
    ]
    return recognised, number


def read_lines(handle: IO[str]) -> Iterator[str]:
    """Lines of at most MAX_LINE_CHARS each (a longer line comes in pieces)."""
    while True:
        line = handle.readline(MAX_LINE_CHARS)
        if not line:
            return
        yield line


BINARY_SNIFF_BYTES = 8192


@dataclasses.dataclass(frozen=True, kw_only=True)
class Explanation:
    """What explain found in one input."""

    source: str
    lines_read: int
    binary: bool
    recognised: tuple[Recognised, ...]
    failed_delivery: FailedDelivery | None = None


def looks_like_failed_delivery(name: str, head: bytes) -> bool:
    return name.endswith("dds_failed_delivery.json") or (head.lstrip()[:1] == b"{" and b'"failed_op"' in head)


def explain_stream(stream: IO[bytes], source: str) -> Explanation:
    """Explain a byte stream (a file or stdin); never raises for odd content."""
    import io

    wrapped = not hasattr(stream, "peek")
    buffered: Any = io.BufferedReader(stream) if wrapped else stream  # type: ignore[arg-type,type-var,unused-ignore]
    text = io.TextIOWrapper(buffered, encoding="utf-8", errors="replace", newline=None)
    try:
        return _explain_text(text, buffered, source)
    finally:
        # The caller owns the stream: take our wrappers off without closing it.
        text.detach()
        if wrapped:
            buffered.detach()


def _explain_text(text: IO[str], buffered: Any, source: str) -> Explanation:
    head = buffered.peek(BINARY_SNIFF_BYTES)[:BINARY_SNIFF_BYTES]
    if b"\0" in head:
        return Explanation(source=source, lines_read=0, binary=True, recognised=())
    if looks_like_failed_delivery(source, head):
        summary = summarize_failed_delivery(text)
        recognised, _ = scan_lines(summary.messages)
        upload = "O" if summary.direction != "download" else "S"
        entry = Recognised(
            key="failed-delivery-file",
            sections=(upload,),
            note=f"A failed-delivery file: {summary.failed_files} files failed "
            f"({', '.join(f'{n} in {op}' for op, n in sorted(summary.failed_steps.items())) or 'no steps recorded'})"
            + (f"; reading stopped: {summary.error}" if summary.error else ""),
            first_line=1,
            count=summary.failed_files,
            excerpt="",
        )
        return Explanation(
            source=source, lines_read=0, binary=False, recognised=(entry, *recognised), failed_delivery=summary
        )
    recognised, lines = scan_lines(read_lines(text))
    return Explanation(source=source, lines_read=lines, binary=False, recognised=tuple(recognised))
