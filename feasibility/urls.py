from django.urls import path

from feasibility.views import REGISTRY_VIEWS

# POST feasibility is routed by workflow.urls (a job may name a session).
urlpatterns = []
for _registry, (_list_view, _detail_view) in REGISTRY_VIEWS.items():
    urlpatterns += [
        path(f"registry/{_registry}", _list_view.as_view(), name=f"registry-{_registry}"),
        path(f"registry/{_registry}/<str:entry_id>", _detail_view.as_view(), name=f"registry-{_registry}-detail"),
    ]
