"""How large a request body may be: small everywhere, large enough for a drawing where a drawing is taken.

Django has one limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``); RMOS has two. Most endpoints take a few hundred bytes
of JSON and refuse anything over ``RMOS_MAX_BODY_BYTES`` (256 KiB). The views that take a drawing (an outline
design's DXF or SVG, inline in JSON or uploaded from a page) are marked with ``accepts_drawings`` and take up
to ``RMOS_MAX_DRAWING_BODY_BYTES`` (12 MB: a 5 MB drawing, the reader's own limit, escaped into JSON). The
drawing itself is then held to that reader's limit with its own 413 (``DRAWING_TOO_LARGE``, recorded).

The middleware sits before the CSRF check, which reads a form's body: an oversized body is refused by its
declared ``Content-Length`` before anything reads it, with a 413 problem body.
"""

import json

from django.conf import settings
from django.http import HttpResponse

from rmos_site.core.problems import PROBLEM_CONTENT_TYPE, problem_body


def accepts_drawings(view):
    """Mark a view (a function, or a class: its ``as_view()`` function carries the class) as taking drawings."""
    view.accepts_drawings = True
    return view


def _marked(view_func) -> bool:
    if getattr(view_func, "accepts_drawings", False):
        return True
    view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    return bool(getattr(view_class, "accepts_drawings", False))


def limit_for(view_func) -> int:
    return settings.RMOS_MAX_DRAWING_BODY_BYTES if _marked(view_func) else settings.RMOS_MAX_BODY_BYTES


class BodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = limit_for(view_func)
        if length <= limit:
            return None
        what = "a request with a drawing" if _marked(view_func) else "this request"
        body = problem_body(
            status=413,
            error="PAYLOAD_TOO_LARGE",
            title="Request body too large",
            detail=f"The body is {length} bytes; {what} may have at most {limit}.",
            limit=limit,
        )
        return HttpResponse(json.dumps(body), status=413, content_type=PROBLEM_CONTENT_TYPE)
