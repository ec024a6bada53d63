from django.urls import path

from feasibility.views import REGISTRY_VIEWS, RunAlternativesView, RunBoardDrawingView

# POST feasibility is routed by workflow.urls (a job may name a session). The board drawing lives under runs/
# beside the run it draws; rmos_site.urls includes these routes before the runs app's catch-all detail route.
urlpatterns = [
    path("runs/<str:run_id>/board.dxf", RunBoardDrawingView.as_view(), name="runs-board-dxf"),
    path("runs/<str:run_id>/alternatives", RunAlternativesView.as_view(), name="runs-alternatives"),
]
for _registry, (_list_view, _detail_view) in REGISTRY_VIEWS.items():
    urlpatterns += [
        path(f"registry/{_registry}", _list_view.as_view(), name=f"registry-{_registry}"),
        path(f"registry/{_registry}/<str:entry_id>", _detail_view.as_view(), name=f"registry-{_registry}-detail"),
    ]
