"""What a browser is shown when django-axes locks a login out: the login page again, with the reason."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


def login_locked_out(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: 429 and the login form, saying how long the lock lasts. The same answer
    whether or not the password was right, so the page tells an attacker nothing."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    context = {
        "form": AuthenticationForm(request),
        "next": request.POST.get("next", "") if request.method == "POST" else request.GET.get("next", ""),
        "locked_out": True,
        "cooloff_minutes": minutes,
    }
    return render(request, "registration/login.html", context, status=429)
