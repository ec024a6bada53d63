"""A Content-Security-Policy for RMOS's own HTML pages.

The pages are written to need nothing inline (no ``<script>`` bodies, no ``style=`` attributes; scripts and
styles only from ``static/``), so the policy can forbid everything else: an injected tag in a run's stored
text (a tool name, a note) then cannot run or restyle anything even if escaping were ever missed.
"""

from django.conf import settings

POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"

# Pages RMOS does not write: the Django admin and the Swagger UI of /api/docs (drf-spectacular's page
# starts the UI with an inline script) keep working without a policy rather than being half broken by one.
EXEMPT_PREFIXES = ("/admin/", "/api/docs")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self._applies(request, response):
            response["Content-Security-Policy"] = POLICY
        return response

    @staticmethod
    def _applies(request, response) -> bool:
        if "Content-Security-Policy" in response:
            return False  # a view that set its own (the SVG preview) knows better
        if not response.get("Content-Type", "").startswith("text/html"):
            return False
        if request.path.startswith(EXEMPT_PREFIXES):
            return False
        # Django's debug error pages are styled and scripted inline; a developer needs them readable.
        return not (settings.DEBUG and response.status_code >= 400)
