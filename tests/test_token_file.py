from __future__ import annotations

import datetime
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dds_healthcheck.token_file import TokenFormatError, parse_expiry, parse_token
from tests.helpers import b64url, make_token

UTC = datetime.timezone.utc


@pytest.mark.parametrize(
    ("exp", "expected"),
    [
        pytest.param(
            "2026-12-05T14:51:06.218798",
            datetime.datetime(2026, 12, 5, 14, 51, 6, 218798, tzinfo=UTC),
            id="naive-micro",
        ),
        pytest.param("2026-12-05T14:51:06", datetime.datetime(2026, 12, 5, 14, 51, 6, tzinfo=UTC), id="naive"),
        pytest.param("2026-12-05T14:51:06Z", datetime.datetime(2026, 12, 5, 14, 51, 6, tzinfo=UTC), id="zulu"),
        pytest.param("2026-12-05T16:51:06+02:00", datetime.datetime(2026, 12, 5, 14, 51, 6, tzinfo=UTC), id="offset"),
    ],
)
def test_expiry_is_read_as_utc(exp: str, expected: datetime.datetime) -> None:
    """A naive exp means UTC (how dds_web writes it); explicit offsets are converted."""
    assert parse_token(make_token(exp=exp).encode()).expires_at == expected


def test_partial_token_has_no_expiry() -> None:
    header = parse_token(make_token().encode())
    assert header.expires_at is None
    assert header.algorithm == "A256KW"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"x", id="one-byte"),
        pytest.param(b"\x00\xff\xfe" * 20, id="binary"),
        pytest.param(b"a.b.c.d", id="four-parts"),
        pytest.param(b"!!!.b.c.d.e", id="not-base64"),
        pytest.param((b64url(b"not json") + ".b.c.d.e").encode(), id="not-json"),
        pytest.param((b64url(b"[1,2]") + ".b.c.d.e").encode(), id="json-array"),
        pytest.param(make_token(exp="yesterday").encode(), id="garbage-exp"),
        pytest.param(make_token({"exp": 1700000000}).encode(), id="numeric-exp"),
        pytest.param(
            b64url(json.dumps({"exp": "9999-12-31T23:59:59-01:00"}).encode()).encode() + b".b.c.d.e", id="overflow"
        ),
    ],
)
def test_malformed_tokens_raise_token_format_error(raw: bytes) -> None:
    with pytest.raises(TokenFormatError):
        parse_token(raw)


def test_error_messages_never_quote_the_token() -> None:
    """The token is a secret: a parse error describes it without repeating it."""
    token = make_token(exp="not-a-date")
    with pytest.raises(TokenFormatError) as info:
        parse_token(token.encode())
    for piece in token.split("."):
        assert piece[:16] not in str(info.value)


@given(st.binary(max_size=300))
def test_token_parser_raises_only_token_format_error(raw: bytes) -> None:
    try:
        parse_token(raw)
    except TokenFormatError:
        pass


@given(st.dictionaries(st.text(max_size=5), st.one_of(st.text(max_size=30), st.integers(), st.none(), st.floats())))
def test_header_parser_raises_only_token_format_error(header: dict[str, object]) -> None:
    raw = (b64url(json.dumps(header).encode()) + ".b.c.d.e").encode()
    try:
        parse_token(raw)
    except TokenFormatError:
        pass


@given(st.text(max_size=40))
def test_expiry_parser_raises_only_token_format_error(text: str) -> None:
    try:
        parse_expiry(text)
    except TokenFormatError:
        pass
