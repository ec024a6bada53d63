"""The workflow API: one thin APIView per operation. Validate the body, call one service or selector, answer.

Reads are open to every RMOS role; each write needs the role of its action (``workflow.enums.ACTION_ROLE``).
A refused approval, feasibility or toolpaths call by an authenticated user leaves an artifact, as the
feasibility and toolpaths endpoints do: BLOCKED for a role or a state that refuses, ERROR for a body that does
not parse or validate.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from feasibility.services import storable
from rmos_site.core.problems import ProblemError, first_validation_message
from rmos_site.core.refusals import refusal_is_recorded
from rmos_site.core.roles import HasRole
from runs.enums import RunKind, RunStatus
from runs.services import run_record
from workflow import selectors, services
from workflow.enums import ACTION_ROLE, SessionAction
from workflow.selectors import parse_session_id
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
    403: _problem("PERMISSION_DENIED (role) or FOUR_EYES_REQUIRED (an approver's own session)."),
    404: _problem("SESSION_NOT_FOUND: unknown or malformed session id."),
    409: _problem("TRANSITION_BLOCKED: not allowed in the current state; names `state` and `allowed_actions`."),
}


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _body(result: services.SessionResult, request) -> dict:
    return session_representation(selectors.session_get(result.session.pk), request.user)


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
    """One session action: validate the body with ``body_serializer``, call ``perform``, answer the session.

    Subclasses name the action, its body and its service call, and carry their schema. The role comes from the
    action. For the recorded kinds (approval, feasibility, toolpaths), every refused call by an authenticated
    user leaves an artifact, as the job endpoints do: a role refusal a BLOCKED one (before the 403), a body
    that does not parse or validate an ERROR one (its ``run_id`` in the 400).
    """

    action: str = ""
    recorded_kind: str = ""  # approval / feasibility / toolpaths: calls that leave an artifact even when refused
    body_serializer: type = EmptyBodySerializer

    def get_permissions(self):
        return [HasRole.of(ACTION_ROLE[self.action])()]

    def permission_denied(self, request, message=None, code=None):
        if self.recorded_kind and request.user and request.user.is_authenticated and refusal_is_recorded(request):
            self._record(
                request,
                status=RunStatus.BLOCKED,
                error={"code": "PERMISSION_DENIED", "message": f"Only the {ACTION_ROLE[self.action]} role may."},
            )
        super().permission_denied(request, message=message, code=code)

    def post(self, request, session_id: str):
        result = self.perform(session_id, request.user, self.validated_body(request))
        return Response(self.answer(result, request))

    def perform(self, session_id: str, actor, body: dict) -> services.SessionResult:
        raise NotImplementedError

    def answer(self, result: services.SessionResult, request) -> dict:
        body = _body(result, request)
        return {**body, "run_id": result.run_id} if self.recorded_kind else body

    def received(self, raw) -> None:
        """Called with the parsed body before it is validated (recorded kinds)."""

    def validated_body(self, request) -> dict:
        if not self.recorded_kind:
            return _validated(self.body_serializer, request)
        try:
            raw = request.data
        except ParseError as exc:
            body = request.body.decode("utf-8", errors="replace")[:2000]
            self._refuse_body(request, {"unparseable_body": body}, "MALFORMED_REQUEST", str(exc.detail))
        self.received(raw)
        try:
            return _validated(self.body_serializer, request)
        except ValidationError as exc:
            self._refuse_body(request, raw, "VALIDATION_ERROR", "Invalid request.", errors=exc.detail)

    def _refuse_body(self, request, raw, error: str, detail: str, errors=None):
        fields = {"fields": errors} if errors else {}
        run_id = self._record(
            request,
            status=RunStatus.ERROR,
            body=raw,
            error=storable({"code": error, "message": detail, **fields}),
        )
        extra = {"errors": errors} if errors is not None else {}
        if errors:
            detail = first_validation_message(errors)
        raise ProblemError(status=400, error=error, title="Invalid request", detail=detail, run_id=run_id, **extra)

    def _record(self, request, *, status: str, error: dict, body=None) -> str:
        given = self.kwargs.get("session_id", "")
        pk = parse_session_id(given)
        recorded = {"session_id": str(given)[:100], "action": self.action}
        if body is not None:
            recorded["body"] = body
        artifact = run_record(
            kind=self.recorded_kind,
            status=status,
            actor=request.user,
            request=storable(recorded),
            session_id=str(pk) if pk else "",
            errors=[error],
        )
        return artifact.run_id


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
class SessionDesignView(_ActionView):
    action = SessionAction.DESIGN
    body_serializer = DesignBodySerializer

    def perform(self, session_id, actor, body):
        return services.session_set_design(session_id=session_id, actor=actor, design=body["design"])


@extend_schema_view(
    post=extend_schema(
        request=ContextSerializer, responses=_ROUTINE, operation_id="workflow_sessions_context", tags=TAGS
    )
)
class SessionContextView(_ActionView):
    action = SessionAction.CONTEXT
    body_serializer = ContextSerializer

    def perform(self, session_id, actor, body):
        return services.session_set_context(session_id=session_id, actor=actor, context=body)


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
    recorded_kind = RunKind.FEASIBILITY

    def perform(self, session_id, actor, body):
        return services.session_request_feasibility(session_id=session_id, actor=actor)


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
    recorded_kind = RunKind.APPROVAL
    body_serializer = ApproveBodySerializer

    def perform(self, session_id, actor, body):
        return services.session_approve(session_id=session_id, actor=actor, **body)


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

    body_serializer = SeedApproveBodySerializer

    def received(self, raw) -> None:
        # The session is named in the body here: a body refused for another reason is recorded against it.
        if isinstance(raw, dict) and isinstance(raw.get("session_id"), str):
            self.kwargs["session_id"] = raw["session_id"]

    def post(self, request):
        body = self.validated_body(request)
        session_id = body.pop("session_id")
        self.kwargs["session_id"] = session_id
        result = self.perform(session_id, request.user, body)
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
    body_serializer = ReasonBodySerializer

    def perform(self, session_id, actor, body):
        return services.session_reject(session_id=session_id, actor=actor, reason=body["reason"])


@extend_schema_view(
    post=extend_schema(
        request=ReasonBodySerializer, responses=_ROUTINE, operation_id="workflow_sessions_revise", tags=TAGS
    )
)
class SessionReviseView(_ActionView):
    action = SessionAction.REVISE
    body_serializer = ReasonBodySerializer

    def perform(self, session_id, actor, body):
        return services.session_revise(session_id=session_id, actor=actor, reason=body["reason"])


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
    recorded_kind = RunKind.TOOLPATHS

    def perform(self, session_id, actor, body):
        return services.session_generate_toolpaths(session_id=session_id, actor=actor)

    def answer(self, result, request):
        return {**super().answer(result, request), "toolpaths": result.toolpaths.body}


@extend_schema_view(
    post=extend_schema(
        request=NoteBodySerializer, responses=_ROUTINE, operation_id="workflow_sessions_archive", tags=TAGS
    )
)
class SessionArchiveView(_ActionView):
    action = SessionAction.ARCHIVE
    body_serializer = NoteBodySerializer

    def perform(self, session_id, actor, body):
        return services.session_archive(session_id=session_id, actor=actor, note=body["note"])


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
