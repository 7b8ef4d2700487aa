"""The JSON report (schema version 1): a stable shape for support tickets and tools."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from dds_healthcheck import __version__
from dds_healthcheck.model import Report, count_statuses
from dds_healthcheck.probe import Probe
from dds_healthcheck.redact import Redactor

SCHEMA_VERSION = 1


def report_to_dict(report: Report, redactor: Redactor) -> dict[str, Any]:
    summary: dict[str, Any] = count_statuses(report.results)
    summary["exit_code"] = int(report.exit_code)
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dds-healthcheck", "version": __version__},
        "started_at": report.started_at,
        "duration_s": round(report.duration_s, 3),
        "interrupted": report.interrupted,
        "environment": dict(report.environment),
        "summary": summary,
        "checks": [
            {
                "id": r.id,
                "title": r.title,
                "status": r.status.value,
                "summary": r.summary,
                "detail": r.detail,
                "sections": list(r.sections),
                "remedy": r.remedy,
                "data": dict(r.data),
                "duration_s": r.duration_s,
            }
            for r in report.results
        ],
    }
    scrubbed: dict[str, Any] = redactor.tree(document)
    return scrubbed


def dumps(document: Any) -> str:
    # ASCII-only, so that any console or pipe can carry it; default=str keeps odd evidence printable.
    return json.dumps(document, indent=2, ensure_ascii=True, default=str) + "\n"


def probe_list(probes: Sequence[Probe]) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "title": p.title,
            "sections": list(p.sections),
            "needs_network": bool(p.needs_network),
            "platforms": sorted(p.platforms) if p.platforms is not None else None,
        }
        for p in probes
    ]
