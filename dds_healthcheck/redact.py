"""Scrub what leaves the process, counting what was removed.

Every output gets the token removed and the home folder written as ``~``; the support
report (`dds-healthcheck report`) also removes presigned-URL signatures, proxy passwords,
user and host names, e-mail and IP addresses.
"""

from __future__ import annotations

import collections
import ipaddress
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REDACTED = "[redacted]"
#: A URL's query string, where presigned URLs carry their signature (valid for 7 days).
URL_QUERY = re.compile(r"(https?://[^\s?'\"<>]+)\?[^\s'\"<>]+")
_URL_CREDENTIALS = re.compile(r"([a-z][a-z0-9+.-]*://)[^\s/@:'\"]+(?::[^\s/@'\"]*)?@", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(
    r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){3,7}[0-9A-Fa-f]{1,4}(?![0-9A-Fa-f:])|\b(?:[0-9A-Fa-f]{1,4}:)+:[0-9A-Fa-f:]*"
)


def strip_url_queries(text: str) -> str:
    """Drop every URL's query string (presigned URLs carry their signature there)."""
    return URL_QUERY.sub(r"\1?" + REDACTED, text)


def _keep_loopback_and_versions(text: str) -> bool:
    """True for addresses that identify nobody (loopback, unspecified) or are not addresses."""
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return True
    return address.is_loopback or address.is_unspecified


class Redactor:
    def __init__(
        self,
        home: Path | str,
        secrets: Iterable[str] = (),
        *,
        username: str | None = None,
        hostname: str | None = None,
        emails: bool = False,
        addresses: bool = False,
        url_secrets: bool = True,
    ) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self._rules: list[tuple[str, Callable[[str], str]]] = []
        # Longest first, so a secret that contains another is removed whole.
        for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
            self._literal("token", secret, REDACTED)
        if url_secrets:
            self._regex("URL signatures", URL_QUERY, r"\1?" + REDACTED)
            self._regex("proxy passwords", _URL_CREDENTIALS, r"\1***@")
        home_text = str(home)
        if home_text not in ("", os.sep):
            # The home folder only where it ends a path component: "/home/al" must not eat "/home/alice".
            self._regex("home folder", re.compile(re.escape(home_text) + r"(?![^\\/\s'\":,;)\]}])"), "~")
        if emails:
            self._regex("e-mail addresses", _EMAIL, "[e-mail]")
        if username and len(username) >= 3:  # noqa: PLR2004 - shorter names would hit ordinary words
            self._regex("user names", re.compile(rf"(?<![\w.-]){re.escape(username)}(?![\w-])"), "[user]")
        if hostname and len(hostname) >= 3:  # noqa: PLR2004
            names = {hostname, hostname.split(".", 1)[0]}
            pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
            self._regex("host names", re.compile(rf"(?<![\w.-])(?:{pattern})(?![\w-])"), "[host]")
        if addresses:
            for expression in (_IPV4, _IPV6):
                self._regex("IP addresses", expression, "[ip]", keep=_keep_loopback_and_versions)

    def _literal(self, kind: str, secret: str, replacement: str) -> None:
        def apply(text: str) -> str:
            found = text.count(secret)
            if found:
                self.counts[kind] += found
                return text.replace(secret, replacement)
            return text

        self._rules.append((kind, apply))

    def _regex(
        self, kind: str, pattern: re.Pattern[str], replacement: str, keep: Callable[[str], bool] | None = None
    ) -> None:
        def substitute(match: re.Match[str]) -> str:
            if keep is not None and keep(match.group(0)):
                return match.group(0)
            self.counts[kind] += 1
            return match.expand(replacement)

        self._rules.append((kind, lambda text: pattern.sub(substitute, text)))

    def text(self, value: str) -> str:
        for _kind, apply in self._rules:
            value = apply(value)
        return value

    def tree(self, value: Any) -> Any:
        """A copy of a JSON-like value with every string (and key) scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.tree(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.tree(v) for v in value]
        return value
