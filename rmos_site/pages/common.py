"""What every page view shares: who may see it, how a refusal reads, where a form sends the user back to."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from rmos_site.core.enums import READ_ROLES
from rmos_site.core.problems import ProblemError
from rmos_site.core.roles import user_roles

NO_ROLE = ProblemError(
    status=403,
    error="PERMISSION_DENIED",
    title="No RMOS role",
    detail="Your account has no RMOS role (operator, approver, auditor or admin); ask an administrator for one.",
)


# Problems whose ``run_id`` names the run the request was about (one that does not exist, or has no G-code),
# not an artifact the refusal left in the ledger: their pages must not say "recorded as".
SUBJECT_RUN_ERRORS = frozenset({"RUN_NOT_FOUND", "NO_TOOLPATH", "NO_GCODE", "GCODE_UNREADABLE"})


def recorded_run_id(problem: ProblemError) -> str:
    """The artifact a refusal was recorded as, if any."""
    if problem.error in SUBJECT_RUN_ERRORS:
        return ""
    return problem.extra.get("run_id") or ""


def problem_page(request, problem: ProblemError, *, back_url: str = ""):
    """The HTML twin of a problem body, with the problem's status."""
    context = {"problem": problem, "recorded_run_id": recorded_run_id(problem), "back_url": back_url}
    return render(request, "pages/problem.html", context, status=problem.status)


def _parent(path: str) -> str:
    """The page one level up: ``/sessions/<id>`` for ``/sessions/<id>/approve``, ``/`` for ``/runs/new``."""
    parent = path.rstrip("/").rsplit("/", 1)[0] or "/"
    return "/" if parent == "/runs" else parent


def _methods(*allowed: str):
    """Like Django's ``require_http_methods``, but a wrong method gets the styled error page (a browser shows
    Django's bare 405 as a blank page), with ``Allow`` and a way back."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in allowed:
                reads = "GET" in allowed
                problem = ProblemError(
                    status=405,
                    error="METHOD_NOT_ALLOWED",
                    title="Not a page to open" if not reads else "Method not allowed",
                    detail="This address only takes a form's submission; the form is on the page linked below."
                    if not reads
                    else f"This page is only read ({request.method} is not allowed here).",
                )
                response = problem_page(request, problem, back_url="" if reads else _parent(request.path))
                response["Allow"] = ", ".join(allowed)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


require_safe = _methods("GET", "HEAD")
require_POST = _methods("POST")


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
            return redirect_to_login(back(request, _parent(request.path)))
        return guarded(request, *args, **kwargs)

    return wrapper


# How loud a refusal is on the page: a lost race or a blocked verdict is news, not a fault.
_LEVEL = {400: messages.ERROR, 403: messages.ERROR, 404: messages.ERROR, 409: messages.WARNING}


def refused(request, problem: ProblemError) -> None:
    """A service's refusal as a message on the next page, with the artifact it left, if any."""
    # Some details already start with their title ("Approval blocked: RED and overrides disabled", the seed's
    # message): say it once.
    text = problem.detail if problem.detail.startswith(problem.title) else f"{problem.title}: {problem.detail}"
    run_id = recorded_run_id(problem)
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
