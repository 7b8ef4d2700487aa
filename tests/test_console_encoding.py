from __future__ import annotations

import pytest

from dds_healthcheck.context import Settings
from dds_healthcheck.host import StreamFacts, WindowsConsoleFacts
from dds_healthcheck.model import Status
from dds_healthcheck.probes import ConsoleEncoding
from dds_healthcheck.probes.console_encoding import can_encode
from dds_healthcheck.testing import check, make_context, make_host


def _streams(encoding: str | None, isatty: bool = True) -> tuple[StreamFacts, ...]:
    return (
        StreamFacts(name="stdout", encoding=encoding, errors="strict", isatty=isatty),
        StreamFacts(name="stderr", encoding=encoding, errors="backslashreplace", isatty=isatty),
    )


def _run(settings: Settings, **host: object):
    return check(ConsoleEncoding(), make_context(settings, host=make_host(**host)))


@pytest.mark.parametrize("encoding", ["utf-8", "UTF8", "utf-16", "gb18030"])
def test_encodings_that_carry_the_banner_are_ok(settings: Settings, encoding: str) -> None:
    assert _run(settings, streams=_streams(encoding)).status is Status.OK


@pytest.mark.parametrize("encoding", ["cp1252", "ascii", "latin-1", "cp437"])
def test_encodings_that_cannot_carry_the_banner_warn(settings: Settings, encoding: str) -> None:
    """dds prints U+FE35/U+FE36 on every start: section R."""
    rv = _run(settings, streams=_streams(encoding))
    assert rv.status is Status.WARN
    assert rv.sections == ("R",)
    assert "PYTHONUTF8=1" in rv.remedy


def test_redirected_stream_is_explained(settings: Settings) -> None:
    rv = _run(settings, streams=_streams("cp1252", isatty=False), system="Windows")
    assert "redirected" in rv.detail
    assert "chcp 65001" in rv.remedy


def test_report_names_the_variables_and_locale(settings: Settings) -> None:
    rv = _run(settings, env={"PYTHONIOENCODING": "cp1252", "PYTHONUTF8": "0"}, preferred_encoding="ANSI_X3.4-1968")
    assert rv.data["PYTHONIOENCODING"] == "cp1252"
    assert rv.data["PYTHONUTF8"] == "0"
    assert rv.data["locale_encoding"] == "ascii"


def test_legacy_windows_console_without_utf8_code_page_warns(settings: Settings) -> None:
    facts = WindowsConsoleFacts(output_code_page=850, legacy=True, windows_terminal=False)
    rv = _run(settings, system="Windows", read_windows_console=lambda: facts)
    assert rv.status is Status.WARN
    assert rv.data["code_page"] == 850
    assert "legacy" in rv.summary


def test_windows_terminal_with_utf8_is_ok(settings: Settings) -> None:
    facts = WindowsConsoleFacts(output_code_page=65001, legacy=False, windows_terminal=True)
    rv = _run(settings, system="Windows", read_windows_console=lambda: facts)
    assert rv.status is Status.OK
    assert rv.data["windows_terminal"] is True


def test_no_console_is_skipped(settings: Settings) -> None:
    assert _run(settings, streams=_streams(None)).status is Status.SKIP


def test_unknown_codec_cannot_encode() -> None:
    assert not can_encode("no-such-codec")
    assert not can_encode(None)
