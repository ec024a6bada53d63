from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework.response import Response
from rest_framework.views import APIView

from feasibility import selectors, services
from feasibility.serializers import REGISTRY_SERIALIZERS, FeasibilityResponseSerializer, JobRequestSerializer
from rmos_site.enums import Role
from rmos_site.roles import HasRole
from runs.enums import RunKind, RunStatus
from runs.services import run_record


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
        @extend_schema(responses=serializer, operation_id=f"registry_{registry}_get", tags=["registry"])
        def get(self, request, entry_id: str):
            return Response(selectors.registry_get(registry, entry_id))

    ListView.__name__ = f"Registry{registry.title()}ListView"
    DetailView.__name__ = f"Registry{registry.title()}DetailView"
    return ListView, DetailView


REGISTRY_VIEWS = {registry: _registry_views(registry) for registry in REGISTRY_SERIALIZERS}


class RecordedJobView(APIView):
    """Base of the feasibility and toolpaths endpoints: operators only, and a refused call by an
    authenticated user still leaves a ``BLOCKED`` artifact (every authenticated call does)."""

    permission_classes = [HasRole.of(Role.OPERATOR)]
    run_kind: str = ""

    def permission_denied(self, request, message=None, code=None):
        if request.user and request.user.is_authenticated:
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
        responses={200: FeasibilityResponseSerializer},
        operation_id="feasibility_create",
        tags=["feasibility"],
    )
    def post(self, request):
        inputs, raw = services.parse_job_request(request, kind=self.run_kind)
        return Response(services.feasibility_run(actor=request.user, inputs=inputs, raw_request=raw))
