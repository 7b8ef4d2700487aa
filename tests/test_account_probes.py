"""account, project, netrc and network.throughput, against a fake DDS and real local servers."""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

import pytest

from dds_healthcheck.context import Settings
from dds_healthcheck.model import Result, Status
from dds_healthcheck.probe import Probe
from dds_healthcheck.probes import Account, NetrcEntry, NetworkThroughput, Project
from dds_healthcheck.testing import FIXED_NOW, check, make_context, make_host, replace
from tests.fake_dds import FakeDDS
from tests.helpers import LocalServer, make_token

TOKEN = make_token(exp="2026-12-09T12:00:00")


@pytest.fixture
def dds_token() -> str:
    return TOKEN


@pytest.fixture
def logged_in(settings: Settings) -> Settings:
    settings.token_path.write_text(TOKEN)
    settings.token_path.chmod(0o600)
    return settings


def _check(
    probe: Probe,
    settings: Settings,
    api_url: str,
    env: dict[str, str] | None = None,
    upstream: dict[str, Result] | None = None,
    home: Path | None = None,
) -> Result:
    host = make_host(env=env or {}, **({"home": home} if home else {}))
    return check(probe, make_context(replace(settings, api_url=api_url), host=host, upstream=upstream))


# -- account ----------------------------------------------------------------------------


def test_account_accepted_reports_the_role_but_not_the_identity(logged_in: Settings, dds: FakeDDS) -> None:
    rv = _check(Account(), logged_in, dds.url)
    assert rv.status is Status.OK
    assert rv.data["role"] == "Researcher"
    assert "rita" not in repr(rv)
    assert dds.violations() == []
    assert dds.authorised_paths() == ["/api/v1/user/info"]


def test_include_identity_adds_user_name_and_email(logged_in: Settings, dds: FakeDDS) -> None:
    rv = _check(Account(), replace(logged_in, include_identity=True), dds.url)
    assert rv.data["username"] == "rita"
    assert rv.data["email"] == "rita@uni.example"


@pytest.mark.parametrize(
    ("mode", "words", "sections"),
    [
        pytest.param("expired", "no longer accepts", ("C", "D"), id="server-says-expired"),
        pytest.param("invalid", "DDS_CLI_ENV", ("C", "D"), id="other-instance"),
        pytest.param("deactivated", "deactivated", ("C", "D"), id="deactivated"),
        pytest.param("maintenance", "maintenance", ("M",), id="maintenance"),
        pytest.param("html-500", "failed to answer", ("M",), id="html-500"),
    ],
)
def test_account_refusals_are_explained(
    logged_in: Settings, dds: FakeDDS, mode: str, words: str, sections: tuple[str, ...]
) -> None:
    dds.mode = mode
    rv = _check(Account(), logged_in, dds.url)
    assert rv.status is Status.FAIL
    assert words in rv.summary + rv.remedy
    assert rv.sections == sections


def test_no_token_means_nothing_is_sent(settings: Settings, dds: FakeDDS) -> None:
    rv = _check(Account(), settings, dds.url)
    assert rv.status is Status.SKIP
    assert dds.server.requests == []


def test_partial_token_is_never_sent(settings: Settings, dds: FakeDDS) -> None:
    """A token without exp would make the server e-mail the user a one-time code."""
    settings.token_path.write_text(make_token())
    rv = _check(Account(), settings, dds.url)
    assert rv.status is Status.SKIP
    assert "never sent" in rv.summary
    assert dds.server.requests == []


def test_expired_token_is_not_sent(settings: Settings, dds: FakeDDS) -> None:
    settings.token_path.write_text(
        make_token(exp=(FIXED_NOW - datetime.timedelta(minutes=1)).replace(tzinfo=None).isoformat())
    )
    rv = _check(Account(), settings, dds.url)
    assert rv.status is Status.SKIP
    assert dds.server.requests == []


def test_token_is_only_sent_over_https(logged_in: Settings) -> None:
    """Plain HTTP is allowed only to a loopback address (for tests)."""
    rv = _check(Account(), logged_in, "http://dds.example.org")
    assert rv.status is Status.SKIP
    assert "not HTTPS" in rv.summary


def test_netrc_does_not_replace_the_token_in_our_own_requests(
    logged_in: Settings, dds: FakeDDS, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("default login someone password hunter2\n")
    rv = _check(Account(), logged_in, dds.url, env={"NETRC": str(netrc)})
    assert rv.status is Status.OK
    assert dds.violations() == []


# -- project ----------------------------------------------------------------------------


def _researcher() -> dict[str, Result]:
    return {"account": Result(id="account", title="a", status=Status.OK, summary="s", data={"role": "Researcher"})}


def _unit() -> dict[str, Result]:
    return {"account": Result(id="account", title="a", status=Status.OK, summary="s", data={"role": "Unit Personnel"})}


def test_project_without_id_is_skipped(logged_in: Settings, dds: FakeDDS) -> None:
    assert _check(Project(), logged_in, dds.url).status is Status.SKIP
    assert dds.server.requests == []


def test_available_project_is_ok_with_its_stored_size(logged_in: Settings, dds: FakeDDS) -> None:
    rv = _check(Project(), replace(logged_in, project="ab-proj-1"), dds.url, upstream=_researcher())
    assert rv.status is Status.OK
    assert rv.data["size_bytes"] == 1_500_000_000_000
    assert rv.data["size_kind"].startswith("stored")
    assert dds.authorised_paths() == ["/api/v1/proj/list"]


def test_lost_access_fails_with_the_access_fix_advice(logged_in: Settings, dds: FakeDDS) -> None:
    dds.projects[0]["Access"] = False
    rv = _check(Project(), replace(logged_in, project="ab-proj-1"), dds.url, upstream=_researcher())
    assert rv.status is Status.FAIL
    assert rv.sections == ("L",)
    assert "dds project access fix" in rv.remedy


@pytest.mark.parametrize(
    ("status", "upstream", "expected"),
    [
        pytest.param("In Progress", _researcher(), Status.FAIL, id="researcher-in-progress"),
        pytest.param("In Progress", _unit(), Status.OK, id="unit-in-progress"),
        pytest.param("Expired", _unit(), Status.FAIL, id="expired"),
        pytest.param("Archived", _researcher(), Status.FAIL, id="archived"),
        pytest.param("Deleted", _researcher(), Status.FAIL, id="deleted"),
    ],
)
def test_project_status_decides_what_is_possible(
    logged_in: Settings, dds: FakeDDS, status: str, upstream: dict[str, Result], expected: Status
) -> None:
    dds.projects[0]["Status"] = status
    rv = _check(Project(), replace(logged_in, project="ab-proj-1"), dds.url, upstream=upstream)
    assert rv.status is expected
    assert status in rv.summary


def test_unknown_project_fails(logged_in: Settings, dds: FakeDDS) -> None:
    rv = _check(Project(), replace(logged_in, project="zz-other"), dds.url, upstream=_researcher())
    assert rv.status is Status.FAIL
    assert "dds ls" in rv.remedy


# -- netrc ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "status", "entry"),
    [
        pytest.param(
            "machine delivery.scilifelab.se login rita password hunter2\n", Status.FAIL, "machine", id="machine"
        ),
        pytest.param(
            "machine other.example login x password hunter2\ndefault login y password hunter2\n",
            Status.FAIL,
            "default",
            id="default",
        ),
        pytest.param("machine other.example login x password hunter2\n", Status.OK, None, id="other-host"),
        pytest.param("machine delivery.scilifelab.se login\n", Status.FAIL, "machine", id="entry-without-password"),
        pytest.param("frobnicate delivery.scilifelab.se\n", Status.SKIP, None, id="unparsable"),
    ],
)
def test_netrc_entries_that_replace_the_token_fail(
    settings: Settings, tmp_path: Path, content: str, status: Status, entry: str | None
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".netrc").write_text(content)
    (home / ".netrc").chmod(0o600)
    rv = _check(NetrcEntry(), settings, "https://delivery.scilifelab.se", home=home)
    assert rv.status is status
    assert rv.data.get("entry") == entry
    assert "hunter2" not in repr(rv)
    assert "rita" not in repr(rv)
    if status is Status.FAIL:
        assert rv.sections == ("D",)
        assert "Missing or incorrect credentials" in rv.summary


def test_netrc_variable_is_honoured(settings: Settings, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("default login y password hunter2\n")
    rv = _check(
        NetrcEntry(),
        settings,
        "https://delivery.scilifelab.se",
        env={"NETRC": str(elsewhere)},
        home=tmp_path / "nohome",
    )
    assert rv.status is Status.FAIL


def test_no_netrc_is_ok(settings: Settings, tmp_path: Path) -> None:
    assert _check(NetrcEntry(), settings, "https://delivery.scilifelab.se", home=tmp_path).status is Status.OK


# -- network.throughput -----------------------------------------------------------------


def _paced_body(total: int, bytes_per_s: float) -> Any:
    def handler(request: Any) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "application/octet-stream")
        request.send_header("Content-Length", str(total))
        request.end_headers()
        chunk = b"\0" * 16384
        started = time.monotonic()
        sent = 0
        while sent < total:
            request.wfile.write(chunk)
            sent += len(chunk)
            ahead = sent / bytes_per_s - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)

    return handler


def test_throughput_without_url_is_skipped(settings: Settings) -> None:
    assert _check(NetworkThroughput(), settings, "https://x.example").status is Status.SKIP


def test_throughput_measures_a_paced_download(settings: Settings, server: LocalServer) -> None:
    """A server pacing at 4 MB/s: the measurement lands near it, after the warm-up."""
    server.routes["/blob"] = _paced_body(8_000_000, 4_000_000)
    url = f"{server.url}/blob?X-Amz-Signature=deadbeefcafe1234567890&X-Amz-Credential=AKIA"
    rv = _check(NetworkThroughput(), replace(settings, throughput_url=url), "https://x.example")
    assert rv.status is Status.OK
    assert 2_800_000 < rv.data["bytes_per_s"] < 5_200_000
    assert rv.data["warmup_excluded"] is True
    assert "deadbeef" not in repr(rv)
    assert "?" not in rv.data["url"]
    assert all("authorization" not in {k.lower() for k in h} for _, _, h in server.requests)


def test_throughput_tiny_file_is_called_unreliable(settings: Settings, server: LocalServer) -> None:
    server.routes["/tiny"] = lambda request: request.send_body(b"x" * 5000)
    rv = _check(NetworkThroughput(), replace(settings, throughput_url=f"{server.url}/tiny"), "https://x.example")
    assert rv.status is Status.WARN


def test_throughput_http_error_fails(settings: Settings, server: LocalServer) -> None:
    rv = _check(
        NetworkThroughput(), replace(settings, throughput_url=f"{server.url}/missing?sig=1"), "https://x.example"
    )
    assert rv.status is Status.FAIL
    assert "404" in rv.summary
