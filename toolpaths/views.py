"""The SVG preview of a run's G-code. The toolpaths job endpoint is ``workflow.views.ToolpathsView``: a job
may name a workflow session."""

from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from rmos_site.core.problems import ProblemError
from runs.selectors import run_get
from toolpaths.overlay import outline_geometry
from toolpaths.parse import GcodeParseError, moves_from_gcode
from toolpaths.summary import render_svg

# An artifact never changes, so neither does its drawing: the browser keeps it for a year (private: it is one
# user's), and the server keeps rendered drawings in the "previews" cache so a second request, from any user,
# does not parse and draw the program again (drawing a large program costs seconds of CPU).
PREVIEW_CACHE_CONTROL = "private, max-age=31536000, immutable"
PREVIEW_CACHE = "previews"
# Drawings larger than this are drawn on each request rather than held in memory.
PREVIEW_CACHE_MAX_BYTES = 4_000_000


def preview_cache_key(artifact) -> str:
    """The drawing of one run: its id (the drawing's title) and the hash of the G-code it is drawn from."""
    # v2: an outline's drawing is drawn over its moves.
    return f"rmos:preview:v2:{artifact.run_id}:{artifact.gcode_sha256}"


class RunPreviewView(APIView):
    """``GET runs/{run_id}/preview.svg``: a plan view of a run's released G-code, drawn from the stored text.

    Drawn from ``gcode_text`` rather than from the summary: the text is what reached (or would reach) the
    machine, and it is covered by ``gcode_sha256``, which makes the drawing's ETag. Cached by the browser
    (immutable, 304 to ``If-None-Match``) and by the server (``PREVIEW_CACHE``).
    """

    @extend_schema(
        operation_id="runs_preview_svg",
        summary="A drawing of a run's toolpath (SVG plan view)",
        description="Cuts solid, rapids dashed, fitted to the program's extent. Any RMOS role. 404 `NO_TOOLPATH` "
        "for artifacts without G-code (feasibility, approvals, blocked or failed runs). An artifact never changes: "
        "`ETag` is its `gcode_sha256`, `Cache-Control: private, max-age=31536000, immutable`, and "
        "`If-None-Match` answers 304.",
        parameters=[OpenApiParameter("run_id", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^run_[0-9a-f]{32}$")],
        responses={
            (200, "image/svg+xml"): OpenApiTypes.STR,
            304: OpenApiResponse(description="Not modified"),
            400: OpenApiResponse(description="application/problem+json: INVALID_RUN_ID"),
            404: OpenApiResponse(description="application/problem+json: RUN_NOT_FOUND or NO_TOOLPATH"),
        },
        tags=["runs"],
    )
    def get(self, request, run_id: str):
        artifact = run_get(run_id)
        if not artifact.gcode_text:
            raise ProblemError(
                status=404,
                error="NO_TOOLPATH",
                title="No toolpath",
                detail=f"Run {artifact.run_id} has no G-code to draw ({artifact.kind}, {artifact.status}).",
                run_id=artifact.run_id,
            )
        etag = f'"{artifact.gcode_sha256}"'
        response = get_conditional_response(request, etag=etag)
        if response is None:
            response = HttpResponse(_drawing(artifact), content_type="image/svg+xml; charset=utf-8")
        response["ETag"] = etag
        response["Cache-Control"] = PREVIEW_CACHE_CONTROL
        # Opened on its own, an SVG is a document: it may load nothing and run nothing.
        response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
        patch_vary_headers(response, ["Authorization", "Cookie"])
        return response

    def perform_content_negotiation(self, request, force=False):
        # An <img> asks for image/*; the JSON renderer still renders the problem bodies of the errors.
        return super().perform_content_negotiation(request, force=True)


def _drawing(artifact) -> str:
    """The SVG of ``artifact``'s G-code, from the previews cache when it was drawn before."""
    cache = caches[PREVIEW_CACHE]
    key = preview_cache_key(artifact)
    svg = cache.get(key)
    if svg is not None:
        return svg
    try:
        moves = moves_from_gcode(artifact.gcode_text)
    except GcodeParseError as exc:
        raise ProblemError(
            status=422,
            error="GCODE_UNREADABLE",
            title="G-code cannot be drawn",
            detail=f"The stored G-code is outside the subset RMOS reads: {exc}",
            run_id=artifact.run_id,
        ) from None
    svg = render_svg(
        moves,
        machine=_drawable_machine(artifact.registry_snapshot),
        title=artifact.run_id,
        fixture_id=_judged_fixture(artifact),
        overlay=outline_geometry(artifact),
    )
    if len(svg) <= PREVIEW_CACHE_MAX_BYTES:
        cache.set(key, svg, timeout=None)  # the artifact never changes: nothing to expire
    return svg


def _judged_fixture(artifact) -> str | None:
    """The fixture the run was judged on (its cut says), so the envelope is drawn in that fixture's work
    coordinates; None for runs recorded before fixtures (the machine's default then)."""
    feasibility = artifact.feasibility if isinstance(artifact.feasibility, dict) else {}
    cut = feasibility.get("cut") if isinstance(feasibility.get("cut"), dict) else {}
    fixture_id = cut.get("fixture_id")
    return fixture_id if isinstance(fixture_id, str) else None


def _drawable_machine(snapshot) -> dict | None:
    """The machine entry when it has the travel the drawing's envelope needs (synthetic runs lack it)."""
    machine = (snapshot or {}).get("machine") if isinstance(snapshot, dict) else None
    if not isinstance(machine, dict):
        return None
    try:
        float(machine["travel_x_mm"]), float(machine["travel_y_mm"])
    except (KeyError, TypeError, ValueError):
        return None
    return machine
