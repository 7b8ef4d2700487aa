from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from dds_healthcheck.context import ProbeContext, Settings
from dds_healthcheck.model import Finding, Result, Status, ok
from dds_healthcheck.probe import Probe
from dds_healthcheck.runner import Runner
from dds_healthcheck.testing import FakeClock, make_host, make_settings, replace


class Quick(Probe):
    id = "test.quick"
    title = "Quick"
    sections = ("G",)

    def run(self, ctx: ProbeContext) -> Finding:
        return ok("fine", remaining=ctx.remaining_s())


class Hangs(Probe):
    id = "test.hangs"
    title = "Hangs"

    def __init__(self) -> None:
        self.release = threading.Event()

    def run(self, ctx: ProbeContext) -> Finding:
        self.release.wait(30)
        return ok("woke up late")


class Crashes(Probe):
    id = "test.crashes"
    title = "Crashes"

    def run(self, ctx: ProbeContext) -> Finding:
        raise ValueError("disk exploded")


class Network(Probe):
    id = "test.network"
    title = "Network"
    needs_network = True

    def run(self, ctx: ProbeContext) -> Finding:
        raise AssertionError("must not run offline")


class WindowsOnly(Probe):
    id = "test.windows"
    title = "Windows only"
    platforms = frozenset({"Windows"})

    def run(self, ctx: ProbeContext) -> Finding:
        raise AssertionError("must not run on Linux")


def _runner(probes: list[Probe], settings: Settings) -> Runner:
    clock = FakeClock()
    host = make_host()

    def make_context(deadline: float, upstream: dict[str, Result]) -> ProbeContext:
        return ProbeContext(settings=settings, clock=clock, host=host, deadline=deadline, upstream=upstream)

    return Runner(probes, make_context, settings=settings, system="Linux", monotonic=clock.monotonic)


def test_probes_run_concurrently(tmp_path: Path) -> None:
    """Two probes that each wait for the other can only finish if they run at the same time."""
    barrier = threading.Barrier(2, timeout=5)

    class Left(Probe):
        id = "test.left"
        title = "Left"

        def run(self, ctx: ProbeContext) -> Finding:
            barrier.wait()
            return ok("met")

    class Right(Left):
        id = "test.right"

    rv = _runner([Left(), Right()], make_settings(tmp_path)).run()
    assert [r.status for r in rv] == [Status.OK, Status.OK]


def test_probe_past_the_deadline_is_reported_timed_out_and_the_rest_still_report(tmp_path: Path) -> None:
    settings = replace(make_settings(tmp_path), timeout_s=0.3)
    started = time.monotonic()
    hangs = Hangs()
    rv = _runner([hangs, Quick()], settings).run()
    elapsed = time.monotonic() - started
    hangs.release.set()
    assert [r.id for r in rv] == ["test.hangs", "test.quick"]
    assert rv[0].status is Status.ERROR
    assert rv[0].summary == "timed out after 0.3 s"
    assert rv[1].status is Status.OK
    assert elapsed < 5  # the run did not wait for the stuck probe (its own wait is 30 s)


def test_probe_own_timeout_is_shorter_than_the_run(tmp_path: Path) -> None:
    class SlowButCapped(Hangs):
        id = "test.capped"
        timeout_s = 0.2

    capped = SlowButCapped()
    rv = _runner([capped], make_settings(tmp_path)).run()
    capped.release.set()
    assert rv[0].summary == "timed out after 0.2 s"


def test_crash_becomes_an_error_with_the_message_and_others_are_unaffected(tmp_path: Path) -> None:
    rv = _runner([Crashes(), Quick()], make_settings(tmp_path)).run()
    assert rv[0].status is Status.ERROR
    assert rv[0].summary == "ValueError: disk exploded"
    assert rv[1].status is Status.OK


def test_results_keep_the_given_order_whatever_finishes_first(tmp_path: Path) -> None:
    class Slow(Quick):
        id = "test.slow"

        def run(self, ctx: ProbeContext) -> Finding:
            time.sleep(0.2)
            return ok("slow")

    rv = _runner([Slow(), Quick()], make_settings(tmp_path)).run()
    assert [r.id for r in rv] == ["test.slow", "test.quick"]


def test_offline_skips_network_probes_without_running_them(tmp_path: Path) -> None:
    rv = _runner([Network()], replace(make_settings(tmp_path), offline=True)).run()
    assert rv[0].status is Status.SKIP
    assert "--offline" in rv[0].summary


def test_probes_for_other_platforms_are_skipped(tmp_path: Path) -> None:
    rv = _runner([WindowsOnly()], make_settings(tmp_path)).run()
    assert rv[0].status is Status.SKIP


def test_upstream_results_reach_the_probes_that_read_them(tmp_path: Path) -> None:
    class Reader(Probe):
        id = "test.reader"
        title = "Reader"
        after = ("test.quick",)

        def run(self, ctx: ProbeContext) -> Finding:
            return ok(f"saw {ctx.upstream['test.quick'].summary}")

    rv = _runner([Reader(), Quick()], make_settings(tmp_path)).run()
    assert rv[0].summary == "saw fine"


def test_a_probe_that_returns_garbage_is_an_error(tmp_path: Path) -> None:
    class Garbage(Quick):
        id = "test.garbage"

        def run(self, ctx: ProbeContext) -> Finding:
            return "fine"  # type: ignore[return-value]

    rv = _runner([Garbage()], make_settings(tmp_path)).run()
    assert rv[0].status is Status.ERROR


def test_each_probe_gets_the_run_deadline(tmp_path: Path) -> None:
    rv = _runner([Quick()], replace(make_settings(tmp_path), timeout_s=4)).run()
    assert 0 < rv[0].data["remaining"] <= 4


def test_declared_imports_happen_in_the_main_thread_before_probes_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """First imports in several threads at once can deadlock on import locks (seen in 3.11)."""
    (tmp_path / "marker_for_runner_test.py").write_text(
        "import threading\nIMPORTED_BY = threading.current_thread().name\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    class NeedsAModule(Quick):
        id = "test.imports"
        imports = ("marker_for_runner_test",)

        def run(self, ctx: ProbeContext) -> Finding:
            import marker_for_runner_test  # type: ignore[import-not-found]

            return ok(marker_for_runner_test.IMPORTED_BY)

    rv = _runner([NeedsAModule()], make_settings(tmp_path)).run()
    assert rv[0].summary == "MainThread"


def test_network_imports_are_skipped_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "marker_offline_test.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))

    class OnlineOnly(Quick):
        id = "test.online-only"
        network_imports = ("marker_offline_test",)

    _runner([OnlineOnly()], replace(make_settings(tmp_path), offline=True)).run()
    assert "marker_offline_test" not in sys.modules
