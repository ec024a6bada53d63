"""The only way a program reaches a machine: server feasibility, an allow-list gate, generation, verification,
and an artifact for every outcome.

``toolpaths_run`` judges validated inputs (``feasibility.services.job_request`` validates a body) and answers
with ``ToolpathsResult``, or raises ``ProblemError`` (409 ``SAFETY_BLOCKED``, 500 ``TOOLPATHS_ERROR``) naming
the artifact it wrote. A caller holding a transaction (the workflow) catches it, commits its own state change
together with the artifact, and raises it after the commit. Nothing here knows about workflow sessions: the
session branch of the toolpaths endpoint is ``workflow.jobs``.
"""

from dataclasses import dataclass

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
from toolpaths.gcode import generate
from toolpaths.posts import GenerationRefused
from toolpaths.summary import summarize
from toolpaths.verify import verify

SAFETY_BLOCKED_MESSAGE = "Toolpath generation blocked by server-side safety policy."


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
    from the approved one (409 ``SAFETY_BLOCKED``); ``ERROR`` when the engine, the generator or the verifier
    fails (500 ``TOOLPATHS_ERROR``; nothing is released then). Every outcome but OK is raised."""
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
        )
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
