from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from rmos_site.pages import dashboard, drawings, runs, sessions
from rmos_site.views import HealthView

handler400 = "rmos_site.core.problems.handler400"
handler404 = "rmos_site.core.problems.handler404"
handler500 = "rmos_site.core.problems.handler500"

urlpatterns = [
    path("api/health", HealthView.as_view(), name="health"),
    path(
        # JSON first: integrators' tools expect it, and error bodies must render as problem+json.
        "api/schema",
        SpectacularAPIView.as_view(renderer_classes=[OpenApiJsonRenderer, OpenApiYamlRenderer]),
        name="schema",
    ),
    path("api/docs", login_required(SpectacularSwaggerView.as_view(url_name="schema")), name="docs"),
    path("api/rmos/", include("feasibility.urls")),
    path("api/rmos/", include("toolpaths.urls")),
    path("api/rmos/", include("workflow.urls")),
    path("api/rmos/", include("runs.urls")),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Pages. "runs/diff" and "runs/new" come before the run detail, whose pattern takes any text so that a
    # malformed id is answered with a 400 page rather than a 404 that would read as "no such run".
    path("", dashboard.dashboard, name="home"),
    path("runs", runs.run_list, name="runs-page"),
    path("runs/diff", runs.run_diff, name="runs-diff-page"),
    path("runs/new", runs.run_job, name="run-job"),
    path("runs/<str:run_id>/drawing", drawings.run_drawing, name="run-drawing-page"),
    path("runs/<path:run_id>", runs.run_detail, name="run-page"),
    path("sessions", sessions.session_list, name="sessions-page"),
    path("sessions/new", sessions.session_create, name="session-new"),
    path("sessions/<str:session_id>", sessions.session_detail, name="session-page"),
    path("sessions/<str:session_id>/<str:action>", sessions.session_action, name="session-action"),
]
