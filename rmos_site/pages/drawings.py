"""``/runs/<run_id>/drawing``: one run's plan view on a page of its own, as large as the screen allows."""

from django.shortcuts import render

from rmos_site.pages import drawing
from rmos_site.pages.common import page
from runs import selectors


@page
def run_drawing(request, run_id: str):
    artifact = selectors.run_get(run_id)
    return render(request, "pages/drawing.html", {"run": artifact, "drawing": drawing.run_drawing(artifact)})
