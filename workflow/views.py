"""The workflow API and the two job endpoints: one thin APIView per operation. Parse the body, call one
service or selector, answer.

Reads are open to every RMOS role. The writes that leave an artifact even when refused (the jobs, and the
approve, feasibility and toolpaths actions) let every authenticated user through to their service, which
checks the role (``WorkflowSession.refusal`` for session actions, ``feasibility.services.job_check_role`` for
jobs) and records the refusal, so that a refusal leaves the same artifact from the API as from the pages.
The job endpoints live here, not in ``feasibility`` or ``toolpaths``, because a job may name a session
(``workflow.jobs``).
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from feasibility.serializers import FeasibilityResponseSerializer, JobRequestSerializer
from rmos_site.core.bodylimit import accepts_drawings
from rmos_site.core.enums import Role
from rmos_site.core.idempotency import KEY_PARAMETER, idempotent
from rmos_site.core.roles import HasRole, PostCheckedByService
from runs.refusals import Received
from toolpaths.serializers import ToolpathsResponseSerializer
from workflow import jobs, selectors, services
from workflow.enums import ACTION_ROLE, SessionAction
from workflow.serializers import (
    ApproveBodySerializer,
    ContextSerializer,
    DesignBodySerializer,
    EmptyBodySerializer,
    EventListSerializer,
    NoteBodySerializer,
    ReasonBodySerializer,
    SeedApproveBodySerializer,
    SeedApproveResponseSerializer,
    SessionCreateSerializer,
    SessionListQuerySerializer,
    SessionListSerializer,
    SessionSerializer,
    SessionWithRunSerializer,
    SessionWithToolpathsSerializer,
    event_representation,
    session_representation,
)

TAGS = ["workflow"]


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(description=f"application/problem+json: {description}")


COMMON_ERRORS = {
    400: _problem("VALIDATION_ERROR / MALFORMED_REQUEST: malformed JSON, unknown fields or wrong types."),
    401: _problem("NOT_AUTHENTICATED."),
    403: _problem("PERMISSION_DENIED (role) or FOUR_EYES_REQUIRED (a session the approver created or shaped)."),
    404: _problem("SESSION_NOT_FOUND: unknown or malformed session id."),
    409: _problem("TRANSITION_BLOCKED: not allowed in the current state; names `state` and `allowed_actions`."),
}


def _received(request) -> Received:
    """The body as it arrived: parsed JSON, or its text and the parser's complaint. The services validate it."""
    try:
        return Received(data=request.data)
    except ParseError as exc:
        return Received.unparseable(request.body, str(exc.detail))


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _body(result: services.SessionResult, request) -> dict:
    return session_representation(selectors.session_get(result.session.pk), request.user)


@accepts_drawings
class SessionsView(APIView):
    """``GET`` lists sessions (any role); ``POST`` creates one (operator)."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [HasRole.of(ACTION_ROLE[SessionAction.CREATE])()]
        return super().get_permissions()

    @extend_schema(
        # From the serializer that validates them, so the schema names the same states, modes and limits.
        parameters=[SessionListQuerySerializer],
        responses={200: SessionListSerializer, 400: _problem("VALIDATION_ERROR or INVALID_CURSOR.")},
        operation_id="workflow_sessions_list",
        tags=TAGS,
    )
    def get(self, request):
        # Every parameter is passed on, so that a misspelt filter is a 400 rather than an unfiltered list.
        query = {
            key: request.query_params.getlist(key) if key in selectors.LIST_FILTERS else request.query_params[key]
            for key in request.query_params
        }
        serializer = SessionListQuerySerializer(data=query)
        serializer.is_valid(raise_exception=True)
        params = serializer.validated_data
        sessions, next_cursor = selectors.session_list(
            {key: params.get(key) for key in selectors.LIST_FILTERS},
            limit=params.get("limit"),
            cursor=params.get("cursor"),
        )
        items = [session_representation(session, request.user) for session in sessions]
        return Response({"items": items, "next_cursor": next_cursor})

    @extend_schema(
        request=SessionCreateSerializer,
        responses={201: SessionSerializer, **{code: COMMON_ERRORS[code] for code in (400, 401, 403)}},
        operation_id="workflow_sessions_create",
        tags=TAGS,
    )
    def post(self, request):
        body = _validated(SessionCreateSerializer, request)
        result = services.session_create(actor=request.user, **body)
        return Response(_body(result, request), status=status.HTTP_201_CREATED)


class SessionDetailView(APIView):
    @extend_schema(
        responses={200: SessionSerializer, 404: COMMON_ERRORS[404]}, operation_id="workflow_sessions_get", tags=TAGS
    )
    def get(self, request, session_id: str):
        return Response(session_representation(selectors.session_get(session_id), request.user))


class SessionEventsView(APIView):
    @extend_schema(
        responses={200: EventListSerializer, 404: COMMON_ERRORS[404]},
        operation_id="workflow_sessions_events",
        tags=TAGS,
    )
    def get(self, request, session_id: str):
        session = selectors.session_get(session_id)
        return Response({"events": [event_representation(event) for event in selectors.session_events(session)]})


class _ActionView(APIView):
    """One session action: pass the body as received to ``services.session_act``, answer the session.

    Subclasses name the action and carry their schema. Who may, what the body must be and what a refusal
    leaves on the ledger are the service's: every authenticated user gets that far.
    """

    action: str = ""

    def get_permissions(self):
        return [PostCheckedByService.of(ACTION_ROLE[self.action])()]

    def post(self, request, session_id: str):
        result = services.session_act(self.action, session_id=session_id, actor=request.user, body=_received(request))
        return Response(self.answer(result, request))

    def answer(self, result: services.SessionResult, request) -> dict:
        body = _body(result, request)
        return {**body, "run_id": result.run_id} if self.action in services.RECORDED_KINDS else body


_ROUTINE = {200: SessionSerializer, **COMMON_ERRORS}
_APPROVAL_ERRORS = {
    **COMMON_ERRORS,
    400: _problem(
        "VALIDATION_ERROR / MALFORMED_REQUEST: malformed JSON, unknown fields or wrong types (an ERROR artifact, "
        "see `run_id`)."
    ),
    409: _problem("TRANSITION_BLOCKED, or APPROVAL_BLOCKED: the verdict may not be approved."),
}
_JOB_400 = _APPROVAL_ERRORS[400]


@extend_schema_view(
    post=extend_schema(
        request=DesignBodySerializer, responses=_ROUTINE, operation_id="workflow_sessions_design", tags=TAGS
    )
)
@accepts_drawings
class SessionDesignView(_ActionView):
    action = SessionAction.DESIGN


@extend_schema_view(
    post=extend_schema(
        request=ContextSerializer, responses=_ROUTINE, operation_id="workflow_sessions_context", tags=TAGS
    )
)
class SessionContextView(_ActionView):
    action = SessionAction.CONTEXT


@extend_schema_view(
    post=extend_schema(
        request=EmptyBodySerializer,
        responses={
            200: SessionWithRunSerializer,
            **COMMON_ERRORS,
            400: _JOB_400,
            500: _problem("FEASIBILITY_ERROR: the engine failed; `run_id` names the ERROR artifact."),
        },
        operation_id="workflow_sessions_feasibility",
        tags=TAGS,
    )
)
class SessionFeasibilityView(_ActionView):
    action = SessionAction.FEASIBILITY


@extend_schema_view(
    post=extend_schema(
        request=ApproveBodySerializer,
        responses={200: SessionWithRunSerializer, **_APPROVAL_ERRORS},
        operation_id="workflow_sessions_approve",
        tags=TAGS,
    )
)
class SessionApproveView(_ActionView):
    action = SessionAction.APPROVE


@extend_schema_view(
    post=extend_schema(
        request=SeedApproveBodySerializer,
        responses={200: SeedApproveResponseSerializer, **_APPROVAL_ERRORS},
        operation_id="workflow_approve",
        tags=TAGS,
    )
)
class SeedApproveView(SessionApproveView):
    """The seed's ``POST workflow/approve`` with ``{session_id, note}``: the same rules as ``.../approve``."""

    def post(self, request):
        body = _received(request)
        # The session is named in the body here: a body refused for another reason is recorded against it.
        named = body.data.get("session_id") if body.parsed and isinstance(body.data, dict) else None
        result = services.session_act(
            self.action,
            session_id=named if isinstance(named, str) else "",
            actor=request.user,
            body=body,
            serializer=SeedApproveBodySerializer,
        )
        return Response(
            {**self.answer(result, request), "approved": True, "message": "Session approved for toolpath generation."}
        )


@extend_schema_view(
    post=extend_schema(
        request=ReasonBodySerializer, responses=_ROUTINE, operation_id="workflow_sessions_reject", tags=TAGS
    )
)
class SessionRejectView(_ActionView):
    action = SessionAction.REJECT


@extend_schema_view(
    post=extend_schema(
        request=ReasonBodySerializer, responses=_ROUTINE, operation_id="workflow_sessions_revise", tags=TAGS
    )
)
class SessionReviseView(_ActionView):
    action = SessionAction.REVISE


@extend_schema_view(
    post=extend_schema(
        request=EmptyBodySerializer,
        responses={
            200: SessionWithToolpathsSerializer,
            **COMMON_ERRORS,
            400: _JOB_400,
            409: _problem(
                "TRANSITION_BLOCKED, or SAFETY_BLOCKED: the recomputed verdict is not allowed or differs from the "
                "approved one; the session is now design_revision_required and `run_id` names the BLOCKED artifact."
            ),
            500: _problem("TOOLPATHS_ERROR: generation failed; the session stays approved; see `run_id`."),
        },
        operation_id="workflow_sessions_toolpaths",
        tags=TAGS,
    )
)
class SessionToolpathsView(_ActionView):
    action = SessionAction.TOOLPATHS

    def answer(self, result, request):
        return {**super().answer(result, request), "toolpaths": result.toolpaths.body}


@extend_schema_view(
    post=extend_schema(
        request=NoteBodySerializer, responses=_ROUTINE, operation_id="workflow_sessions_archive", tags=TAGS
    )
)
class SessionArchiveView(_ActionView):
    action = SessionAction.ARCHIVE


ACTION_VIEWS: dict[str, type[_ActionView]] = {
    view.action: view
    for view in (
        SessionDesignView,
        SessionContextView,
        SessionFeasibilityView,
        SessionApproveView,
        SessionRejectView,
        SessionReviseView,
        SessionToolpathsView,
        SessionArchiveView,
    )
}

# Every action of the one action table has its endpoint.
assert set(ACTION_VIEWS) == set(services.ACTIONS), "workflow.services.ACTIONS and ACTION_VIEWS disagree"


# --- the two job endpoints -------------------------------------------------------------------------------

# The refusals both job endpoints share.
JOB_ERRORS = {
    400: _problem(
        "VALIDATION_ERROR / MALFORMED_REQUEST (an ERROR artifact, see `run_id`), or INVALID_IDEMPOTENCY_KEY."
    ),
    401: _problem("NOT_AUTHENTICATED."),
    403: _problem("PERMISSION_DENIED: only operators run jobs (a BLOCKED artifact is written)."),
    404: _problem("SESSION_NOT_FOUND: the `session_id` names no session (a BLOCKED artifact is written)."),
    413: _problem("PAYLOAD_TOO_LARGE."),
    422: _problem("IDEMPOTENCY_KEY_REUSED: this Idempotency-Key was used with another body."),
    503: _problem("DATABASE_UNAVAILABLE: nothing was recorded; retry, with the same Idempotency-Key."),
}


@accepts_drawings
class FeasibilityView(APIView):
    """``POST feasibility``: every authenticated call leaves an artifact; the service checks the role."""

    permission_classes = [PostCheckedByService.of(Role.OPERATOR)]

    @extend_schema(
        request=JobRequestSerializer,
        parameters=[KEY_PARAMETER],
        responses={
            200: FeasibilityResponseSerializer,
            **JOB_ERRORS,
            409: _problem("TRANSITION_BLOCKED: the `session_id` names a session not ready for feasibility."),
            500: _problem("FEASIBILITY_ERROR: the engine failed; `run_id` names the ERROR artifact."),
        },
        operation_id="feasibility_create",
        tags=["feasibility"],
    )
    @idempotent("feasibility")
    def post(self, request):
        return Response(jobs.feasibility_job(actor=request.user, body=_received(request)))


@accepts_drawings
class ToolpathsView(APIView):
    """``POST toolpaths``: every authenticated call leaves an artifact; the service checks the role."""

    permission_classes = [PostCheckedByService.of(Role.OPERATOR)]

    @extend_schema(
        request=JobRequestSerializer,
        parameters=[KEY_PARAMETER],
        responses={
            200: ToolpathsResponseSerializer,
            **JOB_ERRORS,
            409: OpenApiResponse(
                description="SAFETY_BLOCKED: the server's verdict does not allow toolpaths (a job over the shop's "
                "limits is refused so, naming the limit, before anything is generated); without a `session_id`, "
                "APPROVAL_REQUIRED for a YELLOW below the shop policy's approval minimum (or any YELLOW when the "
                "policy requires a session); with one, also TRANSITION_BLOCKED (the session is not approved)."
            ),
            500: OpenApiResponse(description="TOOLPATHS_ERROR: generation or verification failed; see run_id."),
        },
        operation_id="toolpaths_create",
        tags=["toolpaths"],
    )
    @idempotent("toolpaths")
    def post(self, request):
        return Response(jobs.toolpaths_job(actor=request.user, body=_received(request)))
