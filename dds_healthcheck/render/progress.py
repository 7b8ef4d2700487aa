"""A one-line "still waiting for ..." note on stderr while slow probes run."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TextIO

#: Runs that finish faster than this show no progress line at all.
SHOW_AFTER_S = 0.3


class PendingLine:
    """Rewrites a single stderr line in place (carriage return, no ANSI codes)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._started = time.monotonic()
        self._width = 0

    def __call__(self, pending: Sequence[str]) -> None:
        if time.monotonic() - self._started < SHOW_AFTER_S:
            return
        text = "waiting for: " + ", ".join(pending)
        text = text[:79]
        self._write("\r" + text.ljust(self._width))
        self._width = len(text)

    def clear(self) -> None:
        if self._width:
            self._write("\r" + " " * self._width + "\r")
            self._width = 0

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken stderr must not end the run
