"""api.status, api.motd, clock.skew, network.proxy and network.tls against real local servers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dds_healthcheck.context import Settings
from dds_healthcheck.model import Result, Status
from dds_healthcheck.probe import Probe
from dds_healthcheck.probes import ApiMotd, ApiStatus, ClockSkew, NetworkProxy, NetworkTls
from dds_healthcheck.proxies import redact_url, resolve_proxy
from dds_healthcheck.testing import check, make_context, make_host, replace
from tests.fake_dds import FakeDDS
from tests.helpers import closed_port, make_token
from tests.tls import KeyPair, https_server, make_ca, make_leaf, needs_openssl

TOKEN = make_token(exp="2099-01-01T00:00:00")


@pytest.fixture
def dds_token() -> str:
    return TOKEN


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A listener that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def _check(
    probe: Probe,
    settings: Settings,
    api_url: str,
    env: dict[str, str] | None = None,
    timeout_s: float = 10.0,
    upstream: dict[str, Result] | None = None,
) -> Result:
    ctx = make_context(
        replace(settings, api_url=api_url), host=make_host(env=env or {}), timeout_s=timeout_s, upstream=upstream
    )
    return check(probe, ctx)


# -- api.status ------------------------------------------------------------------------


def test_status_ready_is_ok(settings: Settings, dds: FakeDDS) -> None:
    rv = _check(ApiStatus(), settings, dds.url)
    assert rv.status is Status.OK
    assert rv.data["http_status"] == 200
    assert rv.data["server_date"]
    assert dds.violations() == []


def test_status_html_error_page_is_a_server_problem(settings: Settings, dds: FakeDDS) -> None:
    dds.mode = "html-500"
    rv = _check(ApiStatus(), settings, dds.url)
    assert rv.status is Status.FAIL
    assert rv.sections == ("M",)
    assert "502" in rv.summary


def test_status_non_json_page_is_not_the_dds(settings: Settings, dds: FakeDDS) -> None:
    dds.server.routes["/status"] = lambda request: request.send_body(
        b"<html>Welcome to Hotel Wi-Fi</html>", content_type="text/html"
    )
    rv = _check(ApiStatus(), settings, dds.url)
    assert rv.status is Status.FAIL
    assert "not with JSON" in rv.summary


def test_status_refused_dns_and_silence_are_told_apart(settings: Settings, silent_port: int) -> None:
    refused = _check(ApiStatus(), settings, f"http://127.0.0.1:{closed_port()}")
    assert refused.status is Status.FAIL
    assert refused.data["failure"] == "refused"
    dns = _check(ApiStatus(), settings, "https://no-such-host.invalid")
    assert dns.status is Status.FAIL
    assert dns.data["failure"] == "dns"
    silent = _check(ApiStatus(), settings, f"http://127.0.0.1:{silent_port}", timeout_s=1.5)
    assert silent.status is Status.ERROR  # unknown, not known bad
    assert "did not answer" in silent.summary


def test_status_through_a_proxy_that_wants_a_password(settings: Settings, dds: FakeDDS) -> None:
    """A proxy answering 407 to CONNECT: the finding names the proxy, not the DDS."""
    proxy = socket.create_server(("127.0.0.1", 0))

    def answer_407() -> None:
        conn, _ = proxy.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=answer_407, daemon=True)
    thread.start()
    port = proxy.getsockname()[1]
    env = {"HTTPS_PROXY": f"http://alice:s3cret@127.0.0.1:{port}"}
    rv = _check(ApiStatus(), settings, "https://delivery.example.org", env=env)
    thread.join(5)
    proxy.close()
    assert rv.status is Status.FAIL
    assert rv.data["failure"] == "proxy"
    assert "407" in rv.summary
    assert "s3cret" not in repr(rv)


# -- api.motd ---------------------------------------------------------------------------


def test_no_messages_of_the_day_is_ok_and_the_version_header_is_sent(settings: Settings, dds: FakeDDS) -> None:
    rv = _check(ApiMotd(), settings, dds.url)
    assert rv.status is Status.OK
    assert rv.data["count"] == 0
    assert dds.violations() == []
    sent = [h for _, p, h in dds.server.requests if p == "/api/v1/motd"]
    assert sent[0]["X-CLI-Version"].count(".") == 2


def test_maintenance_announcement_warns_and_is_shown(settings: Settings, dds: FakeDDS) -> None:
    dds.motds = [
        {"MOTD ID": 3, "Message": "Planned maintenance 2026-12-10 08:00-12:00 CET", "Created": "2026-12-01 10:00"}
    ]
    rv = _check(ApiMotd(), settings, dds.url)
    assert rv.status is Status.WARN
    assert "Planned maintenance 2026-12-10" in rv.summary
    assert rv.data["messages"][0]["id"] == 3


def test_other_messages_are_shown_without_terminal_escapes(settings: Settings, dds: FakeDDS) -> None:
    dds.motds = [{"MOTD ID": 4, "Message": "New \x1b[31mCLI\x1b[0m release\r\nout", "Created": "2026-12-01 10:00"}]
    rv = _check(ApiMotd(), settings, dds.url)
    assert rv.status is Status.OK
    assert "\x1b" not in rv.summary
    assert "release out" in rv.summary


# -- clock.skew -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset_s", "status", "words"),
    [
        pytest.param(0, Status.OK, "within 30 s", id="in-sync"),
        pytest.param(120, Status.WARN, "behind", id="two-minutes-behind"),
        pytest.param(-90, Status.WARN, "ahead of", id="ninety-seconds-ahead"),
        pytest.param(900, Status.FAIL, "behind", id="fifteen-minutes"),
    ],
)
def test_clock_skew_against_the_servers_date(
    settings: Settings, dds: FakeDDS, offset_s: float, status: Status, words: str
) -> None:
    """The server's Date header is set off by offset_s; this machine's clock is the real one."""
    from dds_healthcheck.context import SystemClock

    dds.server.date_offset_s = offset_s
    ctx = make_context(replace(settings, api_url=dds.url))
    ctx = type(ctx)(settings=ctx.settings, clock=SystemClock(), host=ctx.host, deadline=ctx.deadline)
    rv = check(ClockSkew(), ctx)
    assert rv.status is status
    assert words in rv.summary
    assert abs(rv.data["skew_s"] + offset_s) <= 2


def test_clock_skew_uses_the_status_probes_answer(settings: Settings) -> None:
    status = Result(
        id="api.status",
        title="t",
        status=Status.OK,
        summary="s",
        data={
            "server_date": "Thu, 03 Dec 2026 12:00:00 GMT",
            "received_at": "2026-12-03T12:05:00.100000+00:00",
            "elapsed_ms": 200.0,
        },
    )
    rv = _check(ClockSkew(), settings, "http://127.0.0.1:9", upstream={"api.status": status})
    assert rv.status is Status.WARN  # 300 s ahead: over 30 s, not over 5 min
    assert rv.data["skew_s"] == 300.0


def test_clock_skew_skips_when_the_server_gave_no_answer(settings: Settings) -> None:
    failed = Result(id="api.status", title="t", status=Status.FAIL, summary="refused")
    rv = _check(ClockSkew(), settings, "http://127.0.0.1:9", upstream={"api.status": failed})
    assert rv.status is Status.SKIP


# -- network.proxy ----------------------------------------------------------------------


def test_no_proxy_variables_means_direct(settings: Settings) -> None:
    rv = _check(NetworkProxy(), settings, "https://delivery.scilifelab.se")
    assert rv.status is Status.OK
    assert rv.data["api"]["proxy"] is None
    assert "DDS direct" in rv.summary


def test_proxy_is_shown_without_its_password_with_the_variable_that_set_it(settings: Settings) -> None:
    env = {"HTTPS_PROXY": "http://bob:hunter2@proxy.uni.example:3128", "https_proxy": "http://lower.example:8080"}
    rv = _check(NetworkProxy(), settings, "https://delivery.scilifelab.se", env=env)
    assert rv.data["api"]["variable"] == "https_proxy"  # lower case wins, as in requests
    assert rv.data["api"]["proxy"] == "http://lower.example:8080"
    only_upper = _check(
        NetworkProxy(), settings, "https://delivery.scilifelab.se", env={"HTTPS_PROXY": env["HTTPS_PROXY"]}
    )
    assert only_upper.data["api"]["proxy"] == "http://***@proxy.uni.example:3128"
    assert "hunter2" not in repr(only_upper)


def test_no_proxy_match_is_reported(settings: Settings) -> None:
    env = {"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "localhost,.scilifelab.se"}
    rv = _check(NetworkProxy(), settings, "https://delivery.scilifelab.se", env=env)
    assert rv.data["api"]["proxy"] is None
    assert rv.data["api"]["no_proxy_match"] == "NO_PROXY=.scilifelab.se"
    assert rv.data["pypi"]["proxy"] == "http://proxy:3128"


def test_missing_ca_bundle_fails(settings: Settings, tmp_path: Path) -> None:
    rv = _check(
        NetworkProxy(),
        settings,
        "https://delivery.scilifelab.se",
        env={"REQUESTS_CA_BUNDLE": str(tmp_path / "gone.pem")},
    )
    assert rv.status is Status.FAIL
    assert "REQUESTS_CA_BUNDLE" in rv.summary


def test_ssl_cert_file_alone_is_explained(settings: Settings, tmp_path: Path) -> None:
    bundle = tmp_path / "corp.pem"
    bundle.write_text("x")
    rv = _check(NetworkProxy(), settings, "https://delivery.scilifelab.se", env={"SSL_CERT_FILE": str(bundle)})
    assert "ignores it" in rv.summary


@pytest.mark.parametrize(
    ("url", "env", "proxy"),
    [
        ("https://a.example", {"ALL_PROXY": "http://p:1"}, "http://p:1"),
        ("https://a.example", {"HTTP_PROXY": "http://p:1"}, None),
        ("http://a.example", {"HTTP_PROXY": "http://p:1"}, "http://p:1"),
        ("https://a.example", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, None),
        ("https://10.1.2.3", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, None),
        ("https://a.example:8443", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "a.example:8443"}, None),
        ("https://ba.example", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "a.example"}, None),
        ("https://x.a.example", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "a.example"}, None),
        ("https://a.example", {"https_proxy": "http://low:1", "HTTPS_PROXY": "http://up:1"}, "http://low:1"),
        ("https://b.example", {"HTTPS_PROXY": "http://p:1", "no_proxy": "a.example"}, "http://p:1"),
    ],
)
def test_proxy_selection_follows_requests(
    url: str, env: dict[str, str], proxy: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our pure function agrees with requests itself (which reads os.environ) on each case.

    The reference is the requests that dds-cli 2.15.1 pins (2.33.0, installed with the tests).
    """
    import os

    import requests.utils

    assert resolve_proxy(url, env).proxy_url == proxy
    if requests.__version__ != "2.33.0":
        pytest.skip(f"requests {requests.__version__} is not the version dds-cli pins")
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reference = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url))
    assert reference == proxy


def test_redact_url_drops_credentials_and_query() -> None:
    assert (
        redact_url("https://u:p@s3.example:443/bucket/key?X-Amz-Signature=abc")
        == "https://***@s3.example:443/bucket/key"
    )


# -- network.tls ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("certs")
    root = make_ca(folder, "root", "Test Root")
    fortinet = make_ca(folder, "forti", "Fortinet")
    return {
        "root": root,
        "trusted": make_leaf(folder, "trusted", root),
        "intercepted": make_leaf(folder, "intercepted", fortinet),
        "self_signed": make_leaf(folder, "self", None, organisation="Example Org"),
    }


def _tls(settings: Settings, pair: KeyPair, env: dict[str, str] | None = None) -> Result:
    with https_server(pair) as server:
        return _check(NetworkTls(), settings, f"https://127.0.0.1:{server.port}", env=env)


@needs_openssl
def test_tls_with_a_trusted_certificate_is_ok(settings: Settings, certificates: dict[str, Any]) -> None:
    rv = _tls(settings, certificates["trusted"], env={"REQUESTS_CA_BUNDLE": str(certificates["root"].cert)})
    assert rv.status is Status.OK
    assert rv.data["protocol"].startswith("TLSv1")
    assert rv.data["issuer"] == "Test Root"
    assert rv.data["trust_store"] == "REQUESTS_CA_BUNDLE"
    assert 29 <= rv.data["days_left"] <= 31 or rv.status is Status.OK


@needs_openssl
def test_tls_re_signed_by_an_inspecting_proxy_is_named_as_such(
    settings: Settings, certificates: dict[str, Any]
) -> None:
    rv = _tls(settings, certificates["intercepted"])
    assert rv.status is Status.FAIL
    assert rv.data["presented_issuer"] == "Fortinet"
    assert rv.data["looks_intercepted"] is True
    assert "REQUESTS_CA_BUNDLE" in rv.remedy


@needs_openssl
def test_tls_self_signed_certificate_fails(settings: Settings, certificates: dict[str, Any]) -> None:
    rv = _tls(settings, certificates["self_signed"])
    assert rv.status is Status.FAIL
    assert "self-signed" in rv.data["verify_error"] or "self signed" in rv.data["verify_error"]


@needs_openssl
def test_status_over_tls_with_an_untrusted_certificate_says_so(
    settings: Settings, certificates: dict[str, Any]
) -> None:
    with https_server(certificates["self_signed"]) as server:
        server.routes["/status"] = lambda request: request.send_json({"status": "ready"})
        rv = _check(ApiStatus(), settings, f"https://127.0.0.1:{server.port}")
    assert rv.status is Status.FAIL
    assert rv.data["failure"] == "tls"
    assert "certificate not trusted" in rv.summary


@needs_openssl
def test_status_over_tls_with_the_custom_bundle_is_ok(settings: Settings, certificates: dict[str, Any]) -> None:
    with https_server(certificates["trusted"]) as server:
        server.routes["/status"] = lambda request: request.send_json({"status": "ready"})
        rv = _check(
            ApiStatus(),
            settings,
            f"https://127.0.0.1:{server.port}",
            env={"REQUESTS_CA_BUNDLE": str(certificates["root"].cert)},
        )
    assert rv.status is Status.OK


def test_tls_is_skipped_for_plain_http(settings: Settings) -> None:
    assert _check(NetworkTls(), settings, "http://127.0.0.1:5000").status is Status.SKIP


def test_tls_through_a_proxy_that_wants_a_password(settings: Settings) -> None:
    proxy = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def answer_407() -> None:
        conn, _ = proxy.accept()
        with conn:
            seen.append(conn.recv(4096))
            conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")

    thread = threading.Thread(target=answer_407, daemon=True)
    thread.start()
    env = {"HTTPS_PROXY": f"http://127.0.0.1:{proxy.getsockname()[1]}"}
    rv = _check(NetworkTls(), settings, "https://delivery.example.org", env=env)
    thread.join(5)
    proxy.close()
    assert rv.status is Status.FAIL
    assert "407" in rv.summary
    assert seen[0].startswith(b"CONNECT delivery.example.org:443 HTTP/1.1")


@needs_openssl
def test_everything_goes_through_the_proxy_dds_would_use(settings: Settings, certificates: dict[str, Any]) -> None:
    """With HTTPS_PROXY set, status, TLS and latency all take the proxy's path, as dds does."""
    from dds_healthcheck.probes import NetworkLatency
    from tests.helpers import connect_proxy

    with https_server(certificates["trusted"]) as server, connect_proxy() as proxy:
        server.routes["/status"] = lambda request: request.send_json({"status": "ready"})
        api = f"https://127.0.0.1:{server.port}"
        env = {"HTTPS_PROXY": proxy.url, "REQUESTS_CA_BUNDLE": str(certificates["root"].cert)}
        status = _check(ApiStatus(), settings, api, env=env)
        tls = _check(NetworkTls(), settings, api, env=env)
        latency = _check(NetworkLatency(), settings, api, env=env)
        proxy_url = proxy.url
    assert status.status is Status.OK
    assert status.data["via_proxy"] == proxy_url
    assert tls.status is Status.OK
    assert tls.data["via_proxy"] == proxy_url
    assert [c.rsplit(" ", 1)[0] for c in proxy.connects] == [f"CONNECT 127.0.0.1:{server.port}"] * 2
    assert latency.data["via_proxy"] == proxy_url
    assert "the proxy" in latency.summary


def test_slow_answers_are_measured_and_too_slow_ones_are_unknown(settings: Settings, dds: FakeDDS) -> None:
    dds.slow_s = 0.4
    slow = _check(ApiStatus(), settings, dds.url)
    assert slow.status is Status.OK
    assert slow.data["elapsed_ms"] >= 400
    dds.slow_s = 3.0
    too_slow = _check(ApiStatus(), settings, dds.url, timeout_s=1.5)
    assert too_slow.status is Status.ERROR
    assert "did not answer within" in too_slow.summary
