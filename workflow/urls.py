from django.urls import path

from workflow.views import (
    ACTION_VIEWS,
    FeasibilityView,
    SeedApproveView,
    SessionDetailView,
    SessionEventsView,
    SessionsView,
    ToolpathsView,
)

urlpatterns = [
    path("feasibility", FeasibilityView.as_view(), name="feasibility"),
    path("toolpaths", ToolpathsView.as_view(), name="toolpaths"),
    path("workflow/sessions", SessionsView.as_view(), name="workflow-sessions"),
    path("workflow/sessions/<str:session_id>", SessionDetailView.as_view(), name="workflow-session"),
    path("workflow/sessions/<str:session_id>/events", SessionEventsView.as_view(), name="workflow-session-events"),
    path("workflow/approve", SeedApproveView.as_view(), name="workflow-approve"),
]
# One path per action, so an unknown action is a plain 404 and each action has its own schema entry.
urlpatterns += [
    path(f"workflow/sessions/<str:session_id>/{action}", view.as_view(), name=f"workflow-session-{action}")
    for action, view in ACTION_VIEWS.items()
]
