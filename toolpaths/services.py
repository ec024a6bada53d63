"""The only way a program reaches a machine: server feasibility, an allow-list gate, generation, verification,
and an artifact for every outcome.

``toolpaths_run`` judges validated inputs (``feasibility.services.job_request`` validates a body) and answers
with ``ToolpathsResult``, or raises ``ProblemError`` (409 ``SAFETY_BLOCKED``, 500 ``TOOLPATHS_ERROR``) naming
the artifact it wrote. A caller holding a transaction (the workflow) catches it, commits its own state change
together with the artifact, and raises it after the commit. Nothing here knows about workflow sessions: the
session branch of the toolpaths endpoint is ``workflow.jobs``.
"""

from dataclasses import dataclass

from feasibility.engine.tables import DEFAULT_POLICY
from feasibility.enums import RiskLevel
from feasibility.serializers import DISCARDED_CLIENT_KEYS
from feasibility.services import (
    EngineFailure,
    Evaluation,
    discarded_keys,
    feasibility_evaluate,
    feasibility_response,
    job_check_role,
    record_engine_failure,
    record_evaluation,
)
from rmos_site.core.problems import ProblemError
from runs.enums import RunKind, RunStatus
from runs.refusals import refusal_record
from toolpaths.gcode import generate
from toolpaths.posts import GenerationRefused
from toolpaths.summary import summarize
from toolpaths.verify import verify

SAFETY_BLOCKED_MESSAGE = "Toolpath generation blocked by server-side safety policy."
APPROVAL_REQUIRED_MESSAGE = "This job needs an approved workflow session before G-code is released."


@dataclass
class ToolpathsResult:
    body: dict  # the endpoint's 200 body
    run_id: str


def _blocked(evaluation: Evaluation, *, run_id: str, raw_request: dict, detail: str, **extra) -> ProblemError:
    result = evaluation.result
    return ProblemError(
        status=409,
        error="SAFETY_BLOCKED",
        title="Safety blocked",
        detail=detail,
        message=SAFETY_BLOCKED_MESSAGE,
        run_id=run_id,
        decision={key: result.get(key) for key in ("risk_level", "score", "block_reason", "warnings")},
        authoritative_feasibility=feasibility_response(evaluation, run_id=run_id, raw_request=raw_request),
        **extra,
    )


def approval_required_reason(evaluation: Evaluation) -> str | None:
    """Why a job without a session may not be released although its verdict is on the allow-list, or None.

    The shop policy as the verdict was judged with (``registry_snapshot["policy"]``, covered by its hash):
    GREEN is released; YELLOW only at or above the score an approver would need
    (``approval_min_yellow_score``), and never when ``yellow_requires_session``. What no approver could
    sign off must not come out of the side door."""
    if evaluation.risk_level != RiskLevel.YELLOW:
        return None
    policy = evaluation.registry_snapshot.get("policy") or {}
    score = evaluation.result.get("score")
    if policy.get("yellow_requires_session", True):
        return f"YELLOW (score {score:g}): the shop policy requires an approved session for every YELLOW job"
    minimum = policy.get("approval_min_yellow_score", 100.0)
    if score < minimum:
        return (
            f"YELLOW with score {score:g}, below the {minimum:g} an approver would need: "
            "no approver could sign this off, so it is not released without a session"
        )
    return None


def _approval_required(evaluation: Evaluation, *, reason: str, record: dict) -> ProblemError:
    """The 409 ``APPROVAL_REQUIRED`` of a job without a session, with its BLOCKED artifact (kept by
    ``runs.refusals``, the one writer of refusals, with the verdict and the snapshot it was judged with)."""
    result, inputs = evaluation.result, evaluation.inputs
    raw_request = record["raw_request"]
    detail = f"{reason}. Start a workflow session: an approver reviews the verdict, then the session releases it."
    run_id = refusal_record(
        kind=record["kind"],
        actor=record["actor"],
        code="APPROVAL_REQUIRED",
        message=detail,
        request=raw_request,
        discard_keys=DISCARDED_CLIENT_KEYS,
        session_id=record["session_id"],
        mode=result.get("mode") or "",
        tool_id=inputs["tool_id"] or "",
        material_id=inputs["material_id"] or "",
        machine_id=inputs["machine_id"] or "",
        risk_level=result["risk_level"],
        score=result["score"],
        feasibility=result,
        feasibility_sha256=evaluation.feasibility_sha256,
        registry_snapshot=evaluation.registry_snapshot,
        engine_version=result["engine_version"],
    )
    return ProblemError(
        status=409,
        error="APPROVAL_REQUIRED",
        title="Approval required",
        detail=detail,
        message=APPROVAL_REQUIRED_MESSAGE,
        run_id=run_id,
        decision={key: result.get(key) for key in ("risk_level", "score", "block_reason", "warnings")},
        approval_min_yellow_score=(evaluation.registry_snapshot.get("policy") or {}).get("approval_min_yellow_score"),
        authoritative_feasibility=feasibility_response(evaluation, run_id=run_id, raw_request=raw_request),
    )


def over_limits(program, policy: dict) -> list[str]:
    """What of the shop policy's size limits a generated program exceeds (a missing limit is its default)."""
    problems = []
    max_moves = policy.get("max_moves", DEFAULT_POLICY["max_moves"])
    max_bytes = policy.get("max_gcode_bytes", DEFAULT_POLICY["max_gcode_bytes"])
    if len(program.moves) > max_moves:
        problems.append(f"program has {len(program.moves)} moves, over the shop's limit of {max_moves} (max_moves)")
    size = len(program.gcode_text.encode())
    if size > max_bytes:
        problems.append(f"program is {size} bytes, over the shop's limit of {max_bytes} (max_gcode_bytes)")
    return problems


def _failed(*, run_id: str, detail: str, **extra) -> ProblemError:
    return ProblemError(
        status=500, error="TOOLPATHS_ERROR", title="Toolpath generation failed", detail=detail, run_id=run_id, **extra
    )


def toolpaths_run(
    *, actor, inputs: dict, raw_request: dict, session_id: str = "", approved_sha256: str | None = None
) -> ToolpathsResult:
    """Recompute feasibility, gate, generate and verify. Side effects: exactly one ``toolpaths`` artifact:
    ``OK`` with the G-code; ``BLOCKED`` when the actor is not an operator (403), when the verdict is not on
    the allow-list (GREEN, YELLOW) or, with ``approved_sha256``, when the recomputed feasibility hash differs
    from the approved one (409 ``SAFETY_BLOCKED``), and, without a session, for a YELLOW the shop policy does
    not release without one (409 ``APPROVAL_REQUIRED``, ``approval_required_reason``); ``ERROR`` when the
    engine, the generator or the verifier fails (500 ``TOOLPATHS_ERROR``; nothing is released then). Every
    outcome but OK is raised."""
    job_check_role(kind=RunKind.TOOLPATHS, actor=actor)
    try:
        evaluation = feasibility_evaluate(inputs=inputs)
    except EngineFailure as exc:
        run_id = record_engine_failure(
            exc, kind=RunKind.TOOLPATHS, actor=actor, inputs=inputs, raw_request=raw_request, session_id=session_id
        )
        raise _failed(run_id=run_id, detail="The feasibility engine failed.") from exc

    record = {"kind": RunKind.TOOLPATHS, "actor": actor, "raw_request": raw_request, "session_id": session_id}
    if not evaluation.allows_toolpaths:
        reason = evaluation.result.get("block_reason") or f"risk level {evaluation.risk_level}"
        artifact = record_evaluation(
            evaluation, status=RunStatus.BLOCKED, errors=[{"code": "SAFETY_BLOCKED", "message": reason}], **record
        )
        raise _blocked(evaluation, run_id=artifact.run_id, raw_request=raw_request, detail=reason)
    if not session_id and (reason := approval_required_reason(evaluation)):
        raise _approval_required(evaluation, reason=reason, record=record)
    if approved_sha256 is not None and evaluation.feasibility_sha256 != approved_sha256:
        reason = "Feasibility changed since approval (inputs or registry differ); the session needs revision."
        artifact = record_evaluation(
            evaluation, status=RunStatus.BLOCKED, errors=[{"code": "APPROVAL_MISMATCH", "message": reason}], **record
        )
        raise _blocked(
            evaluation,
            run_id=artifact.run_id,
            raw_request=raw_request,
            detail=reason,
            approved_feasibility_sha256=approved_sha256,
        )

    result = evaluation.result
    snapshot = evaluation.registry_snapshot
    post = inputs.get("post")
    try:
        program = generate(
            design=result["design"],
            cut=result["cut"],
            tool=snapshot["tool"],
            machine=snapshot["machine"],
            post=post,
            job_label=f"feasibility {evaluation.feasibility_sha256[:16]}"
            + (f" session {session_id}" if session_id else ""),
            drawing=evaluation.drawing_text,
        )
        # The engine refused what its estimate put over the shop's limits; should a program still exceed them,
        # it is not released (nor verified: that would walk it again).
        problems = over_limits(program, snapshot.get("policy") or {})
        if not problems:
            problems = verify(
                program.gcode_text, design=result["design"], cut=result["cut"], machine=snapshot["machine"], post=post
            )
        summary = None
        if not problems:
            # The post that wrote the text (its name, which also names the download's file extension), its
            # version and the entry strategy, inside the hashed toolpaths output.
            summary = {
                **summarize(program.moves, machine=snapshot["machine"]),
                "post": program.post,
                "post_version": program.post_version,
                "entry": program.entry,
            }
    except GenerationRefused as exc:
        # The job cannot be written as asked for this controller or tool: refused with the reason, never altered.
        reason = f"The program cannot be written as asked: {exc}."
        artifact = record_evaluation(
            evaluation, status=RunStatus.BLOCKED, errors=[{"code": "POST_REFUSED", "message": str(exc)}], **record
        )
        raise _blocked(evaluation, run_id=artifact.run_id, raw_request=raw_request, detail=reason) from None
    except Exception as exc:  # a generator bug must become an ERROR artifact, never a half answer
        problems = [f"generator failed: {type(exc).__name__}: {exc}"]
    if problems:
        artifact = record_evaluation(
            evaluation,
            status=RunStatus.ERROR,
            errors=[{"code": "VERIFICATION_FAILED", "message": problem} for problem in problems],
            **record,
        )
        raise _failed(
            run_id=artifact.run_id,
            detail="The generated program failed verification; nothing was released.",
            problems=problems,
        )

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
    return ToolpathsResult(body, artifact.run_id)
