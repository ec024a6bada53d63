"""Server-side feasibility: the only place a verdict is made, and the artifact that records it.

``feasibility_evaluate`` is shared by the feasibility endpoint, the toolpaths gate and the workflow: all three
judge the same inputs the same way and hash them the same way.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from feasibility import drawings
from feasibility.enums import RiskLevel
from feasibility.selectors import registry_lookup
from feasibility.serializers import DISCARDED_CLIENT_KEYS, JobRequestSerializer
from rmos_site.core.enums import Role
from rmos_site.core.problems import ProblemError, first_validation_message
from rmos_site.core.roles import user_roles
from runs import drawings as store
from runs.enums import RunKind, RunStatus
from runs.hashing import sha256_of
from runs.refusals import Received, engine_failure_record, refusal_record, refuse, storable
from runs.services import run_record

RESULT_KEYS = frozenset({"engine_version", "mode", "risk_level", "score", "block_reason", "warnings", "checks"})


class EngineFailure(Exception):
    """The engine raised or answered something that is not a verdict. Never a score: an ERROR artifact."""


@dataclass(frozen=True)
class Evaluation:
    inputs: dict  # tool/material/machine ids, design and cut as validated
    result: dict  # the engine's verdict
    registry_snapshot: dict  # the registry entries the verdict used
    feasibility_sha256: str
    drawings: dict | None = None  # an outline's drawing text by its SHA-256 (the hash is in the inputs)

    @property
    def drawing_text(self) -> str | None:
        """The text of the drawing the judged design names (outlines), for the generator."""
        design = self.result.get("design") or {}
        source = design.get("source") if isinstance(design, dict) else None
        return (self.drawings or {}).get(source.get("sha256")) if isinstance(source, dict) else None

    @property
    def risk_level(self) -> str:
        return self.result["risk_level"]

    @property
    def allows_toolpaths(self) -> bool:
        # An allow-list, so that anything unexpected blocks.
        return self.result["risk_level"] in RiskLevel.ALLOWS_TOOLPATHS

    def safety(self) -> dict:
        keys = ("risk_level", "score", "block_reason", "warnings", "checks")
        return {key: self.result.get(key) for key in keys}


def configured_engine():
    """The engine ``RMOS_FEASIBILITY_ENGINE`` names (``feasibility.engine.evaluate`` by default)."""
    return import_string(settings.RMOS_FEASIBILITY_ENGINE)


def feasibility_evaluate(*, inputs: dict) -> Evaluation:
    """Judge validated ``inputs`` against the current registry. No side effects; raises ``EngineFailure``.

    ``feasibility_sha256`` covers the inputs, the registry entries used, the engine version and the verdict,
    so the same request against the same registry hashes the same, and any registry edit changes it. A
    drawing counts by its hash, not by the name it was sent under.
    """
    inputs = {key: inputs.get(key) for key in ("tool_id", "material_id", "machine_id", "fixture", "design", "cut")}
    snapshot = registry_lookup(
        tool_id=inputs["tool_id"], material_id=inputs["material_id"], machine_id=inputs["machine_id"]
    )
    # An outline's drawing, by the hash its design names: the hash is in the inputs, so the verdict's hash
    # covers the file.
    texts = store.texts_of(inputs["design"])
    try:
        result = configured_engine()(inputs, **snapshot, **({"drawings": texts} if texts else {}))
    except Exception as exc:
        raise EngineFailure(f"{type(exc).__name__}: {exc}") from exc
    _check_result(result)
    basis = {"inputs": inputs, "registry": snapshot, "engine_version": result["engine_version"], "verdict": result}
    digest = sha256_of(_without_drawing_names(basis))
    return Evaluation(
        inputs=inputs, result=result, registry_snapshot=snapshot, feasibility_sha256=digest, drawings=texts or None
    )


def _without_drawing_names(value):
    """``value`` with the file name left out of every drawing it names (``{format, sha256, bytes, name}``): what
    is judged is the file's bytes, which its hash names; the same file sent as ``body.dxf``, as ``body v2.dxf``
    or by its hash alone is the same job, and hashes the same. The name stays in the request and the verdict."""
    if isinstance(value, dict):
        if "sha256" in value and "format" in value:
            return {key: item for key, item in value.items() if key != "name"}
        return {key: _without_drawing_names(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_drawing_names(item) for item in value]
    return value


def _check_result(result) -> None:
    """Fail closed on anything that is not a well-formed verdict (a plug-in engine may be wrong)."""
    if not isinstance(result, dict) or not set(result) >= RESULT_KEYS:
        raise EngineFailure("engine result is not a verdict object")
    if result["risk_level"] not in set(RiskLevel):
        raise EngineFailure(f"engine answered unknown risk level {result['risk_level']!r}")
    score = result["score"]
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100:
        raise EngineFailure(f"engine answered an invalid score {score!r}")
    try:
        sha256_of(result)
    except (TypeError, ValueError) as exc:
        raise EngineFailure(f"engine result is not canonical JSON: {exc}") from exc


# --- the job calls' who and what, shared by the feasibility and toolpaths jobs -------------------------

JOB_ROLE = Role.OPERATOR
JOB_REFUSED = "Only operators may run jobs."


def job_check_role(*, kind: str, actor) -> None:
    """Only operators run jobs. A refused call by an authenticated user leaves a BLOCKED artifact of ``kind``
    (every authenticated call does) and raises 403 ``PERMISSION_DENIED`` naming it."""
    if JOB_ROLE not in user_roles(actor):
        problem = ProblemError(status=403, error="PERMISSION_DENIED", title="Permission denied", detail=JOB_REFUSED)
        raise refuse(problem, kind=kind, actor=actor)


def job_request(*, kind: str, actor, body: Received) -> tuple[dict, dict]:
    """Check the role, then validate the body of a feasibility/toolpaths call: (validated inputs, the body as
    received). Callers: the job endpoints (the body as parsed from HTTP) and the "Run a job" page (the body its
    form builds), so a refusal leaves the same artifact from either.

    A body that does not parse or validate still leaves an ``ERROR`` artifact and is answered 400 with that
    artifact's ``run_id``.
    """
    job_check_role(kind=kind, actor=actor)
    if not body.parsed:
        _refuse_body(kind=kind, actor=actor, body=body, error="MALFORMED_REQUEST", detail=body.parse_error)
    raw = body.data
    if not isinstance(raw, dict):
        _refuse_body(kind=kind, actor=actor, body=body, error="VALIDATION_ERROR", detail="Expected a JSON object.")
    serializer = JobRequestSerializer(data=raw)
    if not serializer.is_valid():
        _refuse_body(
            kind=kind, actor=actor, body=body, error="VALIDATION_ERROR", detail="Invalid request.",
            errors=serializer.errors,
        )  # fmt: skip
    inputs = dict(serializer.validated_data)
    try:
        inputs["design"] = drawings.receive(inputs.get("design"), actor=actor)
    except drawings.DrawingRefused as refused:
        errors = {"design": {"source": [refused.detail]}}
        _refuse_body(
            kind=kind, actor=actor, body=body, error=refused.error, detail=refused.detail, errors=errors,
            status=refused.status,
        )  # fmt: skip
    return inputs, drawings.recordable(dict(raw))


def _refuse_body(*, kind: str, actor, body: Received, error: str, detail: str, errors=None, status: int = 400):
    recorded = drawings.recordable(body.as_recorded())
    run_id = refusal_record(
        kind=kind,
        actor=actor,
        status=RunStatus.ERROR,
        code=error,
        message=detail,
        fields=errors,
        request=recorded if isinstance(recorded, dict) else {"body": recorded},
        discard_keys=DISCARDED_CLIENT_KEYS,
    )
    extra = {"errors": errors} if errors is not None else {}
    if errors:
        detail = first_validation_message(errors)
    title = "Drawing too large" if status == 413 else "Invalid request"
    raise ProblemError(status=status, error=error, title=title, detail=detail, run_id=run_id, **extra)


def discarded_keys(raw: dict) -> list[str]:
    return sorted(DISCARDED_CLIENT_KEYS & set(raw))


# --- the feasibility endpoint's service ----------------------------------------------------------------


def feasibility_run(*, actor, inputs: dict, raw_request: dict, session_id: str = "") -> dict:
    """Judge a validated job and record it. ``session_id``, when given, has been checked by the caller
    (``workflow.jobs``). Side effects: one ``feasibility`` artifact: OK; BLOCKED when the actor is not an
    operator (403 raised); ERROR when the engine fails (``ProblemError`` 500 ``FEASIBILITY_ERROR`` names it)."""
    job_check_role(kind=RunKind.FEASIBILITY, actor=actor)
    try:
        evaluation = feasibility_evaluate(inputs=inputs)
    except EngineFailure as exc:
        run_id = record_engine_failure(
            exc, kind=RunKind.FEASIBILITY, actor=actor, inputs=inputs, raw_request=raw_request, session_id=session_id
        )
        raise ProblemError(
            status=500,
            error="FEASIBILITY_ERROR",
            title="Feasibility engine failed",
            detail="The feasibility engine failed; no verdict was made.",
            run_id=run_id,
        ) from exc
    artifact = record_evaluation(
        evaluation,
        kind=RunKind.FEASIBILITY,
        status=RunStatus.OK,
        actor=actor,
        raw_request=raw_request,
        session_id=session_id,
    )
    return feasibility_response(evaluation, run_id=artifact.run_id, raw_request=raw_request)


def record_engine_failure(
    failure: EngineFailure, *, kind: str, actor, inputs: dict, raw_request: dict, session_id: str = ""
) -> str:
    """The ERROR artifact of a failed engine, with the job's ids: the one copy for the feasibility endpoint,
    the toolpaths gate and the workflow."""
    return engine_failure_record(
        kind=kind,
        actor=actor,
        request=raw_request,
        failure=failure,
        discard_keys=DISCARDED_CLIENT_KEYS,
        session_id=session_id,
        **{key: inputs.get(key) or "" for key in ("tool_id", "material_id", "machine_id")},
    )


def record_evaluation(evaluation: Evaluation, *, kind: str, status: str, actor, raw_request: dict, **extra):
    result = evaluation.result
    return run_record(
        kind=kind,
        status=status,
        discard_keys=DISCARDED_CLIENT_KEYS,
        actor=actor,
        request=storable(raw_request),
        mode=result.get("mode") or "",
        tool_id=evaluation.inputs["tool_id"] or "",
        material_id=evaluation.inputs["material_id"] or "",
        machine_id=evaluation.inputs["machine_id"] or "",
        risk_level=result["risk_level"],
        score=result["score"],
        feasibility=result,
        feasibility_sha256=evaluation.feasibility_sha256,
        registry_snapshot=evaluation.registry_snapshot,
        engine_version=result["engine_version"],
        **extra,
    )


def feasibility_response(evaluation: Evaluation, *, run_id: str, raw_request: dict) -> dict:
    result = evaluation.result
    return {
        "run_id": run_id,
        "mode": result.get("mode"),
        "tool_id": evaluation.inputs["tool_id"],
        "material_id": evaluation.inputs["material_id"],
        "machine_id": evaluation.inputs["machine_id"],
        "safety": evaluation.safety(),
        "design": result.get("design"),
        "cut": result.get("cut"),
        "feasibility_sha256": evaluation.feasibility_sha256,
        "engine_version": result["engine_version"],
        "discarded_client_fields": discarded_keys(raw_request),
    }
