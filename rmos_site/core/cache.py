"""``Cache-Control: private, no-store`` on the HTML a logged-in user is shown.

Pages carry runs, sessions, names and CSRF tokens of one user; a shared cache (a proxy) must never keep them,
and a browser should not keep them on disk after logout either (the back button after logout on a shared
workshop computer). The API's own answers set their caching themselves (the download's ``ETag``); this covers
HTML only, including the admin, which Django already marks ``private`` and ``no-store``.
"""

from django.utils.cache import patch_cache_control


class PrivatePagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
