from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from dds_healthcheck.context import Settings
from dds_healthcheck.model import Status
from dds_healthcheck.probes import NetworkLatency
from dds_healthcheck.probes.network_latency import Sample, _judge, classify, jitter_ms
from dds_healthcheck.testing import check, make_context, replace
from tests.helpers import closed_port


@pytest.fixture
def accepting_port() -> Iterator[int]:
    """A real TCP listener on 127.0.0.1 that accepts and closes connections."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                server.accept()[0].close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def _run(settings: Settings, api_url: str, timeout_s: float = 10.0):
    return check(NetworkLatency(), make_context(replace(settings, api_url=api_url), timeout_s=timeout_s))


def test_measures_connect_times_to_the_api_host(settings: Settings, accepting_port: int) -> None:
    rv = _run(settings, f"http://127.0.0.1:{accepting_port}")
    assert rv.status is Status.OK
    assert rv.data["samples_taken"] == 5
    assert rv.data["failed"] == 0
    assert len(rv.data["samples_ms"]) == 5
    assert rv.data["min_ms"] <= rv.data["median_ms"] <= rv.data["max_ms"]
    assert "TCP connect" in rv.data["method"]
    assert rv.data["classification"] == "near Sweden"


def test_refused_connection_fails_and_says_so(settings: Settings) -> None:
    rv = _run(settings, f"https://127.0.0.1:{closed_port()}")
    assert rv.status is Status.FAIL
    assert "refused" in rv.summary
    assert "median_ms" not in rv.data  # no invented number


def test_dns_failure_fails_and_says_so(settings: Settings) -> None:
    rv = _run(settings, "https://no-such-host.invalid")
    assert rv.status is Status.FAIL
    assert "name lookup" in rv.summary


def test_connect_timeout_is_a_failure_not_a_number(settings: Settings) -> None:
    """A listener whose accept queue is full drops SYNs, so connects time out."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):  # fill the backlog; later SYNs are dropped
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        rv = _run(settings, f"http://127.0.0.1:{port}", timeout_s=3.0)
    finally:
        for filler in fillers:
            filler.close()
        server.close()
    assert rv.status in (Status.FAIL, Status.WARN)
    assert "timed out" in rv.summary
    assert rv.data["failed"] >= 1


def test_partial_failures_warn_and_keep_the_real_samples() -> None:
    samples = [Sample(10.0), Sample(None, "timed out"), Sample(12.0), Sample(11.0)]
    rv = _judge("dds.example", 443, samples, {})
    assert rv.status is Status.WARN
    assert rv.data["samples_ms"] == [10.0, None, 12.0, 11.0]
    assert rv.data["median_ms"] == 11.0
    assert rv.data["failed"] == 1


def test_far_away_median_warns() -> None:
    rv = _judge("dds.example", 443, [Sample(150.0), Sample(151.0), Sample(149.0)], {})
    assert rv.status is Status.WARN
    assert rv.data["classification"] == "far from Sweden"


@pytest.mark.parametrize(
    ("median", "band"),
    [
        (3.0, "near Sweden"),
        (14.9, "near Sweden"),
        (15.0, "elsewhere in Europe"),
        (60.0, "elsewhere in Europe"),
        (60.1, "far from Sweden"),
    ],
)
def test_classification_bands(median: float, band: str) -> None:
    assert classify(median) == band


def test_jitter_is_mean_successive_difference() -> None:
    assert jitter_ms([10.0, 12.0, 11.0]) == pytest.approx(1.5)
    assert jitter_ms([10.0]) is None


def test_samples_are_spaced_by_the_last_round_trip() -> None:
    """Each sample waits for the previous connection's teardown to cross the link."""
    from dds_healthcheck.probes.network_latency import sample_gap_s

    assert sample_gap_s(Sample(40.0)) == pytest.approx(0.050)
    assert sample_gap_s(Sample(1.0)) == pytest.approx(0.025)
    assert sample_gap_s(Sample(900.0)) == pytest.approx(0.25)
    assert sample_gap_s(Sample(None, "timed out")) == pytest.approx(0.025)
