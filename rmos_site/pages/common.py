"""What every page view shares: who may see it, how a refusal reads, where a form sends the user back to."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from rmos_site.core.enums import READ_ROLES
from rmos_site.core.problems import ProblemError
from rmos_site.core.roles import user_roles

NO_ROLE = ProblemError(
    status=403,
    error="PERMISSION_DENIED",
    title="No RMOS role",
    detail="Your account has no RMOS role (operator, approver, auditor or admin); ask an administrator for one.",
)


def problem_page(request, problem: ProblemError):
    """The HTML twin of a problem body, with the problem's status."""
    return render(request, "pages/problem.html", {"problem": problem}, status=problem.status)


def _guarded(view, method_decorator):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not user_roles(request.user) & READ_ROLES:
            return problem_page(request, NO_ROLE)
        try:
            return view(request, *args, **kwargs)
        except ProblemError as problem:
            # What escapes a view is about the URL itself (malformed or unknown id): an error page.
            return problem_page(request, problem)

    return login_required(method_decorator(wrapper))


def page(view):
    """A page to read (GET/HEAD): logged in, any RMOS role."""
    return _guarded(view, require_safe)


def form_post(view):
    """A form's POST: logged in, any RMOS role (the service checks the one the action needs).

    Someone not logged in (a login that lapsed while the form was open) is sent to log in and then back to
    the page the form was on (its ``next``, else the page one level up: ``/sessions/<id>`` for
    ``/sessions/<id>/approve``), never to the form's POST-only URL, which would answer 405. Nothing is
    written; the user submits again.
    """
    guarded = _guarded(view, require_POST)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            parent = request.path.rstrip("/").rsplit("/", 1)[0] or "/"
            return redirect_to_login(back(request, parent))
        return guarded(request, *args, **kwargs)

    return wrapper


# How loud a refusal is on the page: a lost race or a blocked verdict is news, not a fault.
_LEVEL = {400: messages.ERROR, 403: messages.ERROR, 404: messages.ERROR, 409: messages.WARNING}


def refused(request, problem: ProblemError) -> None:
    """A service's refusal as a message on the next page, with the artifact it left, if any."""
    # Some details already start with their title ("Approval blocked: RED and overrides disabled", the seed's
    # message): say it once.
    text = problem.detail if problem.detail.startswith(problem.title) else f"{problem.title}: {problem.detail}"
    run_id = problem.extra.get("run_id")
    if run_id:
        text += f" (recorded as {run_id})"
    messages.add_message(request, _LEVEL.get(problem.status, messages.ERROR), text)


def form_refused(request, form) -> None:
    """A form that did not validate: its first error, named by its field. Nothing was written."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        prefix = f"{label or name.replace('_', ' ').capitalize()}: " if name != "__all__" else ""
        messages.error(request, f"{prefix}{errors[0]}")
        return


def back(request, default: str) -> str:
    """The form's ``next`` when it is a path on this site, else ``default``; never an open redirect."""
    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
