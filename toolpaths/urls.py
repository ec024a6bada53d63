from django.urls import path

from toolpaths.views import RunPreviewView

# The preview lives under runs/ beside the artifact it draws. rmos_site.urls includes these routes before the
# runs app's, whose detail pattern takes any text, slashes included: it would read "run_.../preview.svg" as one
# (malformed) run id.
# POST toolpaths is routed by workflow.urls (a job may name a session).
urlpatterns = [
    path("runs/<str:run_id>/preview.svg", RunPreviewView.as_view(), name="runs-preview"),
]
