"""Probe: round-trip time to the DDS API host (section S.1)."""

from __future__ import annotations

import dataclasses
import errno
import itertools
import socket
import statistics
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dds_healthcheck.model import Finding, fail, ok, warn
from dds_healthcheck.probe import Probe
from dds_healthcheck.proxies import redact_url, resolve_proxy

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

SAMPLES = 5
MIN_GAP_S = 0.025
MAX_GAP_S = 0.25
CONNECT_TIMEOUT_S = 2.0
DNS_TIMEOUT_S = 3.0
#: Median RTT bands: the DDS storage is in Sweden.
NEAR_MS = 15.0
EUROPE_MS = 60.0
METHOD = (
    "TCP connect time: one fresh connection per sample, spaced by the last round trip plus "
    "10 ms, timed from connect() to the completed handshake (one round trip); the name "
    "lookup is timed separately; jitter is the mean difference between consecutive samples"
)

_ERRNO_REASONS = {
    errno.ECONNREFUSED: "refused",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ECONNRESET: "reset",
    errno.ETIMEDOUT: "timed out",
}


@dataclasses.dataclass(frozen=True)
class Sample:
    ms: float | None  #: None when the attempt failed
    reason: str | None = None


class ResolveError(Exception):
    """The name lookup failed or took too long; the message says which."""


def resolve(host: str, port: int, timeout_s: float) -> tuple[tuple[Any, ...], float]:
    """(first address for a TCP connect, lookup time in ms); bounded even if the resolver hangs."""
    outcome: dict[str, Any] = {}

    def lookup() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:  # socket.gaierror is an OSError
            outcome["error"] = exc

    started = time.perf_counter()
    worker = threading.Thread(target=lookup, name="dns-lookup", daemon=True)
    worker.start()
    worker.join(timeout_s)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if worker.is_alive():
        msg = f"the name lookup of {host} timed out after {timeout_s:g} s"
        raise ResolveError(msg)
    if "error" in outcome:
        msg = f"the name lookup of {host} failed ({outcome['error'].strerror or outcome['error']})"
        raise ResolveError(msg)
    if not outcome["infos"]:
        msg = f"the name lookup of {host} returned no address"
        raise ResolveError(msg)
    family, socktype, proto, _, sockaddr = outcome["infos"][0]
    return (family, socktype, proto, sockaddr), elapsed_ms


def connect_once(address: tuple[Any, ...], timeout_s: float) -> Sample:
    family, socktype, proto, sockaddr = address
    with socket.socket(family, socktype, proto) as sock:
        sock.settimeout(timeout_s)
        started = time.perf_counter()
        try:
            sock.connect(sockaddr)
        except TimeoutError:
            return Sample(None, "timed out")
        except OSError as exc:
            return Sample(None, _ERRNO_REASONS.get(exc.errno or 0, exc.strerror or type(exc).__name__))
        return Sample((time.perf_counter() - started) * 1000)


def sample_gap_s(previous: Sample) -> float:
    """The pause before the next sample: the last round trip plus 10 ms, within 25-250 ms."""
    rtt_s = (previous.ms or 0.0) / 1000
    return min(MAX_GAP_S, max(MIN_GAP_S, rtt_s + 0.010))


def jitter_ms(values: list[float]) -> float | None:
    if len(values) < 2:  # noqa: PLR2004
        return None
    return statistics.fmean(abs(b - a) for a, b in itertools.pairwise(values))


def _ms(value: float) -> str:
    """Milliseconds with the precision a TCP connect time deserves: 0.14, 9.82, 41.3, 152."""
    if value < 10:  # noqa: PLR2004
        return f"{value:.2f}"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"  # noqa: PLR2004


def classify(median_ms: float) -> str:
    if median_ms < NEAR_MS:
        return "near Sweden"
    if median_ms <= EUROPE_MS:
        return "elsewhere in Europe"
    return "far from Sweden"


def endpoint(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if not parts.hostname:
        msg = f"no host name in the URL {redact_url(url)!r}"
        raise ValueError(msg)
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


class NetworkLatency(Probe):
    id = "network.latency"
    title = "Latency to DDS"
    sections = ("S.1",)
    needs_network = True
    timeout_s = 12.0

    def run(self, ctx: ProbeContext) -> Finding:
        host, port = endpoint(ctx.settings.api_url)
        facts: dict[str, Any] = {"host": host, "port": port, "method": METHOD, "samples_planned": SAMPLES}
        proxy = resolve_proxy(ctx.settings.api_url, ctx.host.env)
        if proxy.proxy_url:
            # dds reaches the DDS through this proxy, and a direct connection may well be blocked:
            # measure the hop that can be measured, and say so.
            host, port = endpoint(proxy.proxy_url if "://" in proxy.proxy_url else "http://" + proxy.proxy_url)
            facts.update(
                host=host,
                port=port,
                via_proxy=proxy.shown,
                method=METHOD + "; a proxy is in use, so this is the time to the proxy, not to the DDS",
            )
        try:
            address, dns_ms = resolve(host, port, min(DNS_TIMEOUT_S, ctx.remaining_s()))
        except ResolveError as exc:
            return fail(
                str(exc),
                remedy="Check the network connection and DNS settings; on a VPN or cluster node, "
                "ask its administrators whether it can reach the internet.",
                **facts,
            )
        facts["dns_ms"] = round(dns_ms, 2)
        samples: list[Sample] = []
        for index in range(SAMPLES):
            if index:
                # Let the previous connection's closing packets (about one round trip) clear
                # the path, so that each sample starts on an idle link, not queued behind them.
                time.sleep(sample_gap_s(samples[-1]))
            budget = ctx.remaining_s() - 0.05
            if budget <= 0.05 or (samples and budget < CONNECT_TIMEOUT_S / 4):  # noqa: PLR2004
                break
            samples.append(connect_once(address, min(CONNECT_TIMEOUT_S, budget)))
        return _judge(host, port, samples, facts)


def _judge(host: str, port: int, samples: list[Sample], facts: dict[str, Any]) -> Finding:
    times = [s.ms for s in samples if s.ms is not None]
    failures = [s.reason or "failed" for s in samples if s.ms is None]
    facts.update(
        samples_ms=[None if s.ms is None else round(s.ms, 2) for s in samples],
        samples_taken=len(samples),
        failed=len(failures),
        failure_reasons=sorted(set(failures)),
    )
    target = f"the proxy {host}:{port}" if facts.get("via_proxy") else f"{host}:{port}"
    if not times:
        reasons = " / ".join(sorted(set(failures))) or "no time left for a sample"
        return fail(
            f"could not connect to {target}: {len(failures)} of {len(samples)} attempts {reasons}",
            remedy="Check the network connection, firewall and proxy; DDS transfers need "
            "outgoing HTTPS. If only this host fails, DDS may be down: see delivery.scilifelab.se.",
            **facts,
        )
    median = statistics.median(times)
    facts.update(
        min_ms=round(min(times), 2),
        median_ms=round(median, 2),
        max_ms=round(max(times), 2),
        jitter_ms=None if (j := jitter_ms(times)) is None else round(j, 2),
        classification=classify(median),
    )
    summary = (
        f"median {_ms(median)} ms to {target} ({classify(median)}; min {_ms(min(times))}, "
        f"max {_ms(max(times))} ms over {len(times)} connects)"
    )
    if failures:
        return warn(
            f"{len(failures)} of {len(samples)} connection attempts failed "
            f"({', '.join(sorted(set(failures)))}); {summary}",
            remedy="The link is unstable: prefer a wired connection, avoid hotel or guest Wi-Fi, "
            "and keep the computer from sleeping during the transfer.",
            **facts,
        )
    if median > EUROPE_MS:
        return warn(
            summary,
            remedy="Transfers from far away are slower but work; use a stable, wired connection "
            "and allow more time (the token lasts 7 days from login).",
            **facts,
        )
    return ok(summary, **facts)
