"""Modules that probes import lazily, named once so that the runner can import them first."""

from __future__ import annotations

#: What requests-based probes need: requests itself and what it imports on first use.
HTTP = ("requests", "urllib3", "http.client", "encodings.idna", "email.parser", "email.feedparser")
#: What reading package metadata needs (dds-cli's version, entry points).
METADATA = ("importlib.metadata", "email.parser", "email.feedparser", "email.message")
