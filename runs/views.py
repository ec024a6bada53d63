"""The runs API: the index, one run, its download and the diff of two, and the drawings jobs sent. Read-only, for
every RMOS role."""

import re

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from rmos_site.core.problems import ProblemError
from runs import selectors
from runs.gcode_file import CONTENT_TYPE as GCODE_CONTENT_TYPE
from runs.gcode_file import gcode_bytes, gcode_filename
from runs.serializers import (
    RunDiffQuerySerializer,
    RunDiffSerializer,
    RunDocumentSerializer,
    RunListItemSerializer,
    RunListQuerySerializer,
    RunListSerializer,
    RunProblemSerializer,
    query_input,
)

_PROBLEMS = {
    (status, "application/problem+json"): OpenApiResponse(RunProblemSerializer, description=description)
    for status, description in (
        (400, "VALIDATION_ERROR, INVALID_RUN_ID or INVALID_CURSOR"),
        (401, "Not authenticated"),
        (403, "No RMOS role"),
    )
}
_NOT_FOUND = {(404, "application/problem+json"): OpenApiResponse(RunProblemSerializer, description="RUN_NOT_FOUND")}
# The pattern is what the views check: anything else is 400 INVALID_RUN_ID, whatever the path looks like.
_RUN_ID_PATTERN = r"^run_[0-9a-f]{32}$"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_RUN_ID = OpenApiParameter(
    "run_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="run_ + 32 lowercase hex", pattern=_RUN_ID_PATTERN
)


def _etag(artifact) -> str:
    return f'"{artifact.content_sha256}"'


def _gcode_etag(artifact) -> str:
    return f'"{artifact.gcode_sha256}"'


def _not_modified(request, etag: str) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    # Weak comparison (RFC 9110 13.1.2) is what If-None-Match uses: a W/ prefix does not matter.
    tags = {tag.removeprefix("W/") for tag in parse_etags(header)}
    return "*" in tags or etag in tags


def _conditional(request, response, etag: str, *, cache_control: str = "private, no-cache"):
    """ETag on every answer; 304 when the client holds this version. Authorisation ran first, so a cached
    copy is only ever confirmed to someone who may read it; ``private`` keeps shared caches out of it."""
    if _not_modified(request, etag):
        response = HttpResponse(status=304)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    patch_vary_headers(response, ["Authorization", "Cookie"])
    return response


class RunListView(APIView):
    @extend_schema(
        operation_id="runs_list",
        summary="The run index",
        description="Newest first (seq descending; seq is unique, so there are no ties). Filters AND across "
        "names; a repeated name means OR. Follow `next_cursor` until it is null.",
        parameters=[RunListQuerySerializer],
        responses={200: RunListSerializer, **_PROBLEMS},
    )
    def get(self, request):
        query = RunListQuerySerializer(data=query_input(request.query_params, RunListQuerySerializer))
        query.is_valid(raise_exception=True)
        items, next_cursor = selectors.run_list(
            query.filters(), limit=query.validated_data.get("limit"), cursor=query.validated_data.get("cursor")
        )
        return Response({"items": RunListItemSerializer(items, many=True).data, "next_cursor": next_cursor})


class RunDetailView(APIView):
    @extend_schema(
        operation_id="runs_retrieve",
        summary="One run artifact",
        parameters=[_RUN_ID],
        responses={200: RunDocumentSerializer, 304: OpenApiResponse(description="Not modified"), **_PROBLEMS,
                   **_NOT_FOUND},
    )  # fmt: skip
    def get(self, request, run_id: str):
        artifact = selectors.run_get(run_id)
        return _conditional(request, Response(selectors.run_document(artifact)), _etag(artifact))


class RunDownloadView(APIView):
    @extend_schema(
        operation_id="runs_download",
        summary="One run artifact as a file",
        description="`{run_id}.json`, byte-identical on every download; `ETag` is the content hash.",
        parameters=[_RUN_ID],
        responses={(200, "application/json"): RunDocumentSerializer, 304: OpenApiResponse(description="Not modified"),
                   **_PROBLEMS, **_NOT_FOUND},
    )  # fmt: skip
    def get(self, request, run_id: str):
        artifact = selectors.run_get(run_id)
        response = HttpResponse(selectors.run_download_bytes(artifact), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{artifact.run_id}.json"'
        return _conditional(request, response, _etag(artifact))


class RunGcodeView(APIView):
    @extend_schema(
        operation_id="runs_gcode",
        summary="A run's G-code as a file",
        description="The program exactly as recorded: its bytes are what `gcode_sha256` covers (`sha256sum` of the "
        "file prints it), and `ETag` is that hash. Named `{run_id}.ngc` (LinuxCNC; the extension follows the "
        "post processor). 404 `NO_GCODE` for a run without G-code (feasibility, approvals, blocked or failed "
        "runs).",
        parameters=[_RUN_ID],
        responses={(200, "text/plain"): OpenApiTypes.STR, 304: OpenApiResponse(description="Not modified"),
                   **_PROBLEMS,
                   (404, "application/problem+json"): OpenApiResponse(
                       RunProblemSerializer, description="RUN_NOT_FOUND or NO_GCODE")},
    )  # fmt: skip
    def get(self, request, run_id: str):
        artifact = selectors.run_get(run_id)
        if not artifact.gcode_text:
            raise ProblemError(
                status=404,
                error="NO_GCODE",
                title="No G-code",
                detail=f"Run {artifact.run_id} has no G-code ({artifact.kind}, {artifact.status}).",
                run_id=artifact.run_id,
            )
        response = HttpResponse(gcode_bytes(artifact), content_type=GCODE_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{gcode_filename(artifact)}"'
        return _conditional(request, response, _gcode_etag(artifact))

    def perform_content_negotiation(self, request, force=False):
        # A browser's or curl's Accept is anything but JSON; the JSON renderer still renders the problems.
        return super().perform_content_negotiation(request, force=True)


class RunDiffView(APIView):
    @extend_schema(
        operation_id="runs_diff",
        summary="Decision-relevant differences between two runs",
        description="b relative to a. G-code is compared by hash only. `?all=1` lists unchanged fields too.",
        parameters=[
            OpenApiParameter("a_id", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=_RUN_ID_PATTERN),
            OpenApiParameter("b_id", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=_RUN_ID_PATTERN),
            RunDiffQuerySerializer,
        ],
        responses={200: RunDiffSerializer, **_PROBLEMS, **_NOT_FOUND},
    )
    def get(self, request, a_id: str, b_id: str):
        query = RunDiffQuerySerializer(data=query_input(request.query_params, RunDiffQuerySerializer))
        query.is_valid(raise_exception=True)
        return Response(selectors.run_diff(a_id, b_id, include_unchanged=query.validated_data["all"]))


_DRAWING_TYPES = {"dxf": "image/vnd.dxf", "svg": "image/svg+xml"}


class DrawingDownloadView(APIView):
    @extend_schema(
        operation_id="drawings_download",
        summary="A drawing received with a job, as the file it was",
        description="The DXF or SVG text an outline design named by `sha256`, byte for byte: `sha256sum` of the "
        "file prints the hash, which is also its `ETag`. Any RMOS role. A drawing never changes: `If-None-Match` "
        "answers 304. Always an attachment, never rendered by this site (an SVG may carry script).",
        parameters=[OpenApiParameter("sha256", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^[0-9a-f]{64}$")],
        responses={(200, "image/vnd.dxf"): OpenApiTypes.STR, (200, "image/svg+xml"): OpenApiTypes.STR,
                   304: OpenApiResponse(description="Not modified"), **_PROBLEMS,
                   (404, "application/problem+json"): OpenApiResponse(
                       RunProblemSerializer, description="DRAWING_NOT_FOUND")},
    )  # fmt: skip
    def get(self, request, sha256: str):
        if not _SHA256.fullmatch(sha256):
            raise ProblemError(
                status=400,
                error="INVALID_DRAWING_ID",
                title="Invalid drawing id",
                detail="A drawing is named by the SHA-256 of its text: 64 lowercase hex digits.",
            )
        found = selectors.drawing_get(sha256)
        if found is None:
            raise ProblemError(
                status=404,
                error="DRAWING_NOT_FOUND",
                title="Drawing not found",
                detail=f"No drawing with sha256 {sha256} has been received.",
            )
        fmt, text = found
        response = HttpResponse(text.encode("utf-8"), content_type=_DRAWING_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{sha256[:16]}.{fmt}"'
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["X-Content-Type-Options"] = "nosniff"
        # A drawing never changes: the browser may keep it.
        return _conditional(request, response, f'"{sha256}"', cache_control="private, max-age=31536000, immutable")

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)
