"""The shop registry, read-only over the API (the admin edits it), and a fret-slots run's board as a drawing.
The feasibility job endpoint is ``workflow.views.FeasibilityView``: a job may name a workflow session."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from feasibility import alternatives, selectors
from feasibility.board_drawing import fret_board_dxf
from feasibility.models import registry_id_validator
from feasibility.serializers import REGISTRY_SERIALIZERS
from rmos_site.core.problems import ProblemError
from runs.selectors import run_get


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


class RunAlternativesView(APIView):
    """``GET runs/{run_id}/alternatives``: the other tools of today's registry that would pass the job a run
    judged (the run page's "Which tools would pass this job?")."""

    @extend_schema(
        operation_id="runs_alternatives",
        summary="Which other tools would pass the job a run judged",
        description="Each other tool of today's registry is judged by the engine on the run's material, machine, "
        "fixture and design, at the tool's registry cut; those judged GREEN or YELLOW are listed, GREEN first, then "
        "by score (at most 6). Advice only: nothing is recorded, and a job is released only when it is sent with "
        "the tool. `skipped` says why nothing was tried: a GREEN run, a run that judged no job, a drawing (not "
        "tried: each tool would plan its toolpath anew), a material or machine no longer in the registry. Any "
        "RMOS role.",
        responses={
            200: inline_serializer(
                "RunAlternatives",
                {
                    "run_id": serializers.CharField(),
                    "tried": serializers.IntegerField(help_text="How many other tools were judged."),
                    "alternatives": inline_serializer(
                        "RunAlternative",
                        {
                            "tool_id": serializers.CharField(),
                            "name": serializers.CharField(),
                            "risk_level": serializers.ChoiceField(choices=["GREEN", "YELLOW"]),
                            "score": serializers.FloatField(),
                            "warnings": serializers.ListField(child=serializers.CharField()),
                        },
                        many=True,
                    ),
                    "skipped": serializers.CharField(allow_null=True),
                },
            ),
            400: _problem("INVALID_RUN_ID"),
            404: _problem("RUN_NOT_FOUND"),
        },
        tags=["runs"],
    )
    def get(self, request, run_id: str):
        artifact = run_get(run_id)
        return Response({"run_id": artifact.run_id, **alternatives.as_json(alternatives.for_run(artifact))})


class RunBoardDrawingView(APIView):
    """``GET runs/{run_id}/board.dxf``: the fret board a ``fret_slots`` run judged, as a DXF drawing."""

    @extend_schema(
        operation_id="runs_board_dxf",
        summary="The fret board of a fret-slots run, as a DXF drawing",
        description="Layers BOARD (the outline: nut line, edges, the end 6.35 mm past the last fret), FRETS (each "
        "slot's centre line) and CENTRE, in mm, in the design's frame. Send the BOARD layer as an `outline` job "
        "(profile outside) with the run's fixture, x and y to cut the taper in register with the slots. Any RMOS "
        "role. 404 `NO_FRET_BOARD` for a run of another shape.",
        responses={
            (200, "image/vnd.dxf"): OpenApiTypes.STR,
            400: _problem("INVALID_RUN_ID"),
            404: _problem("RUN_NOT_FOUND or NO_FRET_BOARD"),
        },
        tags=["runs"],
    )
    def get(self, request, run_id: str):
        artifact = run_get(run_id)
        design = (artifact.feasibility or {}).get("design")
        if not isinstance(design, dict) or design.get("shape") != "fret_slots":
            raise ProblemError(
                status=404,
                error="NO_FRET_BOARD",
                title="No fret board",
                detail=f"Run {artifact.run_id} judged no fret board ({artifact.kind}, {artifact.status}).",
                run_id=artifact.run_id,
            )
        response = HttpResponse(fret_board_dxf(design).encode("utf-8"), content_type="image/vnd.dxf")
        response["Content-Disposition"] = f'attachment; filename="{artifact.run_id}-board.dxf"'
        response["Cache-Control"] = "private, no-cache"
        return response

    def perform_content_negotiation(self, request, force=False):
        # A browser's or curl's Accept is anything but JSON; the JSON renderer still renders the problems.
        return super().perform_content_negotiation(request, force=True)
