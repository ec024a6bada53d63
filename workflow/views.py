"""The workflow API: one thin APIView per operation. Validate the body, call one service or selector, answer.

Reads are open to every RMOS role; each write needs the role of its action (``workflow.enums.ACTION_ROLE``).
A refused approval, feasibility or toolpaths call by an authenticated user leaves a BLOCKED artifact, as the
feasibility and toolpaths endpoints do.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from rmos_site.roles import HasRole
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
    """One session action. Subclasses name the action, its body and the service; the role comes from the
    action, and for recorded kinds a permission refusal is written to the ledger before the 403."""

    action: str = ""
    recorded_kind: str = ""  # approval / feasibility / toolpaths: calls that leave an artifact even when refused

    def get_permissions(self):
        return [HasRole.of(ACTION_ROLE[self.action])()]

    def permission_denied(self, request, message=None, code=None):
        if self.recorded_kind and request.user and request.user.is_authenticated:
            given = self.kwargs.get("session_id", "")
            pk = parse_session_id(given)
            run_record(
                kind=self.recorded_kind,
                status=RunStatus.BLOCKED,
                actor=request.user,
                request={"session_id": str(given)[:100], "action": self.action},
                session_id=str(pk) if pk else "",
                errors=[{"code": "PERMISSION_DENIED", "message": f"Only the {ACTION_ROLE[self.action]} role may."}],
            )
        super().permission_denied(request, message=message, code=code)


class SessionDesignView(_ActionView):
    action = SessionAction.DESIGN

    @extend_schema(
        request=DesignBodySerializer,
        responses={200: SessionSerializer, **COMMON_ERRORS},
        operation_id="workflow_sessions_design",
        tags=TAGS,
    )
    def post(self, request, session_id: str):
        body = _validated(DesignBodySerializer, request)
        result = services.session_set_design(session_id=session_id, actor=request.user, design=body["design"])
        return Response(_body(result, request))


class SessionContextView(_ActionView):
    action = SessionAction.CONTEXT

    @extend_schema(
        request=ContextSerializer,
        responses={200: SessionSerializer, **COMMON_ERRORS},
        operation_id="workflow_sessions_context",
        tags=TAGS,
    )
    def post(self, request, session_id: str):
        body = _validated(ContextSerializer, request)
        result = services.session_set_context(session_id=session_id, actor=request.user, context=body)
        return Response(_body(result, request))


class SessionFeasibilityView(_ActionView):
    action = SessionAction.FEASIBILITY
    recorded_kind = RunKind.FEASIBILITY

    @extend_schema(
        request=EmptyBodySerializer,
        responses={
            200: SessionWithRunSerializer,
            **COMMON_ERRORS,
            500: _problem("FEASIBILITY_ERROR: the engine failed; `run_id` names the ERROR artifact."),
        },
        operation_id="workflow_sessions_feasibility",
        tags=TAGS,
    )
    def post(self, request, session_id: str):
        _validated(EmptyBodySerializer, request)
        result = services.session_request_feasibility(session_id=session_id, actor=request.user)
        return Response({**_body(result, request), "run_id": result.run_id})


class SessionApproveView(_ActionView):
    action = SessionAction.APPROVE
    recorded_kind = RunKind.APPROVAL

    @extend_schema(
        request=ApproveBodySerializer,
        responses={
            200: SessionWithRunSerializer,
            **COMMON_ERRORS,
            409: _problem("TRANSITION_BLOCKED, or APPROVAL_BLOCKED: the verdict may not be approved."),
        },
        operation_id="workflow_sessions_approve",
        tags=TAGS,
    )
    def post(self, request, session_id: str):
        body = _validated(ApproveBodySerializer, request)
        result = services.session_approve(session_id=session_id, actor=request.user, **body)
        return Response({**_body(result, request), "run_id": result.run_id})


class SeedApproveView(SessionApproveView):
    """The seed's ``POST workflow/approve`` with ``{session_id, note}``: the same rules as ``.../approve``."""

    @extend_schema(
        request=SeedApproveBodySerializer,
        responses={
            200: SeedApproveResponseSerializer,
            **COMMON_ERRORS,
            409: _problem("TRANSITION_BLOCKED, or APPROVAL_BLOCKED: the verdict may not be approved."),
        },
        operation_id="workflow_approve",
        tags=TAGS,
    )
    def post(self, request):
        body = _validated(SeedApproveBodySerializer, request)
        session_id = body.pop("session_id")
        self.kwargs["session_id"] = session_id
        result = services.session_approve(session_id=session_id, actor=request.user, **body)
        return Response(
            {
                **_body(result, request),
                "run_id": result.run_id,
                "approved": True,
                "message": "Session approved for toolpath generation.",
            }
        )


class SessionRejectView(_ActionView):
    action = SessionAction.REJECT

    @extend_schema(
        request=ReasonBodySerializer,
        responses={200: SessionSerializer, **COMMON_ERRORS},
        operation_id="workflow_sessions_reject",
        tags=TAGS,
    )
    def post(self, request, session_id: str):
        body = _validated(ReasonBodySerializer, request)
        result = services.session_reject(session_id=session_id, actor=request.user, reason=body["reason"])
        return Response(_body(result, request))


class SessionReviseView(_ActionView):
    action = SessionAction.REVISE

    @extend_schema(
        request=ReasonBodySerializer,
        responses={200: SessionSerializer, **COMMON_ERRORS},
        operation_id="workflow_sessions_revise",
        tags=TAGS,
    )
    def post(self, request, session_id: str):
        body = _validated(ReasonBodySerializer, request)
        result = services.session_revise(session_id=session_id, actor=request.user, reason=body["reason"])
        return Response(_body(result, request))


class SessionToolpathsView(_ActionView):
    action = SessionAction.TOOLPATHS
    recorded_kind = RunKind.TOOLPATHS

    @extend_schema(
        request=EmptyBodySerializer,
        responses={
            200: SessionWithToolpathsSerializer,
            **COMMON_ERRORS,
            409: _problem(
                "TRANSITION_BLOCKED, or SAFETY_BLOCKED: the recomputed verdict is not allowed or differs from the "
                "approved one; the session is now design_revision_required and `run_id` names the BLOCKED artifact."
            ),
            500: _problem("TOOLPATHS_ERROR: generation failed; the session stays approved; see `run_id`."),
        },
        operation_id="workflow_sessions_toolpaths",
        tags=TAGS,
    )
    def post(self, request, session_id: str):
        _validated(EmptyBodySerializer, request)
        result = services.session_generate_toolpaths(session_id=session_id, actor=request.user)
        return Response({**_body(result, request), "run_id": result.run_id, "toolpaths": result.toolpaths.body})


class SessionArchiveView(_ActionView):
    action = SessionAction.ARCHIVE

    @extend_schema(
        request=NoteBodySerializer,
        responses={200: SessionSerializer, **COMMON_ERRORS},
        operation_id="workflow_sessions_archive",
        tags=TAGS,
    )
    def post(self, request, session_id: str):
        body = _validated(NoteBodySerializer, request)
        result = services.session_archive(session_id=session_id, actor=request.user, note=body["note"])
        return Response(_body(result, request))


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
