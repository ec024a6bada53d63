"""Every state change of a workflow session has its home here: one function per action, and ``session_act``,
the one entry the API, the pages and the admin call (``ACTIONS``, the one action table).

Long module: it is the one home of every session change (eight actions, the jobs' session branch and the
action table), which share the lock, the check and the refusal record kept private here; split, those would
have to become public and could be called around the lock.

Each action runs ``transaction.atomic()`` -> ``select_for_update()`` on the session -> role, state, four-eyes
and condition checks (``_check``; who may is ``WorkflowSession.refusal``) -> the django-fsm transition(s) -> one
``TransitionEvent`` per transition -> ``save()``. Nothing else changes a session.

Refusals that must leave a trace (a refused approval, feasibility or toolpaths call; toolpaths blocked by a
changed verdict) record their run artifact through ``runs.refusals``, with any state change, in the atomic
block and raise only after it has committed, so the 4xx/5xx answer always names an artifact that exists.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from rest_framework import serializers

from feasibility import drawings
from feasibility.serializers import DesignField, PostField, StrictRegistryIdField
from feasibility.services import EngineFailure, feasibility_evaluate, record_engine_failure, record_evaluation
from rmos_site.core.problems import ProblemError, first_validation_message
from runs.enums import RunKind, RunStatus
from runs.refusals import Received, refusal_record, refuse
from runs.services import run_record
from toolpaths.services import ToolpathsResult, toolpaths_run
from workflow.enums import ACTION_ROLE, ID_MAX_LENGTH, NOTE_MAX_LENGTH, SessionAction, SessionMode, SessionState
from workflow.models import (
    ACTION_METHODS,
    CONTEXT_KEYS,
    CONTEXT_PLACE_KEYS,
    TransitionEvent,
    WorkflowSession,
    action_role_ok,
)
from workflow.selectors import parse_session_id, session_not_found
from workflow.serializers import (
    ApproveBodySerializer,
    ContextSerializer,
    DesignBodySerializer,
    EmptyBodySerializer,
    NoteBodySerializer,
    ReasonBodySerializer,
)

A = SessionAction
__all__ = ["ID_MAX_LENGTH", "NOTE_MAX_LENGTH"]  # re-exported: the page forms size their fields with them


@dataclass
class SessionResult:
    session: WorkflowSession
    run_id: str = ""  # the artifact this call wrote, if any
    toolpaths: ToolpathsResult | None = None


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


def _permission_denied(action: str, session_id) -> ProblemError:
    return ProblemError(
        status=403,
        error="PERMISSION_DENIED",
        title="Permission denied",
        detail=f"Only the {ACTION_ROLE[action]} role may {action} a session.",
        session_id=str(session_id)[:100],
    )


def _four_eyes(session: WorkflowSession, action: str, actor) -> ProblemError:
    if actor.pk == session.created_by_id:
        why = "a session they created"
    else:
        why = "a session whose design, context or feasibility they set"
    return ProblemError(
        status=403,
        error="FOUR_EYES_REQUIRED",
        title="Four-eyes principle",
        detail=f"An approver may not {action} {why}; another approver must.",
        **_session_members(session, actor),
    )


def _check(session: WorkflowSession, action: str, actor, *, feasibility_sha256: str = "") -> None:
    """Role, then state, then four eyes, then the transition's conditions; raises the first that fails."""
    refusal = session.refusal(action, actor)
    if refusal == "PERMISSION_DENIED":
        raise _permission_denied(action, session.pk)
    if not session.state_allows(action):
        raise _transition_blocked(session, action, actor)
    if refusal == "FOUR_EYES_REQUIRED":
        raise _four_eyes(session, action, actor)
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
    session.forget_shapers()


# The actions whose calls are on the ledger even when refused, and the run kind they leave.
RECORDED_KINDS = {A.APPROVE: RunKind.APPROVAL, A.FEASIBILITY: RunKind.FEASIBILITY, A.TOOLPATHS: RunKind.TOOLPATHS}


def _record_refusal(action: str, refusal: ProblemError, *, actor, session_id, body, session=None) -> str:
    """A BLOCKED artifact for a refused approval/feasibility/toolpaths call; its run_id joins the problem.
    ``body`` is what the caller sent (the API's body as received, a page's or the admin's form data)."""
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
    refuse(
        refusal, kind=RECORDED_KINDS[action], actor=actor, request=_request(session_id, action, body=body),
        session_id=str(pk) if pk else "", **summary,
    )  # fmt: skip
    return refusal.extra["run_id"]


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


def clean_design(design, *, actor=None) -> dict:
    """A design validated as the feasibility endpoint validates it (``feasibility.serializers.DesignField``),
    an outline's drawing received as a job's is (``feasibility.drawings``: kept once by hash, the design names
    it by reference; 400 or 413 for a file that cannot be read)."""
    try:
        return drawings.receive(DesignField().run_validation(design), actor=actor)
    except drawings.DrawingRefused as refused:
        errors = {"design": {"source": [refused.detail]}}
        title = "Drawing too large" if refused.status == 413 else "Invalid request"
        raise ProblemError(
            status=refused.status, error=refused.error, title=title, detail=refused.detail, errors=errors
        ) from refused
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
    """``{tool_id, material_id, machine_id}`` as non-empty strings, and ``fixture`` and ``post`` when given.
    Unknown ids are allowed on purpose: the engine answers UNKNOWN for them (an unknown fixture too, as on a
    job's body), which blocks approval, and the artifact shows why. An unknown post is refused here: a typo
    must never fall back to another controller's dialect."""
    if not isinstance(context, dict):
        raise _invalid("context", "Expected an object with tool_id, material_id and machine_id.")
    unknown = sorted(set(context) - set(CONTEXT_KEYS) - set(CONTEXT_PLACE_KEYS))
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
    for key, field in (("fixture", StrictRegistryIdField), ("post", PostField)):
        if context.get(key) is None:
            continue  # not chosen: the machine's default fixture, its controller's post
        try:
            cleaned[key] = field().run_validation(context[key])
        except serializers.ValidationError as exc:
            raise _invalid(f"context.{key}", first_validation_message(exc.detail)) from None
    return cleaned


# --- the actions -------------------------------------------------------------------------------------


def session_create(*, actor, mode: str = SessionMode.DESIGN_FIRST, design=None, context=None) -> SessionResult:
    """Create a session in ``draft`` and apply the design and context given with it.

    ``context`` may be partial (the seed's create call sends only ``tool_id``); the session becomes
    ``context_ready`` only once the design and all three ids exist.
    Side effects: one session row; a ``create`` event, plus a ``design`` and/or ``context`` event when given.
    """
    if not action_role_ok(A.CREATE, actor):
        raise ProblemError(
            status=403, error="PERMISSION_DENIED", title="Permission denied", detail="Only operators create sessions."
        )
    if mode not in SessionMode.values:
        raise _invalid("mode", f"Expected one of {', '.join(SessionMode.values)}.")
    design = clean_design(design, actor=actor) if design is not None else None
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
    design = clean_design(design, actor=actor)
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
                A.FEASIBILITY, refusal, actor=actor, session_id=given, session=_found(refusal, session), body={}
            )
            failure = refusal
        else:
            inputs = session.job_inputs()
            raw = _request(session.pk, A.FEASIBILITY, **inputs)
            try:
                evaluation = feasibility_evaluate(inputs=inputs)
            except EngineFailure as exc:
                run_id = record_engine_failure(
                    exc, kind=RunKind.FEASIBILITY, actor=actor, inputs=inputs, raw_request=raw,
                    session_id=str(session.pk),
                )  # fmt: skip
                _transition(session, A.FEASIBILITY, actor, run_id=run_id)
                _transition(session, A.FEASIBILITY_FAILED, actor, note=str(exc)[:NOTE_MAX_LENGTH], run_id=run_id)
                session.save()
                failure = ProblemError(
                    status=500, error="FEASIBILITY_ERROR", title="Feasibility engine failed",
                    detail="The feasibility engine failed; no verdict was made. The session is back in context_ready.",
                    run_id=run_id, **_session_members(session, actor),
                )  # fmt: skip
            else:
                artifact = record_evaluation(
                    evaluation, kind=RunKind.FEASIBILITY, status=RunStatus.OK, actor=actor, raw_request=raw,
                    session_id=str(session.pk),
                )  # fmt: skip
                run_id = artifact.run_id
                _transition(session, A.FEASIBILITY, actor, run_id=run_id)
                _transition(
                    session, A.FEASIBILITY_COMPLETE, actor, run_id=run_id,
                    mode=evaluation.result.get("mode") or "", risk_level=evaluation.risk_level,
                    score=evaluation.result["score"], sha256=evaluation.feasibility_sha256,
                )  # fmt: skip
                session.save()
    if failure is not None:
        raise failure
    return SessionResult(session, run_id=run_id)


def session_approve(
    *, session_id=None, session=None, actor, note: str = "", feasibility_sha256: str = ""
) -> SessionResult:
    """Approve the current verdict: ``feasibility_ready`` -> ``approved``, binding the approval to its hash.

    Needs an approver who did not shape the job (``WorkflowSession.refusal``; unless the shop policy's
    ``allow_self_approval``), and GREEN, or YELLOW scoring at least the policy's ``approval_min_yellow_score``
    (``WorkflowSession.approval_block_reason``). ``feasibility_sha256``, when given, must be the hash the
    approver reviewed. Side effects: one ``approval`` artifact, OK on success (with one ``approve`` event) or
    BLOCKED on any refusal, which is raised (403, 404 or 409) once it is committed.
    """
    given = session.pk if session is not None else session_id
    note = _clean_text(note, "note", required=False)
    body = {"note": note, "feasibility_sha256": feasibility_sha256}
    failure = None
    with transaction.atomic():
        try:
            session = _lock(session_id=session_id, session=session)
            _check(session, A.APPROVE, actor, feasibility_sha256=feasibility_sha256)
        except ProblemError as refusal:
            _record_refusal(
                A.APPROVE, refusal, actor=actor, session_id=given, session=_found(refusal, session), body=body
            )
            failure = refusal
        else:
            context = session.context or {}
            artifact = run_record(
                kind=RunKind.APPROVAL, status=RunStatus.OK, actor=actor,
                request=_request(session.pk, A.APPROVE, body=body),
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
    problem (409/500, or the refusal) after the commit; ``SessionResult.toolpaths`` holds the OK result.
    """
    given = session.pk if session is not None else session_id
    failure = None
    with transaction.atomic():
        try:
            session = _lock(session_id=session_id, session=session)
            _check(session, A.TOOLPATHS, actor)
        except ProblemError as refusal:
            _record_refusal(
                A.TOOLPATHS, refusal, actor=actor, session_id=given, session=_found(refusal, session), body={}
            )
            failure = refusal
        else:
            inputs = session.job_inputs()
            try:
                result = toolpaths_run(
                    actor=actor, inputs=inputs, raw_request=_request(session.pk, A.TOOLPATHS, **inputs),
                    session_id=str(session.pk), approved_sha256=session.approved_feasibility_sha256,
                )  # fmt: skip
            except ProblemError as problem:
                # The stored inputs are the approved ones, so a 409 means the verdict itself moved.
                _apply_toolpaths_refusal(session, problem, actor, verdict_moved=problem.status == 409)
                session.save()
                failure = _with_session(problem, session, actor)
            else:
                _apply_toolpaths_result(session, result, actor)
                session.save()
    if failure is not None:
        raise failure
    return SessionResult(session, run_id=result.run_id, toolpaths=result)


def _apply_toolpaths_result(session, result: ToolpathsResult, actor) -> None:
    _transition(session, A.TOOLPATHS, actor, run_id=result.run_id)
    _transition(session, A.TOOLPATHS_COMPLETE, actor, run_id=result.run_id)


def _apply_toolpaths_refusal(session, problem: ProblemError, actor, *, verdict_moved: bool) -> None:
    run_id = problem.extra["run_id"]
    _transition(session, A.TOOLPATHS, actor, run_id=run_id)
    step = A.TOOLPATHS_BLOCKED if problem.status == 409 and verdict_moved else A.TOOLPATHS_FAILED
    _transition(session, step, actor, note=problem.detail, run_id=run_id)


def _with_session(problem: ProblemError, session, actor) -> ProblemError:
    problem.extra.update(_session_members(session, actor))
    return problem


def session_toolpaths_job(*, actor, session_id: str, inputs: dict, raw_request: dict) -> dict:
    """``POST /api/rmos/toolpaths`` with a ``session_id``: the body's job, held to the session's approval.

    The session must be ``approved`` and the body's recomputed ``feasibility_sha256`` must equal the approved
    one. On success the session goes to ``toolpaths_ready`` and the toolpaths body is returned with the
    session's ``session_id``, ``state`` and ``allowed_actions``. On a 409 the session goes to
    ``design_revision_required`` only when its own stored inputs no longer reproduce the approved verdict (the
    registry changed); a body that merely asks for something other than what was approved is refused and
    leaves the session as it was, since the approval itself is still good. A generator failure leaves it
    ``approved``. Side effects: exactly one ``toolpaths`` artifact (BLOCKED when refused: unknown session
    404, wrong state 409), and events when the state changes; every problem is raised after the commit.
    """
    failure = session = None
    with transaction.atomic():
        try:
            session = _lock(session_id=session_id)
            _check(session, A.TOOLPATHS, actor)
        except ProblemError as refusal:
            _record_refusal(
                A.TOOLPATHS, refusal, actor=actor, session_id=session_id, session=_found(refusal, session),
                body=raw_request,
            )  # fmt: skip
            failure = refusal
        else:
            try:
                result = toolpaths_run(
                    actor=actor, inputs=inputs, raw_request=raw_request, session_id=str(session.pk),
                    approved_sha256=session.approved_feasibility_sha256,
                )  # fmt: skip
            except ProblemError as problem:
                if problem.status != 409 or _approval_no_longer_reproducible(session, inputs):
                    _apply_toolpaths_refusal(session, problem, actor, verdict_moved=True)
                    session.save()
                failure = _with_session(problem, session, actor)
            else:
                _apply_toolpaths_result(session, result, actor)
                session.save()
    if failure is not None:
        raise failure
    return {**result.body, **_session_members(session, actor)}


def _approval_no_longer_reproducible(session: WorkflowSession, inputs: dict) -> bool:
    """Whether the session's own inputs, judged now, no longer give the approved, allowed verdict."""
    stored = session.job_inputs()
    if {key: inputs.get(key) for key in stored} == stored:
        return True  # the body was the approved job, so what changed is the registry or the engine
    try:
        evaluation = feasibility_evaluate(inputs=stored)
    except EngineFailure:
        return True
    return not evaluation.allows_toolpaths or evaluation.feasibility_sha256 != session.approved_feasibility_sha256


def session_job_check(*, action: str, actor, session_id: str, raw_request: dict) -> str:
    """A job call (``POST /api/rmos/feasibility``) naming a session: the session must exist and the action's
    rule (role, state) must allow it now, exactly as for toolpaths: 404 ``SESSION_NOT_FOUND``, 409
    ``TRANSITION_BLOCKED``, 403, each with a BLOCKED artifact of the job's kind. Returns the session's id."""
    failure = None
    with transaction.atomic():
        session = None
        try:
            session = _lock(session_id=session_id)
            _check(session, action, actor)
        except ProblemError as refusal:
            _record_refusal(
                action, refusal, actor=actor, session_id=session_id, session=_found(refusal, session),
                body=raw_request,
            )  # fmt: skip
            failure = refusal
    if failure is not None:
        raise failure
    return str(session.pk)


# --- the one entry for callers: the action table ---------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One action a caller can take: its service, the body it takes (the API's serializer; the pages' forms
    and the admin's give the same fields) and how the validated body becomes the service's arguments."""

    service: Callable[..., SessionResult]
    body: type[serializers.Serializer]
    arguments: Callable[[dict], dict]


ACTIONS: dict[str, Action] = {
    A.DESIGN: Action(session_set_design, DesignBodySerializer, lambda body: {"design": body["design"]}),
    A.CONTEXT: Action(session_set_context, ContextSerializer, lambda body: {"context": body}),
    A.FEASIBILITY: Action(session_request_feasibility, EmptyBodySerializer, lambda body: {}),
    A.APPROVE: Action(session_approve, ApproveBodySerializer, lambda body: body),
    A.REJECT: Action(session_reject, ReasonBodySerializer, lambda body: {"reason": body["reason"]}),
    A.REVISE: Action(session_revise, ReasonBodySerializer, lambda body: {"reason": body["reason"]}),
    A.TOOLPATHS: Action(session_generate_toolpaths, EmptyBodySerializer, lambda body: {}),
    A.ARCHIVE: Action(session_archive, NoteBodySerializer, lambda body: {"note": body["note"]}),
}


def session_act(
    action: str, *, actor, body, session_id=None, session=None, serializer: type | None = None
) -> SessionResult:
    """Take ``action`` on a session for ``actor``: what the API, the pages and the admin call.

    ``body`` is a ``runs.refusals.Received`` (the API: the body as it arrived, or its text) or a dict (a form's
    data). In order: the action's role (403 ``PERMISSION_DENIED`` whatever the session), the body (400
    ``VALIDATION_ERROR`` / ``MALFORMED_REQUEST``, naming the field), then the action's service (which locks the
    session and checks its state, four eyes and conditions). For the recorded actions (approve, feasibility,
    toolpaths) a refusal at either of the first two steps leaves an artifact too: BLOCKED for the role, ERROR
    for the body (the body as received under ``request.body``), its ``run_id`` in the problem. ``serializer``
    replaces the action's body serializer (the seed's ``POST workflow/approve`` names the session in its body).
    """
    spec = ACTIONS[action]
    given = session.pk if session is not None else session_id
    received = body if isinstance(body, Received) else Received(data=body)
    if not action_role_ok(action, actor):
        problem = _permission_denied(action, "" if given is None else given)
        if action in RECORDED_KINDS:
            _record_refusal(action, problem, actor=actor, session_id=given or "", body=received.as_recorded())
        raise problem
    data = _validated_body(action, serializer or spec.body, received, actor=actor, session_id=given)
    data.pop("session_id", None)
    data.pop("actor", None)  # the seed's approve body may name an actor: the actor is the authenticated user
    return spec.service(session_id=session_id, session=session, actor=actor, **spec.arguments(data))


def _validated_body(action: str, serializer_class, received: Received, *, actor, session_id) -> dict:
    if received.parsed:
        serializer = serializer_class(data=received.data)
        if serializer.is_valid():
            return dict(serializer.validated_data)
        error, detail, errors = "VALIDATION_ERROR", "Invalid request.", serializer.errors
    else:
        error, detail, errors = "MALFORMED_REQUEST", received.parse_error, None
    run_id = None
    if action in RECORDED_KINDS:
        pk = parse_session_id(session_id)
        run_id = refusal_record(
            kind=RECORDED_KINDS[action], actor=actor, status=RunStatus.ERROR, code=error, message=detail,
            fields=errors, request=_request(session_id or "", action, body=received.as_recorded()),
            session_id=str(pk) if pk else "",
        )  # fmt: skip
    extra = {"errors": errors} if errors is not None else {}
    if run_id:
        extra["run_id"] = run_id
    if errors:
        detail = first_validation_message(errors)
    title = "Malformed request body" if error == "MALFORMED_REQUEST" and run_id is None else "Invalid request"
    raise ProblemError(status=400, error=error, title=title, detail=detail, **extra)
