from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dds_healthcheck.context import Settings
from dds_healthcheck.testing import make_settings
from tests.fake_dds import FakeDDS, fake_dds
from tests.helpers import LocalServer, local_server, make_token


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a token file, destination and cache inside tmp_path."""
    return make_settings(tmp_path)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A real HTTP server on 127.0.0.1."""
    with local_server() as running:
        yield running


@pytest.fixture
def dds_token() -> str:
    """The token the fake DDS accepts; a module can override it."""
    return make_token(exp="2026-12-09T12:00:00")


@pytest.fixture
def dds(dds_token: str) -> Iterator[FakeDDS]:
    """A fake DDS API on 127.0.0.1 that accepts ``dds_token``."""
    with fake_dds(dds_token) as running:
        yield running
