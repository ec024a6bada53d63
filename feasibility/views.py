"""The shop registry, read-only over the API (the admin edits it). The feasibility job endpoint is
``workflow.views.FeasibilityView``: a job may name a workflow session."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework.response import Response
from rest_framework.views import APIView

from feasibility import selectors
from feasibility.models import registry_id_validator
from feasibility.serializers import REGISTRY_SERIALIZERS
from rmos_site.core.problems import ProblemError


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(description=f"application/problem+json: {description}")


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
