from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from dds_healthcheck.model import Status
from dds_healthcheck.probe import Probe
from dds_healthcheck.registry import BrokenPlugin, UnknownProbeError, builtin_probes, load_plugins, select
from dds_healthcheck.sections import SECTION_TITLES
from tests.helpers import CONTRACT_IDS


def test_builtin_probes_have_the_contract_ids_in_order() -> None:
    assert [p.id for p in builtin_probes()] == CONTRACT_IDS


def test_every_probe_section_exists_in_the_catalogue() -> None:
    for probe in builtin_probes():
        assert probe.sections, probe.id
        for reference in probe.sections:
            assert reference in SECTION_TITLES, (probe.id, reference)


def test_catalogue_covers_every_guide_section() -> None:
    assert {ref for ref in SECTION_TITLES if "." not in ref} == set("ABCDEFGHIJKLMNOPQRST")


@pytest.mark.parametrize(
    ("only", "skip", "expected"),
    [
        ([], [], CONTRACT_IDS),
        (["token"], [], ["token.permissions", "token.expiry"]),
        (["network.latency"], [], ["network.latency"]),
        (
            [],
            ["token", "network", "api", "account", "project", "clock", "netrc", "deliveries"],
            ["disk.space", "cli.version", "console.encoding"],
        ),
        (["token"], ["token.expiry"], ["token.permissions"]),
    ],
)
def test_select_by_id_or_prefix(only: list[str], skip: list[str], expected: list[str]) -> None:
    assert [p.id for p in select(builtin_probes(), only, skip)] == expected


@pytest.mark.parametrize("pattern", ["tok", "token.perm", "nope", "token."])
def test_unknown_ids_are_rejected(pattern: str) -> None:
    """A prefix must end at a dot: "tok" is not "token"."""
    with pytest.raises(UnknownProbeError, match="no probe is called"):
        select(builtin_probes(), [pattern], [])


class GoodProbe(Probe):
    id = "acme.proxy"
    title = "ACME proxy"


def _entry(name: str, loader: Any) -> Any:
    return SimpleNamespace(name=name, value=f"acme:{name}", load=loader)


def _raise() -> Any:
    raise ImportError("No module named 'acme_missing'")


def test_plugins_load_and_broken_ones_become_errors() -> None:
    entries = [
        _entry("good", lambda: GoodProbe),
        _entry("broken", _raise),
        _entry("notaprobe", lambda: 42),
        _entry("dup", lambda: type("Dup", (GoodProbe,), {"id": "token.expiry"})),
        _entry("badid", lambda: type("Bad", (GoodProbe,), {"id": "Has Spaces"})),
    ]
    loaded = load_plugins(["token.expiry"], entry_points=lambda: entries)
    by_id = {p.id: p for p in loaded}
    assert isinstance(by_id["acme.proxy"], GoodProbe)
    for broken in ("plugin.broken", "plugin.notaprobe", "plugin.dup", "plugin.badid"):
        assert isinstance(by_id[broken], BrokenPlugin)
    finding = by_id["plugin.broken"].run(None)  # type: ignore[arg-type]
    assert finding.status is Status.ERROR
    assert "acme_missing" in finding.summary
