"""Which probes exist (built-in and plugins) and which ones a run selects."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from dds_healthcheck.model import Finding, Status
from dds_healthcheck.probe import Probe

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

ENTRY_POINT_GROUP = "dds_healthcheck.probes"
_VALID_ID = re.compile(r"[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*")


class BrokenPlugin(Probe):
    """Stands in for a plugin that could not be loaded, so the run reports it as an error."""

    title = "Plugin failed to load"
    needs_network = False
    timeout_s = 1.0

    def __init__(self, probe_id: str, problem: str) -> None:
        self.id = probe_id
        self._problem = problem

    def run(self, ctx: ProbeContext) -> Finding:  # noqa: ARG002 - nothing to look at
        return Finding(
            status=Status.ERROR,
            summary=self._problem,
            remedy="Reinstall or remove the package that provides this probe.",
        )


def builtin_probes() -> list[Probe]:
    from dds_healthcheck.probes import BUILTIN_PROBES

    return [cls() for cls in BUILTIN_PROBES]


def _entry_points() -> Iterable[Any]:
    from importlib import metadata

    return metadata.entry_points(group=ENTRY_POINT_GROUP)


def _as_probe(obj: object) -> Probe | None:
    candidate = obj() if isinstance(obj, type) else obj
    has_contract = all(hasattr(candidate, name) for name in ("id", "title", "run"))
    if not has_contract or not callable(getattr(candidate, "run", None)):
        return None
    return cast("Probe", candidate)  # duck-typed: third-party probes need not subclass Probe


def load_plugins(taken_ids: Iterable[str], entry_points: Callable[[], Iterable[Any]] = _entry_points) -> list[Probe]:
    """Probes from installed plugins; a plugin that fails to load becomes one error result."""
    taken = set(taken_ids)
    loaded: list[Probe] = []
    for entry in sorted(entry_points(), key=lambda e: e.name):
        fallback_id = f"plugin.{entry.name}"
        try:
            probe = _as_probe(entry.load())
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the run
            loaded.append(
                BrokenPlugin(fallback_id, f"plugin {entry.value!r} failed to load: {type(exc).__name__}: {exc}")
            )
            continue
        if probe is None:
            loaded.append(BrokenPlugin(fallback_id, f"plugin {entry.value!r} is not a probe (needs id, title and run)"))
        elif not _valid_id(getattr(probe, "id", None)):
            loaded.append(BrokenPlugin(fallback_id, f"plugin {entry.value!r} has an invalid id {probe.id!r}"))
        elif probe.id in taken:
            loaded.append(BrokenPlugin(fallback_id, f"plugin {entry.value!r} reuses the probe id {probe.id!r}"))
        else:
            taken.add(probe.id)
            loaded.append(probe)
    return loaded


def _valid_id(value: object) -> bool:
    return isinstance(value, str) and _VALID_ID.fullmatch(value) is not None


def all_probes() -> list[Probe]:
    builtins = builtin_probes()
    return builtins + load_plugins(p.id for p in builtins)


class UnknownProbeError(ValueError):
    pass


def _matches(probe_id: str, pattern: str) -> bool:
    return probe_id == pattern or probe_id.startswith(pattern + ".")


def parse_id_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def select(probes: Sequence[Probe], only: Sequence[str], skip: Sequence[str]) -> list[Probe]:
    """Probes matching ``only`` (all when empty) and not ``skip``; ids or dotted prefixes."""
    known = [p.id for p in probes]
    for pattern in [*only, *skip]:
        if not any(_matches(probe_id, pattern) for probe_id in known):
            msg = f"no probe is called {pattern!r}; known probes: {', '.join(known)}"
            raise UnknownProbeError(msg)
    chosen = [p for p in probes if not only or any(_matches(p.id, pat) for pat in only)]
    return [p for p in chosen if not any(_matches(p.id, pat) for pat in skip)]
