"""Routes of the runs API, under /api/rmos/.

Run ids are captured with permissive patterns on purpose: ``..``, slashes (``%2F`` arrives decoded) and any
other malformed id must reach the views and be answered 400 INVALID_RUN_ID, not fall through to a 404 that
would read as "no such run". The diff comes first, then the downloads, so the catch-all detail route only sees
what neither claims.
"""

from django.urls import path, register_converter

from runs import views


class AnyTextConverter:
    """Like ``path`` but also matches newlines (``.`` does not), so ``run_...%0A`` gets its 400 too."""

    regex = r"[\s\S]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class SegmentConverter(AnyTextConverter):
    regex = r"[^/]+"


register_converter(AnyTextConverter, "rmos_any")
register_converter(SegmentConverter, "rmos_segment")

urlpatterns = [
    path("runs", views.RunListView.as_view(), name="runs-list"),
    path("runs/diff/<rmos_segment:a_id>/<rmos_segment:b_id>", views.RunDiffView.as_view(), name="runs-diff"),
    path("runs/<rmos_any:run_id>/download", views.RunDownloadView.as_view(), name="runs-download"),
    path("runs/<rmos_any:run_id>/gcode", views.RunGcodeView.as_view(), name="runs-gcode"),
    path("runs/<rmos_any:run_id>", views.RunDetailView.as_view(), name="runs-detail"),
    path("drawings/<rmos_any:sha256>", views.DrawingDownloadView.as_view(), name="drawings-download"),
]
