from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dds_healthcheck.units import UnitError, format_bytes, format_duration, parse_rate, parse_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("5000000", 5_000_000, id="plain-bytes"),
        pytest.param("0", 0, id="zero"),
        pytest.param("12B", 12, id="bytes-unit"),
        pytest.param("1.5TB", 1_500_000_000_000, id="decimal-tb"),
        pytest.param("1.5tb", 1_500_000_000_000, id="lowercase"),
        pytest.param("750 GiB", 750 * 1024**3, id="space-gib"),
        pytest.param("2 kB", 2000, id="kb"),
        pytest.param("2KiB", 2048, id="kib"),
        pytest.param("3 MB", 3_000_000, id="mb"),
        pytest.param("1 PiB", 1024**5, id="pib"),
        pytest.param(" 4GB ", 4_000_000_000, id="padded"),
        pytest.param(".5 kB", 500, id="leading-dot"),
    ],
)
def test_parse_size_accepts_bytes_and_units(text: str, expected: int) -> None:
    """Plain bytes and kB..PB (1000) / KiB..PiB (1024) units, any case, optional space."""
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "TB", "1.5", "-5", "5 XB", "5 GB extra", "1e9", "five", "1,5GB", "1.5.2GB", "9" * 80, "10000 PB"],
)
def test_parse_size_rejects_anything_else_naming_the_value(text: str) -> None:
    """Bad sizes raise UnitError, and the message quotes what the user typed."""
    with pytest.raises(UnitError) as info:
        parse_size(text)
    assert repr(text[:64]) in str(info.value) or repr(text) in str(info.value)


@given(st.text(max_size=40))
def test_parse_size_raises_only_unit_error(text: str) -> None:
    """No input makes the size parser raise anything but the documented error."""
    try:
        value = parse_size(text)
    except UnitError:
        return
    assert value >= 0


@given(st.text(max_size=40))
def test_parse_rate_raises_only_unit_error(text: str) -> None:
    try:
        value = parse_rate(text)
    except UnitError:
        return
    assert value > 0


@pytest.mark.parametrize(
    ("text", "bytes_per_s"),
    [
        ("100Mbit/s", 12_500_000),
        ("1 Gbps", 125_000_000),
        ("12MB/s", 12_000_000),
        ("50 MiB/s", 50 * 1024**2),
        ("800 kbit/s", 100_000),
    ],
)
def test_parse_rate_accepts_bit_and_byte_rates(text: str, bytes_per_s: float) -> None:
    assert parse_rate(text) == pytest.approx(bytes_per_s)


@pytest.mark.parametrize("text", ["100", "0Mbit/s", "12 MB", "fast", "10 Mbit/h"])
def test_parse_rate_rejects_bad_rates(text: str) -> None:
    with pytest.raises(UnitError):
        parse_rate(text)


def test_format_helpers_are_human() -> None:
    assert format_bytes(999) == "999 B"
    assert format_bytes(1_500_000_000_000) == "1.5 TB"
    assert format_duration(45) == "45 s"
    assert format_duration(3 * 3600 + 12 * 60) == "3 h 12 min"
    assert format_duration(7 * 86400) == "7 d 0 h"
