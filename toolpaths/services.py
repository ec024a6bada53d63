"""The only way a program reaches a machine: server feasibility, an allow-list gate, generation, verification,
and an artifact for every outcome.

``toolpaths_run`` never raises for a decided outcome: it returns a ``ToolpathsOutcome`` so that a caller holding
a transaction (the workflow) can commit its own state change together with the artifact before answering.
"""

from dataclasses import dataclass, field

from feasibility.serializers import DISCARDED_CLIENT_KEYS
from feasibility.services import (
    EngineFailure,
    Evaluation,
    discarded_keys,
    feasibility_evaluate,
    feasibility_response,
    record_evaluation,
    storable,
)
from runs.enums import RunKind, RunStatus
from runs.services import run_record
from toolpaths.gcode import generate
from toolpaths.summary import summarize
from toolpaths.verify import verify

SAFETY_BLOCKED_MESSAGE = "Toolpath generation blocked by server-side safety policy."


@dataclass
class ToolpathsOutcome:
    http_status: int  # 200, 409 or 500
    body: dict
    run_id: str
    evaluation: Evaluation | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.http_status == 200


def _blocked_body(evaluation: Evaluation, *, run_id: str, raw_request: dict, detail: str, **extra) -> dict:
    result = evaluation.result
    return {
        "type": "https://rmos.example/problems/safety-blocked",
        "title": "Safety blocked",
        "status": 409,
        "detail": detail,
        "error": "SAFETY_BLOCKED",
        "message": SAFETY_BLOCKED_MESSAGE,
        "run_id": run_id,
        "decision": {key: result.get(key) for key in ("risk_level", "score", "block_reason", "warnings")},
        "authoritative_feasibility": feasibility_response(evaluation, run_id=run_id, raw_request=raw_request),
        **extra,
    }


def _error_body(*, run_id: str, detail: str, **extra) -> dict:
    return {
        "type": "https://rmos.example/problems/toolpaths-error",
        "title": "Toolpath generation failed",
        "status": 500,
        "detail": detail,
        "error": "TOOLPATHS_ERROR",
        "run_id": run_id,
        **extra,
    }


def toolpaths_run(
    *, actor, inputs: dict, raw_request: dict, session_id: str = "", approved_sha256: str | None = None
) -> ToolpathsOutcome:
    """Recompute feasibility, gate, generate and verify. Side effects: exactly one ``toolpaths`` artifact:
    ``OK`` with the G-code; ``BLOCKED`` when the verdict is not on the allow-list (GREEN, YELLOW) or, with
    ``approved_sha256``, when the recomputed feasibility hash differs from the approved one; ``ERROR`` when
    the engine, the generator or the verifier fails (nothing is returned to the client then)."""
    ids = {key: inputs.get(key) or "" for key in ("tool_id", "material_id", "machine_id")}
    try:
        evaluation = feasibility_evaluate(inputs=inputs)
    except EngineFailure as exc:
        artifact = run_record(
            kind=RunKind.TOOLPATHS,
            status=RunStatus.ERROR,
            actor=actor,
            request=storable(raw_request),
            discard_keys=DISCARDED_CLIENT_KEYS,
            session_id=session_id,
            errors=[{"code": "ENGINE_ERROR", "message": str(exc)}],
            **ids,
        )
        return ToolpathsOutcome(
            500, _error_body(run_id=artifact.run_id, detail="The feasibility engine failed."), artifact.run_id
        )

    record = {"kind": RunKind.TOOLPATHS, "actor": actor, "raw_request": raw_request, "session_id": session_id}
    if not evaluation.allows_toolpaths:
        reason = evaluation.result.get("block_reason") or f"risk level {evaluation.risk_level}"
        artifact = record_evaluation(
            evaluation, status=RunStatus.BLOCKED, errors=[{"code": "SAFETY_BLOCKED", "message": reason}], **record
        )
        body = _blocked_body(evaluation, run_id=artifact.run_id, raw_request=raw_request, detail=reason)
        return ToolpathsOutcome(409, body, artifact.run_id, evaluation)
    if approved_sha256 is not None and evaluation.feasibility_sha256 != approved_sha256:
        reason = "Feasibility changed since approval (inputs or registry differ); the session needs revision."
        artifact = record_evaluation(
            evaluation, status=RunStatus.BLOCKED, errors=[{"code": "APPROVAL_MISMATCH", "message": reason}], **record
        )
        body = _blocked_body(
            evaluation,
            run_id=artifact.run_id,
            raw_request=raw_request,
            detail=reason,
            approved_feasibility_sha256=approved_sha256,
        )
        return ToolpathsOutcome(409, body, artifact.run_id, evaluation)

    result = evaluation.result
    snapshot = evaluation.registry_snapshot
    try:
        program = generate(
            design=result["design"], cut=result["cut"], tool=snapshot["tool"], machine=snapshot["machine"]
        )
        problems = verify(program.gcode_text, design=result["design"], cut=result["cut"], machine=snapshot["machine"])
        summary = summarize(program.moves, machine=snapshot["machine"]) if not problems else None
    except Exception as exc:  # a generator bug must become an ERROR artifact, never a half answer
        problems = [f"generator failed: {type(exc).__name__}: {exc}"]
    if problems:
        artifact = record_evaluation(
            evaluation,
            status=RunStatus.ERROR,
            errors=[{"code": "VERIFICATION_FAILED", "message": problem} for problem in problems],
            **record,
        )
        body = _error_body(
            run_id=artifact.run_id,
            detail="The generated program failed verification; nothing was released.",
            problems=problems,
        )
        return ToolpathsOutcome(500, body, artifact.run_id, evaluation, problems)

    artifact = record_evaluation(
        evaluation, status=RunStatus.OK, gcode_text=program.gcode_text, toolpaths=summary, **record
    )
    body = {
        "run_id": artifact.run_id,
        "_run_id": artifact.run_id,
        "mode": result.get("mode"),
        "gcode_text": program.gcode_text,
        "toolpaths": summary,
        "authoritative_feasibility": feasibility_response(evaluation, run_id=artifact.run_id, raw_request=raw_request),
        "_hashes": {
            "feasibility_sha256": artifact.feasibility_sha256,
            "toolpaths_sha256": artifact.toolpaths_sha256,
            "gcode_sha256": artifact.gcode_sha256,
        },
        "discarded_client_fields": discarded_keys(raw_request),
    }
    return ToolpathsOutcome(200, body, artifact.run_id, evaluation)
