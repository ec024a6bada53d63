"""Artifacts for the ledger tests, written through the one service."""

from django.db import connection

from runs.enums import RunKind, RunStatus
from runs.hashing import sha256_of
from runs.models import RunArtifact
from runs.services import run_record

TABLE = RunArtifact._meta.db_table


def as_owner(sql, params=None):
    """Raw SQL with the immutability trigger disabled, as the table's owner could: the tampering that
    ``verify_runs`` must catch. In the caller's transaction (a plain test rolls it back)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_refuse_update_delete")
        cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TABLE}_refuse_update_delete")


FEASIBILITY = {
    "mode": "router",
    "safety": {
        "risk_level": "GREEN",
        "score": 92.0,
        "block_reason": None,
        "warnings": [],
        "checks": [
            {"code": "chip_load", "status": "pass", "message": "ok", "value": 0.04, "limit": 0.08},
            {"code": "envelope", "status": "pass", "message": "inside", "value": None, "limit": None},
        ],
    },
    "cut": {"rpm": 18000, "feed_mm_min": 1440.0, "passes": 2},
    "engine_version": "rmos-engine/1.0.0",
}


def record(**overrides):
    """A feasibility artifact through the one service, with whatever the test changes."""
    feasibility = overrides.pop("feasibility", FEASIBILITY)
    fields = {
        "kind": RunKind.FEASIBILITY,
        "status": RunStatus.OK,
        "actor": None,
        "request": {"tool_id": "router:flat_3mm", "design": {"shape": "ring", "od": 140, "width": 3, "depth": 2}},
        "mode": "router",
        "tool_id": "router:flat_3mm",
        "material_id": "ebony",
        "machine_id": "router_a",
        "risk_level": "GREEN",
        "score": 92.0,
        "feasibility": feasibility,
        "registry_snapshot": {"tool": {"tool_id": "router:flat_3mm", "max_rpm": 24000}},
        "engine_version": "rmos-engine/1.0.0",
    }
    fields.update(overrides)
    if "feasibility_sha256" not in fields:
        fields["feasibility_sha256"] = sha256_of(feasibility) if feasibility is not None else ""
    return run_record(**fields)
