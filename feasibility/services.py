"""Server-side feasibility: the only place a verdict is made, and the artifact that records it.

``feasibility_evaluate`` is shared by the feasibility endpoint, the toolpaths gate and the workflow: all three
judge the same inputs the same way and hash them the same way.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string
from rest_framework.exceptions import ParseError, ValidationError

from feasibility.enums import RiskLevel
from feasibility.selectors import registry_lookup
from feasibility.serializers import DISCARDED_CLIENT_KEYS, JobRequestSerializer
from rmos_site.core.problems import ProblemError, first_validation_message
from runs.enums import RunKind, RunStatus
from runs.hashing import sha256_of
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


def _engine():
    return import_string(settings.RMOS_FEASIBILITY_ENGINE)


def feasibility_evaluate(*, inputs: dict) -> Evaluation:
    """Judge validated ``inputs`` against the current registry. No side effects; raises ``EngineFailure``.

    ``feasibility_sha256`` covers the inputs, the registry entries used, the engine version and the verdict,
    so the same request against the same registry hashes the same, and any registry edit changes it.
    """
    inputs = {key: inputs.get(key) for key in ("tool_id", "material_id", "machine_id", "fixture", "design", "cut")}
    snapshot = registry_lookup(
        tool_id=inputs["tool_id"], material_id=inputs["material_id"], machine_id=inputs["machine_id"]
    )
    try:
        result = _engine()(inputs, **snapshot)
    except Exception as exc:
        raise EngineFailure(f"{type(exc).__name__}: {exc}") from exc
    _check_result(result)
    digest = sha256_of(
        {"inputs": inputs, "registry": snapshot, "engine_version": result["engine_version"], "verdict": result}
    )
    return Evaluation(inputs=inputs, result=result, registry_snapshot=snapshot, feasibility_sha256=digest)


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


# --- request parsing shared by the feasibility and toolpaths endpoints ---------------------------------


def storable(value):
    """The request as received, made storable: Postgres JSON holds neither NUL characters nor unpaired
    surrogates (which JSON text may escape, ``"\\ud800"``), so both are kept as their escapes."""
    if isinstance(value, str):
        return value.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {storable(str(k)): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def parse_job_request(request, *, kind: str) -> tuple[dict, dict]:
    """Validate the body of a feasibility/toolpaths call: (validated inputs, raw request as received).

    A body that does not validate still leaves an ``ERROR`` artifact (every authenticated call does), and
    is answered 400 with that artifact's ``run_id``.
    """
    try:
        raw = request.data
    except ParseError as exc:
        body = request.body.decode("utf-8", errors="replace")[:2000]
        _refuse(request, kind=kind, raw={"unparseable_body": body}, error="MALFORMED_REQUEST", detail=str(exc.detail))
    if not isinstance(raw, dict):
        _refuse(request, kind=kind, raw={"body": raw}, error="VALIDATION_ERROR", detail="Expected a JSON object.")
    serializer = JobRequestSerializer(data=raw)
    try:
        serializer.is_valid(raise_exception=True)
    except ValidationError as exc:
        _refuse(request, kind=kind, raw=raw, error="VALIDATION_ERROR", detail="Invalid request.", errors=exc.detail)
    return dict(serializer.validated_data), dict(raw)


def _refuse(request, *, kind: str, raw, error: str, detail: str, errors=None):
    artifact = run_record(
        kind=kind,
        status=RunStatus.ERROR,
        discard_keys=DISCARDED_CLIENT_KEYS,
        actor=request.user,
        request=storable(raw),
        errors=storable([{"code": error, "message": detail, **({"fields": errors} if errors else {})}]),
    )
    extra = {"errors": errors} if errors is not None else {}
    if errors:
        detail = first_validation_message(errors)
    raise ProblemError(status=400, error=error, title="Invalid request", detail=detail, run_id=artifact.run_id, **extra)


def discarded_keys(raw: dict) -> list[str]:
    return sorted(DISCARDED_CLIENT_KEYS & set(raw))


# --- the feasibility endpoint's service ----------------------------------------------------------------


def feasibility_run(*, actor, inputs: dict, raw_request: dict) -> dict:
    """Judge a job and record it. Side effects: one ``feasibility`` artifact (OK, or ERROR when the engine
    fails, in which case ``ProblemError`` 500 ``FEASIBILITY_ERROR`` carries its ``run_id``)."""
    ids = {key: inputs.get(key) or "" for key in ("tool_id", "material_id", "machine_id")}
    try:
        evaluation = feasibility_evaluate(inputs=inputs)
    except EngineFailure as exc:
        artifact = run_record(
            kind=RunKind.FEASIBILITY,
            status=RunStatus.ERROR,
            actor=actor,
            request=storable(raw_request),
            discard_keys=DISCARDED_CLIENT_KEYS,
            session_id=inputs.get("session_id") or "",
            errors=[{"code": "ENGINE_ERROR", "message": str(exc)}],
            **ids,
        )
        raise ProblemError(
            status=500,
            error="FEASIBILITY_ERROR",
            title="Feasibility engine failed",
            detail="The feasibility engine failed; no verdict was made.",
            run_id=artifact.run_id,
        ) from exc
    artifact = record_evaluation(
        evaluation,
        kind=RunKind.FEASIBILITY,
        status=RunStatus.OK,
        actor=actor,
        raw_request=raw_request,
        session_id=inputs.get("session_id") or "",
    )
    return feasibility_response(evaluation, run_id=artifact.run_id, raw_request=raw_request)


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
