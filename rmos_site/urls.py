from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from rmos_site import pages
from rmos_site.views import HealthView

handler400 = "rmos_site.problems.handler400"
handler404 = "rmos_site.problems.handler404"
handler500 = "rmos_site.problems.handler500"

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
    path("", pages.home, name="home"),
]
