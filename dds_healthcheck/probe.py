"""The probe contract that built-in and third-party probes implement."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext
    from dds_healthcheck.model import Finding


class Probe:
    """Base class for probes.

    A probe looks at what its context gives it and returns a :class:`Finding`. It never
    prints, never changes anything on the machine, and may raise: the runner turns an
    exception into an ``error`` result without disturbing the other probes.

    Third-party packages register subclasses (or instances) under the entry-point group
    ``dds_healthcheck.probes``.
    """

    #: Stable dotted id, e.g. "token.permissions". Part of the CLI and JSON contract.
    id: str
    title: str
    #: Troubleshooting-guide references: a letter ("J") or letter and step ("S.2").
    sections: tuple[str, ...] = ()
    needs_network: bool = False
    #: platform.system() values the probe applies to; None means every platform.
    platforms: frozenset[str] | None = None
    #: This probe's own time limit; the run's deadline may cut it shorter.
    timeout_s: float = 10.0
    #: Ids of probes whose results this one reads from ``ctx.upstream``.
    after: tuple[str, ...] = ()
    #: Modules the probe imports lazily. The runner imports them in the main thread before
    #: any probe starts: concurrent first imports in threads can deadlock on import locks.
    imports: tuple[str, ...] = ()
    #: Like ``imports``, for modules needed only when the network may be used (not with --offline).
    network_imports: tuple[str, ...] = ()

    def run(self, ctx: ProbeContext) -> Finding:
        raise NotImplementedError
