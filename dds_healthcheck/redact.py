"""Scrub what leaves the process: the home directory becomes ``~``, secrets disappear."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REDACTED = "[redacted]"


class Redactor:
    def __init__(self, home: Path | str, secrets: Iterable[str] = ()) -> None:
        home_text = str(home)
        # The home folder only where it ends a path component: "/home/al" must not eat "/home/alice".
        self._home = (
            re.compile(re.escape(home_text) + r"(?![^\\/\s'\":,;)\]}])") if home_text not in ("", os.sep) else None
        )
        # Longest first, so a secret that contains another is removed whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        if self._home is not None:
            value = self._home.sub("~", value)
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
