from django.urls import path

from toolpaths.views import ToolpathsView

urlpatterns = [path("toolpaths", ToolpathsView.as_view(), name="toolpaths")]
