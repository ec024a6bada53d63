"""Every state change of a workflow session has its home here: one function per action.

Each runs ``transaction.atomic()`` -> ``select_for_update()`` on the session -> role, state, four-eyes and
condition checks -> the django-fsm transition(s) -> one ``TransitionEvent`` per transition -> ``save()``. The
API, the pages and the admin call these functions and nothing else changes a session.

Refusals that must leave a trace (a refused approval, feasibility or toolpaths request; toolpaths blocked by a
changed verdict) record their run artifact, and any state change, in the atomic block and raise only after it
has committed, so the 409/500 answer always names an artifact that exists.
"""

from dataclasses import dataclass

from django.db import transaction
from rest_framework import serializers

from feasibility.serializers import DesignField
from feasibility.services import EngineFailure, feasibility_evaluate, record_evaluation
from rmos_site.core.problems import ProblemError, first_validation_message
from rmos_site.core.roles import user_roles
from runs.enums import RunKind, RunStatus
from runs.services import run_record
from toolpaths.services import ToolpathsOutcome, toolpaths_run
from workflow.enums import ACTION_ROLE, SessionAction, SessionMode, SessionState
from workflow.models import ACTION_METHODS, CONTEXT_KEYS, TransitionEvent, WorkflowSession
from workflow.selectors import parse_session_id, session_not_found

A = SessionAction
NOTE_MAX_LENGTH = 2000
ID_MAX_LENGTH = 64


@dataclass
class SessionResult:
    session: WorkflowSession
    run_id: str = ""  # the artifact this call wrote, if any
    toolpaths: ToolpathsOutcome | None = None


# --- errors -----------------------------------------------------------------------------------------------


def _session_members(session: WorkflowSession, actor) -> dict:
    return {
        "session_id": str(session.pk),
        "state": session.state,
        "allowed_actions": session.allowed_actions(actor),
    }


def _transition_blocked(session: WorkflowSession, action: str, actor) -> ProblemError:
    detail = f"Action '{action}' is not allowed in state '{session.state}'."
    if action == A.APPROVE and session.state in (SessionState.DRAFT, SessionState.CONTEXT_READY):
        detail = f"Approval needs a feasibility result; the session is in state '{session.state}'."
    return ProblemError(
        status=409,
        error="TRANSITION_BLOCKED",
        title="Transition blocked",
        detail=detail,
        message=detail,
        action=action,
        **_session_members(session, actor),
    )


def _check(session: WorkflowSession, action: str, actor, *, feasibility_sha256: str = "") -> None:
    """Role, then state, then four eyes, then the transition's conditions; raises the first that fails."""
    if ACTION_ROLE[action] not in user_roles(actor):
        raise ProblemError(
            status=403,
            error="PERMISSION_DENIED",
            title="Permission denied",
            detail=f"Only the {ACTION_ROLE[action]} role may {action} a session.",
            session_id=str(session.pk),
        )
    if not session.state_allows(action):
        raise _transition_blocked(session, action, actor)
    if action in A.FOUR_EYES and not session.four_eyes_ok(actor):
        raise ProblemError(
            status=403,
            error="FOUR_EYES_REQUIRED",
            title="Four-eyes principle",
            detail=f"An approver may not {action} a session they created; another approver must.",
            **_session_members(session, actor),
        )
    if action == A.APPROVE:
        reason = session.approval_block_reason()
        if reason is None and feasibility_sha256 and feasibility_sha256 != session.feasibility_sha256:
            reason = "Approval blocked: the feasibility result changed since it was reviewed"
        if reason is not None:
            raise ProblemError(
                status=409,
                error="APPROVAL_BLOCKED",
                title="Approval blocked",
                detail=reason,
                message=reason,
                risk_level=session.risk_level or None,
                score=session.score,
                feasibility_sha256=session.feasibility_sha256 or None,
                **_session_members(session, actor),
            )
    if not session.conditions_met(action):
        raise _transition_blocked(session, action, actor)


def _invalid(field: str, message: str) -> ProblemError:
    errors = {field: [message]}
    return ProblemError(
        status=400,
        error="VALIDATION_ERROR",
        title="Invalid request",
        detail=first_validation_message(errors),
        errors=errors,
    )


# --- the row, the event --------------------------------------------------------------------------------


def _lock(*, session_id=None, session: WorkflowSession | None = None) -> WorkflowSession:
    """The session row, locked until the transaction ends: concurrent actions on it queue here."""
    if (session_id is None) == (session is None):
        raise TypeError("pass exactly one of session_id and session")
    given = session.pk if session is not None else session_id
    pk = parse_session_id(given)
    if pk is None:
        raise session_not_found(given)
    try:
        return WorkflowSession.objects.select_for_update().get(pk=pk)
    except WorkflowSession.DoesNotExist:
        raise session_not_found(given) from None


# Transitions that keep the artifact they produced on the session (the others only name it in their event).
_LINKS_RUN = frozenset(
    {A.FEASIBILITY_COMPLETE, A.APPROVE, A.TOOLPATHS_COMPLETE, A.TOOLPATHS_BLOCKED, A.TOOLPATHS_FAILED}
)


def _transition(session: WorkflowSession, action: str, actor, *args, note: str = "", run_id: str = "", **kwargs):
    """Apply one transition and write its event; the caller saves the session before the block ends."""
    from_state = session.state
    if action in _LINKS_RUN:
        kwargs["run_id"] = run_id
    if action == A.APPROVE:
        kwargs["note"] = note
    getattr(session, ACTION_METHODS[action])(*args, **kwargs)
    TransitionEvent.objects.create(
        session=session,
        actor=actor.get_username(),
        role=ACTION_ROLE[action],
        action=action,
        from_state=from_state,
        to_state=session.state,
        note=note,
        run_id=run_id,
    )


def _record_refusal(kind: str, refusal: ProblemError, *, actor, session_id, request: dict, session=None) -> str:
    """A BLOCKED artifact for a refused approval/feasibility/toolpaths call; its run_id joins the problem."""
    pk = parse_session_id(session_id)
    summary = {}
    if session is not None:
        context = session.context or {}
        summary = {key: str(context.get(key) or "")[:ID_MAX_LENGTH] for key in CONTEXT_KEYS}
        summary |= {
            "mode": session.feasibility_mode,
            "risk_level": session.risk_level,
            "score": session.score,
            "feasibility_sha256": session.feasibility_sha256,
        }
    artifact = run_record(
        kind=kind,
        status=RunStatus.BLOCKED,
        actor=actor,
        request=request,
        session_id=str(pk) if pk else "",
        errors=[{"code": refusal.error, "message": refusal.detail}],
        **summary,
    )
    refusal.extra["run_id"] = artifact.run_id
    return artifact.run_id


def _request(session_id, action: str, **fields) -> dict:
    return {"session_id": str(session_id)[:100], "action": action, **fields}


# --- validation shared by every caller -----------------------------------------------------------------


def _clean_text(value, field: str, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _invalid(field, "Expected a string.")
    value = value.strip()
    if required and not value:
        raise _invalid(field, "A reason is required.")
    if len(value) > NOTE_MAX_LENGTH:
        raise _invalid(field, f"At most {NOTE_MAX_LENGTH} characters.")
    if "\x00" in value:
        raise _invalid(field, "NUL characters are not allowed.")
    return value


def clean_design(design) -> dict:
    """A design validated as the feasibility endpoint validates it (``feasibility.serializers.DesignField``)."""
    try:
        return DesignField().run_validation(design)
    except serializers.ValidationError as exc:
        errors = {"design": exc.detail}
        raise ProblemError(
            status=400,
            error="VALIDATION_ERROR",
            title="Invalid request",
            detail=first_validation_message(errors),
            errors=errors,
        ) from None


def clean_context(context, *, partial: bool = False) -> dict:
    """``{tool_id, material_id, machine_id}`` as non-empty strings. Unknown ids are allowed on purpose: the
    engine answers UNKNOWN for them, which blocks approval, and the artifact shows why."""
    if not isinstance(context, dict):
        raise _invalid("context", "Expected an object with tool_id, material_id and machine_id.")
    unknown = sorted(set(context) - set(CONTEXT_KEYS))
    if unknown:
        raise _invalid(f"context.{unknown[0]}", "Unknown field.")
    cleaned = {}
    for key in CONTEXT_KEYS:
        value = context.get(key)
        if value is None and partial:
            continue
        if not isinstance(value, str) or not value.strip():
            raise _invalid(f"context.{key}", "A non-empty string is required.")
        if len(value) > ID_MAX_LENGTH or "\x00" in value:
            raise _invalid(f"context.{key}", f"At most {ID_MAX_LENGTH} characters, no NUL.")
        cleaned[key] = value.strip()
    return cleaned


# --- the actions -------------------------------------------------------------------------------------


def session_create(*, actor, mode: str = SessionMode.DESIGN_FIRST, design=None, context=None) -> SessionResult:
    """Create a session in ``draft`` and apply the design and context given with it.

    ``context`` may be partial (the seed's create call sends only ``tool_id``); the session becomes
    ``context_ready`` only once the design and all three ids exist.
    Side effects: one session row; a ``create`` event, plus a ``design`` and/or ``context`` event when given.
    """
    if ACTION_ROLE[A.CREATE] not in user_roles(actor):
        raise ProblemError(
            status=403, error="PERMISSION_DENIED", title="Permission denied", detail="Only operators create sessions."
        )
    if mode not in SessionMode.values:
        raise _invalid("mode", f"Expected one of {', '.join(SessionMode.values)}.")
    design = clean_design(design) if design is not None else None
    context = clean_context(context, partial=True) if context else None
    with transaction.atomic():
        session = WorkflowSession.objects.create(mode=mode, created_by=actor)
        TransitionEvent.objects.create(
            session=session,
            actor=actor.get_username(),
            role=ACTION_ROLE[A.CREATE],
            action=A.CREATE,
            from_state="",
            to_state=session.state,
        )
        if design is not None:
            _transition(session, A.DESIGN, actor, design)
        if context:
            _transition(session, A.CONTEXT, actor, context)
        session.save()
    return SessionResult(session)


def session_set_design(*, session_id=None, session=None, actor, design) -> SessionResult:
    """Replace the design (``draft``, ``context_ready`` or ``design_revision_required``).

    Clears the feasibility verdict and any approval. Side effects: the session row, one ``design`` event.
    """
    design = clean_design(design)
    with transaction.atomic():
        session = _lock(session_id=session_id, session=session)
        _check(session, A.DESIGN, actor)
        _transition(session, A.DESIGN, actor, design)
        session.save()
    return SessionResult(session)


def session_set_context(*, session_id=None, session=None, actor, context) -> SessionResult:
    """Replace the context (tool, material, machine ids), in the same states as the design.

    Clears the feasibility verdict and any approval. Side effects: the session row, one ``context`` event.
    """
    context = clean_context(context)
    with transaction.atomic():
        session = _lock(session_id=session_id, session=session)
        _check(session, A.CONTEXT, actor)
        _transition(session, A.CONTEXT, actor, context)
        session.save()
    return SessionResult(session)


def session_request_feasibility(*, session_id=None, session=None, actor) -> SessionResult:
    """Judge the stored design and context on the server: ``context_ready`` -> ``feasibility_requested`` ->
    ``feasibility_ready``, whatever the risk.

    Side effects: one ``feasibility`` artifact linked to the session: OK with the verdict; ERROR when the engine
    fails, after which the session is back in ``context_ready`` and ``ProblemError`` 500 ``FEASIBILITY_ERROR``
    is raised; BLOCKED when refused (role, state), with the refusal raised. Two events on success or failure.
    """
    given = session.pk if session is not None else session_id
    failure = None
    with transaction.atomic():
        try:
            session = _lock(session_id=session_id, session=session)
            _check(session, A.FEASIBILITY, actor)
        except ProblemError as refusal:
            _record_refusal(
                RunKind.FEASIBILITY, refusal, actor=actor, session_id=given, session=_found(refusal, session),
                request=_request(given, A.FEASIBILITY),
            )  # fmt: skip
            failure = refusal
        else:
            inputs = session.job_inputs()
            raw = _request(session.pk, A.FEASIBILITY, **inputs)
            try:
                evaluation = feasibility_evaluate(inputs=inputs)
            except EngineFailure as exc:
                artifact = run_record(
                    kind=RunKind.FEASIBILITY, status=RunStatus.ERROR, actor=actor, request=raw,
                    session_id=str(session.pk), errors=[{"code": "ENGINE_ERROR", "message": str(exc)}],
                    **{key: inputs[key] for key in CONTEXT_KEYS},
                )  # fmt: skip
                _transition(session, A.FEASIBILITY, actor, run_id=artifact.run_id)
                _transition(
                    session, A.FEASIBILITY_FAILED, actor, note=str(exc)[:NOTE_MAX_LENGTH], run_id=artifact.run_id
                )
                session.save()
                failure = ProblemError(
                    status=500, error="FEASIBILITY_ERROR", title="Feasibility engine failed",
                    detail="The feasibility engine failed; no verdict was made. The session is back in context_ready.",
                    run_id=artifact.run_id, **_session_members(session, actor),
                )  # fmt: skip
            else:
                artifact = record_evaluation(
                    evaluation, kind=RunKind.FEASIBILITY, status=RunStatus.OK, actor=actor, raw_request=raw,
                    session_id=str(session.pk),
                )  # fmt: skip
                _transition(session, A.FEASIBILITY, actor, run_id=artifact.run_id)
                _transition(
                    session, A.FEASIBILITY_COMPLETE, actor, run_id=artifact.run_id,
                    mode=evaluation.result.get("mode") or "", risk_level=evaluation.risk_level,
                    score=evaluation.result["score"], sha256=evaluation.feasibility_sha256,
                )  # fmt: skip
                session.save()
    if failure is not None:
        raise failure
    return SessionResult(session, run_id=artifact.run_id)


def session_approve(
    *, session_id=None, session=None, actor, note: str = "", feasibility_sha256: str = ""
) -> SessionResult:
    """Approve the current verdict: ``feasibility_ready`` -> ``approved``, binding the approval to its hash.

    Needs an approver who is not the creator (unless ``RMOS_ALLOW_SELF_APPROVAL``), and GREEN, or YELLOW with a
    score of at least 70. ``feasibility_sha256``, when given, must be the hash the approver reviewed.
    Side effects: one ``approval`` artifact, OK on success (with one ``approve`` event) or BLOCKED on any
    refusal, which is raised (403, 404 or 409) once the artifact is committed.
    """
    given = session.pk if session is not None else session_id
    note = _clean_text(note, "note", required=False)
    failure = None
    with transaction.atomic():
        try:
            session = _lock(session_id=session_id, session=session)
            _check(session, A.APPROVE, actor, feasibility_sha256=feasibility_sha256)
        except ProblemError as refusal:
            _record_refusal(
                RunKind.APPROVAL, refusal, actor=actor, session_id=given, session=_found(refusal, session),
                request=_request(given, A.APPROVE, note=note, feasibility_sha256=feasibility_sha256),
            )  # fmt: skip
            failure = refusal
        else:
            context = session.context or {}
            artifact = run_record(
                kind=RunKind.APPROVAL, status=RunStatus.OK, actor=actor,
                request=_request(session.pk, A.APPROVE, note=note, feasibility_sha256=feasibility_sha256),
                session_id=str(session.pk), mode=session.feasibility_mode, risk_level=session.risk_level,
                score=session.score, feasibility_sha256=session.feasibility_sha256,
                **{key: context.get(key) or "" for key in CONTEXT_KEYS},
            )  # fmt: skip
            _transition(session, A.APPROVE, actor, user=actor, note=note, run_id=artifact.run_id)
            session.save()
    if failure is not None:
        raise failure
    return SessionResult(session, run_id=artifact.run_id)


def _found(refusal: ProblemError, session):
    """The session a refusal is about, when it was found (a 404 has none)."""
    return session if isinstance(session, WorkflowSession) and refusal.error != "SESSION_NOT_FOUND" else None


def session_reject(*, session_id=None, session=None, actor, reason: str) -> SessionResult:
    """Reject the verdict: ``feasibility_ready`` -> ``rejected``. Needs a reason and four eyes.

    Side effects: the session row, one ``reject`` event carrying the reason.
    """
    reason = _clean_text(reason, "reason", required=True)
    with transaction.atomic():
        session = _lock(session_id=session_id, session=session)
        _check(session, A.REJECT, actor)
        _transition(session, A.REJECT, actor, note=reason)
        session.save()
    return SessionResult(session)


def session_revise(*, session_id=None, session=None, actor, reason: str) -> SessionResult:
    """Send a judged session back: -> ``design_revision_required`` (from ``feasibility_ready``, ``approved``,
    ``rejected`` or ``toolpaths_ready``). Needs a reason and four eyes; voids any approval.

    Side effects: the session row, one ``revise`` event carrying the reason.
    """
    reason = _clean_text(reason, "reason", required=True)
    with transaction.atomic():
        session = _lock(session_id=session_id, session=session)
        _check(session, A.REVISE, actor)
        _transition(session, A.REVISE, actor, note=reason)
        session.save()
    return SessionResult(session)


def session_archive(*, session_id=None, session=None, actor, note: str = "") -> SessionResult:
    """File the session away: -> ``archived`` from any state but ``*_requested`` and ``archived``.

    Side effects: the session row, one ``archive`` event.
    """
    note = _clean_text(note, "note", required=False)
    with transaction.atomic():
        session = _lock(session_id=session_id, session=session)
        _check(session, A.ARCHIVE, actor)
        _transition(session, A.ARCHIVE, actor, note=note)
        session.save()
    return SessionResult(session)


def session_generate_toolpaths(*, session_id=None, session=None, actor) -> SessionResult:
    """Generate G-code for the approved session from its stored inputs: ``approved`` ->
    ``toolpaths_requested`` -> ``toolpaths_ready``.

    The server recomputes feasibility. A hash different from the approved one (the registry or engine changed)
    or a risk no longer allowed goes to ``design_revision_required`` (approval voided); a generator or engine
    failure goes back to ``approved``. Side effects: exactly one ``toolpaths`` artifact (OK, BLOCKED or
    ERROR; BLOCKED too when the call is refused), two events when it ran. Every outcome but OK raises its
    problem (409/500, or the refusal) after the commit; ``SessionResult.toolpaths`` holds the OK outcome.
    """
    given = session.pk if session is not None else session_id
    failure = None
    with transaction.atomic():
        try:
            session = _lock(session_id=session_id, session=session)
            _check(session, A.TOOLPATHS, actor)
        except ProblemError as refusal:
            _record_refusal(
                RunKind.TOOLPATHS, refusal, actor=actor, session_id=given, session=_found(refusal, session),
                request=_request(given, A.TOOLPATHS),
            )  # fmt: skip
            failure = refusal
        else:
            inputs = session.job_inputs()
            outcome = toolpaths_run(
                actor=actor, inputs=inputs, raw_request=_request(session.pk, A.TOOLPATHS, **inputs),
                session_id=str(session.pk), approved_sha256=session.approved_feasibility_sha256,
            )  # fmt: skip
            # The stored inputs are the approved ones, so any 409 means the verdict itself moved.
            _apply_toolpaths_outcome(session, outcome, actor, inputs_changed_verdict=outcome.http_status == 409)
            session.save()
            if not outcome.ok:
                failure = _outcome_problem(outcome, session, actor)
    if failure is not None:
        raise failure
    return SessionResult(session, run_id=outcome.run_id, toolpaths=outcome)


def _apply_toolpaths_outcome(session, outcome: ToolpathsOutcome, actor, *, inputs_changed_verdict: bool) -> None:
    _transition(session, A.TOOLPATHS, actor, run_id=outcome.run_id)
    if outcome.ok:
        _transition(session, A.TOOLPATHS_COMPLETE, actor, run_id=outcome.run_id)
    elif outcome.http_status == 409 and inputs_changed_verdict:
        _transition(session, A.TOOLPATHS_BLOCKED, actor, note=outcome.body.get("detail", ""), run_id=outcome.run_id)
    else:
        _transition(session, A.TOOLPATHS_FAILED, actor, note=outcome.body.get("detail", ""), run_id=outcome.run_id)


def _outcome_problem(outcome: ToolpathsOutcome, session, actor) -> ProblemError:
    body = {key: value for key, value in outcome.body.items() if key != "type"}
    return ProblemError(
        status=body.pop("status"),
        error=body.pop("error"),
        title=body.pop("title"),
        detail=body.pop("detail"),
        **body,
        **_session_members(session, actor),
    )


def session_toolpaths_from_request(*, actor, session_id: str, inputs: dict, raw_request: dict) -> ToolpathsOutcome:
    """``POST /api/rmos/toolpaths`` with a ``session_id``: the body's job, held to the session's approval.

    The session must be ``approved`` and the body's recomputed ``feasibility_sha256`` must equal the approved
    one. On success the session goes to ``toolpaths_ready``. On a 409 the session goes to
    ``design_revision_required`` only when its own stored inputs no longer reproduce the approved verdict (the
    registry changed); a body that merely asks for something other than what was approved is refused and
    leaves the session as it was, since the approval itself is still good. A generator failure leaves it
    ``approved``. Side effects: exactly one ``toolpaths`` artifact (BLOCKED when refused: unknown session
    404, wrong state 409, both raised as ``ProblemError`` after the commit), and events when the state changes.
    """
    failure = session = None
    with transaction.atomic():
        try:
            session = _lock(session_id=session_id)
            _check(session, A.TOOLPATHS, actor)
        except ProblemError as refusal:
            _record_refusal(
                RunKind.TOOLPATHS, refusal, actor=actor, session_id=session_id, session=_found(refusal, session),
                request=raw_request,
            )  # fmt: skip
            failure = refusal
        else:
            outcome = toolpaths_run(
                actor=actor, inputs=inputs, raw_request=raw_request, session_id=str(session.pk),
                approved_sha256=session.approved_feasibility_sha256,
            )  # fmt: skip
            if outcome.ok or outcome.http_status == 500:
                _apply_toolpaths_outcome(session, outcome, actor, inputs_changed_verdict=False)
                session.save()
            elif _approval_no_longer_reproducible(session, outcome):
                _apply_toolpaths_outcome(session, outcome, actor, inputs_changed_verdict=True)
                session.save()
            outcome.body.update(_session_members(session, actor))
    if failure is not None:
        raise failure
    return outcome


def _approval_no_longer_reproducible(session: WorkflowSession, outcome: ToolpathsOutcome) -> bool:
    """Whether the session's own inputs, judged now, still give the approved, allowed verdict."""
    stored = session.job_inputs()
    if outcome.evaluation is not None and outcome.evaluation.inputs == stored:
        return True  # the body was the approved job, so what changed is the registry or the engine
    try:
        evaluation = feasibility_evaluate(inputs=stored)
    except EngineFailure:
        return True
    return not evaluation.allows_toolpaths or evaluation.feasibility_sha256 != session.approved_feasibility_sha256
