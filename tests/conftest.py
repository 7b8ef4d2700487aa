from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dds_healthcheck.context import Settings
from dds_healthcheck.testing import make_settings
from tests.helpers import LocalServer, local_server


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a token file, destination and cache inside tmp_path."""
    return make_settings(tmp_path)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A real HTTP server on 127.0.0.1."""
    with local_server() as running:
        yield running
