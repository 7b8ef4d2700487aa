"""Run probes concurrently under one deadline and collect one result per probe.

Each probe runs in its own daemon thread, so a probe stuck in a system call can be
reported as timed out and abandoned: the process still exits on time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import threading
from collections.abc import Callable, Sequence

from dds_healthcheck.context import ProbeContext, Settings
from dds_healthcheck.model import Finding, Result, Status
from dds_healthcheck.probe import Probe

#: Called with the ids of the probes still running, a few times a second.
ProgressCallback = Callable[[Sequence[str]], None]


class Interrupted(Exception):  # noqa: N818 - it is an event, not an error
    """Ctrl-C during a run; carries the results gathered so far."""

    def __init__(self, results: list[Result]) -> None:
        super().__init__("interrupted")
        self.results = results


def _describe_exception(exc: BaseException) -> str:
    message = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {message}" if message else name


def _seconds(value: float) -> str:
    return f"{value:g}"


def _applicability(probe: Probe, settings: Settings, system: str) -> Finding | None:
    if probe.platforms is not None and system not in probe.platforms:
        return Finding(status=Status.SKIP, summary=f"does not apply on {system}")
    if probe.needs_network and settings.offline:
        return Finding(status=Status.SKIP, summary="skipped: --offline (no network used)")
    return None


@dataclasses.dataclass
class _Slot:
    probe: Probe
    deadline: float
    started: float = 0.0
    result: Result | None = None
    done: threading.Event = dataclasses.field(default_factory=threading.Event)


class Runner:
    """Runs a fixed list of probes once."""

    def __init__(
        self,
        probes: Sequence[Probe],
        make_context: Callable[[float, dict[str, Result]], ProbeContext],
        *,
        settings: Settings,
        system: str,
        monotonic: Callable[[], float],
    ) -> None:
        self._probes = list(probes)
        self._make_context = make_context
        self._settings = settings
        self._system = system
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._slots: dict[str, _Slot] = {}
        self._any_done = threading.Event()

    def run(self, on_progress: ProgressCallback | None = None) -> list[Result]:
        """Run every probe; results come back in the order the probes were given."""
        start = self._monotonic()
        run_deadline = start + self._settings.timeout_s
        for probe in self._probes:
            probe_deadline = min(run_deadline, start + float(probe.timeout_s))
            self._slots[probe.id] = _Slot(probe=probe, deadline=probe_deadline, started=start)
        self._import_first()
        for slot in self._slots.values():
            thread = threading.Thread(target=self._run_one, args=(slot,), name=f"probe:{slot.probe.id}", daemon=True)
            thread.start()
        try:
            self._wait(on_progress)
        except KeyboardInterrupt:
            self._close_pending("interrupted before it finished (Ctrl-C)")
            raise Interrupted(self._ordered()) from None
        return self._ordered()

    def _import_first(self) -> None:
        """Import, in this thread, what the probes that will run import lazily."""
        wanted: dict[str, None] = {}
        for probe in self._probes:
            if _applicability(probe, self._settings, self._system) is None:
                wanted.update(dict.fromkeys(getattr(probe, "imports", ())))
                if not self._settings.offline:
                    wanted.update(dict.fromkeys(getattr(probe, "network_imports", ())))
        for name in wanted:
            with contextlib.suppress(ImportError):  # the probe will meet the same error and report it
                importlib.import_module(name)

    def _ordered(self) -> list[Result]:
        return [slot.result for slot in self._slots.values() if slot.result is not None]

    def _wait(self, on_progress: ProgressCallback | None) -> None:
        while True:
            now = self._monotonic()
            with self._lock:
                pending = [s for s in self._slots.values() if s.result is None]
                for slot in pending:
                    if now >= slot.deadline:
                        limit = slot.deadline - slot.started
                        slot.result = self._timed_out(slot.probe, limit)
                        slot.done.set()
                pending = [s for s in pending if s.result is None]
            if not pending:
                return
            if on_progress is not None:
                on_progress([s.probe.id for s in pending])
            next_deadline = min(s.deadline for s in pending)
            # Wake at the earliest deadline, or sooner to refresh the progress line.
            wait_s = max(0.0, min(next_deadline - now, 0.1 if on_progress else 1.0))
            self._any_done.wait(wait_s)
            self._any_done.clear()  # before the next check of the slots, so no wake-up is lost

    def _close_pending(self, summary: str) -> None:
        with self._lock:
            for slot in self._slots.values():
                if slot.result is None:
                    slot.result = to_result(slot.probe, Finding(status=Status.ERROR, summary=summary), 0.0)

    def _timed_out(self, probe: Probe, limit_s: float) -> Result:
        finding = Finding(
            status=Status.ERROR,
            summary=f"timed out after {_seconds(round(limit_s, 2))} s",
            remedy=f"Run again with a longer --timeout, or skip this probe with --skip {probe.id}.",
        )
        return to_result(probe, finding, limit_s)

    def _upstream(self, probe: Probe, deadline: float) -> dict[str, Result]:
        """Wait (until this probe's deadline) for the results this probe reads."""
        found: dict[str, Result] = {}
        for probe_id in probe.after:
            slot = self._slots.get(probe_id)
            if slot is None:
                continue
            slot.done.wait(max(0.0, deadline - self._monotonic()))
            if slot.result is not None:
                found[probe_id] = slot.result
        return found

    def _run_one(self, slot: _Slot) -> None:
        probe = slot.probe
        began = self._monotonic()
        finding = _applicability(probe, self._settings, self._system)
        if finding is None:
            try:
                upstream = self._upstream(probe, slot.deadline)
                returned: object = probe.run(self._make_context(slot.deadline, upstream))
                if isinstance(returned, Finding):
                    finding = returned
                else:  # third-party probes are duck-typed; check what they hand back
                    finding = Finding(
                        status=Status.ERROR,
                        summary=f"probe returned {type(returned).__name__}, not a Finding",
                    )
            except Exception as exc:  # noqa: BLE001 - one probe's crash must not end the run
                finding = Finding(status=Status.ERROR, summary=_describe_exception(exc))
        result = to_result(probe, finding, self._monotonic() - began)
        with self._lock:
            if slot.result is None:  # a timed-out probe that returns late is ignored
                slot.result = result
        slot.done.set()
        self._any_done.set()


def to_result(probe: Probe, finding: Finding, duration_s: float) -> Result:
    """A probe's finding as a result: the probe's id and title, its sections unless narrowed."""
    return Result(
        id=probe.id,
        title=probe.title,
        status=finding.status,
        summary=finding.summary,
        detail=finding.detail,
        sections=finding.sections if finding.sections is not None else tuple(probe.sections),
        remedy=finding.remedy,
        data=dict(finding.data),
        duration_s=round(duration_s, 4),
    )
