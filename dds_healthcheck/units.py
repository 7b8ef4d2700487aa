"""Parse and format sizes, rates and durations the way users type and read them."""

from __future__ import annotations

import decimal
import re

_SIZE_FACTORS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "pb": 1000**5,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
    "pib": 1024**5,
}
#: Bit rates, as network people write them; the value is bytes per second per unit.
_BIT_RATE_FACTORS = {
    "bit/s": decimal.Decimal(1) / 8,
    "kbit/s": decimal.Decimal(1000) / 8,
    "mbit/s": decimal.Decimal(1000**2) / 8,
    "gbit/s": decimal.Decimal(1000**3) / 8,
    "kbps": decimal.Decimal(1000) / 8,
    "mbps": decimal.Decimal(1000**2) / 8,
    "gbps": decimal.Decimal(1000**3) / 8,
}
_NUMBER_AND_UNIT = re.compile(r"\s*(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z/]*)\s*", re.ASCII)
#: Far more than any delivery; keeps absurd input from turning into absurd arithmetic.
MAX_SIZE_BYTES = 1000**6
_MAX_INPUT_CHARS = 64
_KILO = 1000


class UnitError(ValueError):
    """The text is not a size or rate; the message says what is accepted."""


def _split(text: str, what: str, accepted: str) -> tuple[decimal.Decimal, str]:
    match = _NUMBER_AND_UNIT.fullmatch(text) if len(text) <= _MAX_INPUT_CHARS else None
    if match is None:
        msg = f"{text!r} is not a {what}; use {accepted}"
        raise UnitError(msg)
    return decimal.Decimal(match.group(1)), match.group(2).lower()


def parse_size(text: str) -> int:
    """Bytes in ``text``: "5000000", "1.5TB", "750 GiB" (kB..PB are 1000-based, KiB..PiB 1024-based)."""
    accepted = "a byte count (5000000) or a number with a unit such as 1.5TB or 750GiB"
    number, unit = _split(text, "size", accepted)
    factor = _SIZE_FACTORS.get(unit)
    if factor is None:
        msg = f"{text!r} has an unknown unit {unit!r}; use B, kB, MB, GB, TB, PB or KiB, MiB, GiB, TiB, PiB"
        raise UnitError(msg)
    if factor == 1 and number != number.to_integral_value():
        msg = f"{text!r} is a fraction of a byte; give whole bytes or add a unit (1.5GB)"
        raise UnitError(msg)
    value = int((number * factor).to_integral_value(rounding=decimal.ROUND_CEILING))
    if value > MAX_SIZE_BYTES:
        msg = f"{text!r} is larger than any delivery this tool can reason about (1 EB)"
        raise UnitError(msg)
    return value


def parse_rate(text: str) -> float:
    """Bytes per second in ``text``: "100Mbit/s", "1 Gbps", "12MB/s", "50 MiB/s"."""
    accepted = "a rate such as 100Mbit/s, 1Gbps, 12MB/s or 50MiB/s"
    number, unit = _split(text, "rate", accepted)
    if unit in _BIT_RATE_FACTORS:
        value = number * _BIT_RATE_FACTORS[unit]
    elif unit.endswith("/s") and unit[:-2] in _SIZE_FACTORS and unit[:-2]:
        value = number * _SIZE_FACTORS[unit[:-2]]
    else:
        msg = f"{text!r} is not a rate; use {accepted}"
        raise UnitError(msg)
    if value <= 0:
        msg = f"{text!r} is zero; a transfer at that rate never ends"
        raise UnitError(msg)
    if value > MAX_SIZE_BYTES:
        msg = f"{text!r} is faster than any link this tool can reason about"
        raise UnitError(msg)
    return float(value)


def format_bytes(count: float) -> str:
    """Human size with 1000-based units, as `dds ls --size` shows by default: "1.5 TB"."""
    value = float(count)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(value) < _KILO or unit == "PB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= _KILO
    raise AssertionError  # pragma: no cover - the loop always returns


def format_duration(seconds: float) -> str:
    """Coarse human duration: "45 s", "12 min", "3 h 12 min", "6 d 23 h"."""
    total = max(0, round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def format_rate(bytes_per_s: float) -> str:
    return f"{format_bytes(bytes_per_s)}/s ({bytes_per_s * 8 / 1e6:.0f} Mbit/s)"
