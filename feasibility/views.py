from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework.response import Response
from rest_framework.views import APIView

from feasibility import selectors, services
from feasibility.models import registry_id_validator
from feasibility.serializers import REGISTRY_SERIALIZERS, FeasibilityResponseSerializer, JobRequestSerializer
from rmos_site.core.enums import Role
from rmos_site.core.idempotency import KEY_PARAMETER, idempotent
from rmos_site.core.problems import ProblemError
from rmos_site.core.refusals import refusal_is_recorded
from rmos_site.core.roles import HasRole
from runs.enums import RunKind, RunStatus
from runs.services import run_record


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(description=f"application/problem+json: {description}")


# The refusals both job endpoints share (feasibility here, toolpaths in toolpaths/views.py).
JOB_ERRORS = {
    400: _problem(
        "VALIDATION_ERROR / MALFORMED_REQUEST (an ERROR artifact, see `run_id`), or INVALID_IDEMPOTENCY_KEY."
    ),
    401: _problem("NOT_AUTHENTICATED."),
    403: _problem("PERMISSION_DENIED: only operators run jobs (a BLOCKED artifact is written)."),
    413: _problem("PAYLOAD_TOO_LARGE."),
    422: _problem("IDEMPOTENCY_KEY_REUSED: this Idempotency-Key was used with another body."),
    503: _problem("DATABASE_UNAVAILABLE: nothing was recorded; retry, with the same Idempotency-Key."),
}


def _check_entry_id(entry_id: str) -> None:
    """An id no registry entry can have (the models' own rule) is a 400 before any query: PostgreSQL answers
    a NUL with an error, not with "no row"."""
    try:
        registry_id_validator(entry_id)
    except DjangoValidationError:
        message = "Not a registry id: lower-case letters, digits and _ . : - only, at most 64 characters."
        raise ProblemError(
            status=400,
            error="INVALID_ENTRY_ID",
            title="Invalid registry id",
            detail=f"entry_id: {message}",
            errors={"entry_id": [message]},
        ) from None


def _registry_views(registry: str) -> tuple[type[APIView], type[APIView]]:
    """List and detail views for one registry; read-only for every role (the admin edits)."""
    serializer = REGISTRY_SERIALIZERS[registry]

    class ListView(APIView):
        @extend_schema(
            responses=inline_serializer(f"Registry{registry.title()}List", {"items": serializer(many=True)}),
            operation_id=f"registry_{registry}_list",
            tags=["registry"],
        )
        def get(self, request):
            return Response({"items": selectors.registry_list(registry)})

    class DetailView(APIView):
        @extend_schema(
            responses={
                200: serializer,
                400: _problem("INVALID_ENTRY_ID: not of the form of a registry id."),
                404: _problem("REGISTRY_ENTRY_NOT_FOUND: no such entry."),
            },
            operation_id=f"registry_{registry}_get",
            tags=["registry"],
        )
        def get(self, request, entry_id: str):
            _check_entry_id(entry_id)
            return Response(selectors.registry_get(registry, entry_id))

    ListView.__name__ = f"Registry{registry.title()}ListView"
    DetailView.__name__ = f"Registry{registry.title()}DetailView"
    return ListView, DetailView


REGISTRY_VIEWS = {registry: _registry_views(registry) for registry in REGISTRY_SERIALIZERS}


class RecordedJobView(APIView):
    """Base of the feasibility and toolpaths endpoints: operators only, and a refused call by an
    authenticated user still leaves a ``BLOCKED`` artifact (every authenticated job request does; a refused
    read, which requests no job, is logged instead)."""

    permission_classes = [HasRole.of(Role.OPERATOR)]
    run_kind: str = ""

    def permission_denied(self, request, message=None, code=None):
        # Refused reads go to the log, not the ledger (rmos_site/core/refusals.py).
        if request.user and request.user.is_authenticated and refusal_is_recorded(request):
            run_record(
                kind=self.run_kind,
                status=RunStatus.BLOCKED,
                actor=request.user,
                request=None,
                errors=[{"code": "PERMISSION_DENIED", "message": "Only operators may run jobs."}],
            )
        super().permission_denied(request, message=message, code=code)


class FeasibilityView(RecordedJobView):
    run_kind = RunKind.FEASIBILITY

    @extend_schema(
        request=JobRequestSerializer,
        parameters=[KEY_PARAMETER],
        responses={
            200: FeasibilityResponseSerializer,
            **JOB_ERRORS,
            500: _problem("FEASIBILITY_ERROR: the engine failed; `run_id` names the ERROR artifact."),
        },
        operation_id="feasibility_create",
        tags=["feasibility"],
    )
    @idempotent("feasibility")
    def post(self, request):
        inputs, raw = services.parse_job_request(request, kind=self.run_kind)
        return Response(services.feasibility_run(actor=request.user, inputs=inputs, raw_request=raw))
