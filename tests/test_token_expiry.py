from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

from dds_healthcheck.context import Settings
from dds_healthcheck.model import Result, Status
from dds_healthcheck.probes import TokenExpiry
from dds_healthcheck.testing import FIXED_NOW, check, make_context, replace
from tests.helpers import make_token

TB = 1_000_000_000_000


def _write(settings: Settings, content: str | bytes, mode: int = 0o600) -> Path:
    path = settings.token_path
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    path.chmod(mode)
    return path


def _expiring_in(delta: datetime.timedelta) -> str:
    return make_token(exp=(FIXED_NOW + delta).replace(tzinfo=None).isoformat())


def _run(settings: Settings, upstream: dict[str, Result] | None = None):
    return check(TokenExpiry(), make_context(settings, upstream=upstream))


def test_missing_token_warns_to_log_in(settings: Settings) -> None:
    rv = _run(settings)
    assert rv.status is Status.WARN
    assert "not logged in" in rv.summary
    assert "dds auth login" in rv.remedy


def test_expired_token_fails(settings: Settings) -> None:
    _write(settings, _expiring_in(-datetime.timedelta(hours=2)))
    rv = _run(settings)
    assert rv.status is Status.FAIL
    assert "expired 2 h 0 min ago" in rv.summary
    assert rv.sections == ("H",)


def test_less_than_six_hours_left_warns(settings: Settings) -> None:
    _write(settings, _expiring_in(datetime.timedelta(hours=5, minutes=59)))
    rv = _run(settings)
    assert rv.status is Status.WARN
    assert rv.data["seconds_left"] == (5 * 60 + 59) * 60


def test_fresh_token_is_ok(settings: Settings) -> None:
    _write(settings, _expiring_in(datetime.timedelta(days=6)))
    rv = _run(settings)
    assert rv.status is Status.OK
    assert rv.data["expires_at"] == "2026-12-09T12:00:00+00:00"


def test_expiry_far_beyond_the_token_lifetime_points_at_the_clock(settings: Settings) -> None:
    _write(settings, _expiring_in(datetime.timedelta(days=9)))
    rv = _run(settings)
    assert rv.status is Status.WARN
    assert "clock" in rv.summary


@pytest.mark.parametrize(
    ("content", "words"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"z", "not a DDS token", id="one-byte"),
        pytest.param(os.urandom(200), "not a DDS token", id="binary"),
        pytest.param(b"x" * (100 * 1024), "too large", id="huge"),
        pytest.param(make_token(exp="soon").encode(), "not a DDS token", id="garbage-exp"),
    ],
)
def test_broken_token_files_fail_with_a_clear_message(settings: Settings, content: bytes, words: str) -> None:
    _write(settings, content)
    rv = _run(settings)
    assert rv.status is Status.FAIL
    assert words in rv.summary
    assert "G" in rv.sections


def test_partial_token_without_exp_fails(settings: Settings) -> None:
    """A token without exp is a pre-2FA leftover: never usable, never to be sent anywhere."""
    _write(settings, make_token())
    rv = _run(settings)
    assert rv.status is Status.FAIL
    assert "no expiry" in rv.summary


def test_delivery_that_outlasts_the_token_fails_at_a_known_rate(settings: Settings) -> None:
    """2 TB at 100 Mbit/s takes ~44 h; a token with 24 h left cannot last."""
    _write(settings, _expiring_in(datetime.timedelta(hours=24)))
    rv = _run(replace(settings, size_bytes=2 * TB, bandwidth_bytes_per_s=12_500_000))
    assert rv.status is Status.FAIL
    assert rv.data["rate_source"] == "given with --bandwidth"
    assert rv.data["estimated_transfer_s"] == 160000


def test_an_assumed_rate_only_warns(settings: Settings) -> None:
    """Without a measurement or --bandwidth the estimate is a guess: warn, do not fail."""
    _write(settings, _expiring_in(datetime.timedelta(hours=24)))
    rv = _run(replace(settings, size_bytes=2 * TB))
    assert rv.status is Status.WARN
    assert rv.data["rate_source"] == "assumed"
    assert "--bandwidth" in rv.remedy


def test_a_measured_rate_is_preferred(settings: Settings) -> None:
    _write(settings, _expiring_in(datetime.timedelta(hours=100)))
    measured = Result(id="network.throughput", title="t", status=Status.OK, summary="s", data={"bytes_per_s": 1e9})
    rv = _run(
        replace(settings, size_bytes=2 * TB, bandwidth_bytes_per_s=1e6), upstream={"network.throughput": measured}
    )
    assert rv.status is Status.OK
    assert rv.data["rate_source"] == "measured"


def test_little_margin_warns(settings: Settings) -> None:
    _write(settings, _expiring_in(datetime.timedelta(hours=50)))
    rv = _run(replace(settings, size_bytes=2 * TB, bandwidth_bytes_per_s=12_500_000))
    assert rv.status is Status.WARN
    assert "little more" in rv.summary


def test_expired_token_is_not_deleted_or_touched(settings: Settings) -> None:
    """Unlike dds, the check never deletes an expired token: bytes, mode, mtime stay."""
    path = _write(settings, _expiring_in(-datetime.timedelta(days=1)))
    before = (path.read_bytes(), path.stat().st_mode, path.stat().st_mtime_ns)
    _run(settings)
    assert (path.read_bytes(), path.stat().st_mode, path.stat().st_mtime_ns) == before


def test_summary_and_data_never_contain_the_token(settings: Settings) -> None:
    token = _expiring_in(datetime.timedelta(hours=3))
    _write(settings, token)
    rv = _run(settings)
    text = repr(rv)
    for piece in token.split("."):
        assert piece[:16] not in text


def test_directory_instead_of_token_fails(settings: Settings) -> None:
    settings.token_path.mkdir()
    assert _run(settings).status is Status.FAIL
