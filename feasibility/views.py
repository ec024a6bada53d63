"""The shop registry, read-only over the API (the admin edits it). The feasibility job endpoint is
``workflow.views.FeasibilityView``: a job may name a workflow session."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework.response import Response
from rest_framework.views import APIView

from feasibility import selectors
from feasibility.serializers import REGISTRY_SERIALIZERS


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(description=f"application/problem+json: {description}")


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
            responses={200: serializer, 404: _problem("NOT_FOUND: no such entry.")},
            operation_id=f"registry_{registry}_get",
            tags=["registry"],
        )
        def get(self, request, entry_id: str):
            return Response(selectors.registry_get(registry, entry_id))

    ListView.__name__ = f"Registry{registry.title()}ListView"
    DetailView.__name__ = f"Registry{registry.title()}DetailView"
    return ListView, DetailView


REGISTRY_VIEWS = {registry: _registry_views(registry) for registry in REGISTRY_SERIALIZERS}
