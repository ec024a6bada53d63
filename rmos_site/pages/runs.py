"""``/runs``, ``/runs/<run_id>``, ``/runs/diff`` and the "Run a job" form: the ledger, read through the same
selectors as the API (``runs.selectors``), and toolpath jobs through the same service as the API
(``workflow.jobs.toolpaths_job``), which checks the role and records every outcome."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from rest_framework import serializers

from feasibility import alternatives
from feasibility.services import job_check_role
from rmos_site.core.bodylimit import accepts_drawings
from rmos_site.core.enums import Role
from rmos_site.core.problems import ProblemError, first_validation_message
from rmos_site.core.roles import user_roles
from rmos_site.pages import kept, present, queries
from rmos_site.pages.common import back, form_post, form_refused, page, problem_page, refused
from rmos_site.pages.forms import RUN_JOB_FORM, RunJobForm
from rmos_site.pages.uploads import drawing_refusal
from runs import selectors
from runs.enums import RISK_LEVEL_CHOICES, RunKind, RunStatus
from runs.refusals import Received
from runs.serializers import RunListQuerySerializer, query_input
from workflow.jobs import toolpaths_job

CHOICE_FILTERS = (
    ("status", "Status", RunStatus.choices),
    ("kind", "Kind", RunKind.choices),
    ("risk_level", "Risk", RISK_LEVEL_CHOICES),
)
# (name, label, suggestion list): free text, because the ledger also holds ids the registry no longer has.
TEXT_FILTERS = (
    ("mode", "Mode", "modes"),
    ("tool_id", "Tool", "tools"),
    ("tool_id_prefix", "Tool id starts with", "tool-prefixes"),
    ("material_id", "Material", "materials"),
    ("machine_id", "Machine", "machines"),
    ("session_id", "Session", ""),
)
PAGE_SIZES = (25, 50, 100, 200)


def _filter_controls(query) -> dict:
    return {
        "choices": [
            {"name": name, "label": label,
             "options": [{"value": value, "label": text, "checked": value in query.getlist(name)}
                         for value, text in choices]}
            for name, label, choices in CHOICE_FILTERS
        ],
        "texts": [
            {"name": name, "label": label, "values": query.getlist(name) or [""], "list": suggestions}
            for name, label, suggestions in TEXT_FILTERS
        ],
        "date_from": query.get("date_from", ""),
        "date_to": query.get("date_to", ""),
        "limit": query.get("limit", ""),
        "page_sizes": PAGE_SIZES,
        "active": any(name != "cursor" for name in query),
    }  # fmt: skip


def _url_with(query, **changes) -> str:
    query = query.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value:
            query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@page
def run_list(request):
    """The index with every filter of the API; the URL is the permalink of the filters shown."""
    query = request.GET
    if any("" in values for _, values in query.lists()):
        # A GET form sends its blank fields too; the permalink keeps only what filters.
        cleaned = query.copy()
        for name, values in query.lists():
            cleaned.setlist(name, [value for value in values if value])
        return HttpResponseRedirect(request.path + _url_with(cleaned).rstrip("?"))
    context = {
        "filters": _filter_controls(query),
        "registry": queries.registry_choices(),
        "is_operator": Role.OPERATOR in user_roles(request.user),
    }
    try:
        params = RunListQuerySerializer(data=query_input(query, RunListQuerySerializer))
        params.is_valid(raise_exception=True)
        items, next_cursor = selectors.run_list(
            params.filters(), limit=params.validated_data.get("limit"), cursor=params.validated_data.get("cursor")
        )
    except serializers.ValidationError as exc:
        return render(
            request, "pages/runs.html", {**context, "error": first_validation_message(exc.detail)}, status=400
        )
    except ProblemError as problem:  # a cursor this server did not issue, or one for other filters
        return render(request, "pages/runs.html", {**context, "error": problem.detail}, status=problem.status)
    context.update(
        runs=present.list_rows(items, queries.run_designs(items)),
        next_url=_url_with(query, cursor=next_cursor) if next_cursor else "",
        first_url=_url_with(query, cursor=None) if "cursor" in query else "",
    )
    return render(request, "pages/runs.html", context)


@page
def run_detail(request, run_id: str):
    artifact = selectors.run_get(run_id)
    context = present.run_detail(artifact)
    # Other tools for a job that was not GREEN: judged on asking (?alternatives=1), never on every view.
    if alternatives.worth_asking(artifact):
        context["alternatives_url"] = f"{reverse('run-page', args=[artifact.run_id])}?alternatives=1#other-tools"
        if request.GET.get("alternatives") == "1":
            context["alternatives"] = alternatives.for_run(artifact)
    return render(request, "pages/run_detail.html", context)


class DiffPageQuery(serializers.Serializer):
    a = serializers.CharField(max_length=100, error_messages={"required": "Pick run A to compare."})
    b = serializers.CharField(max_length=100, error_messages={"required": "Pick run B to compare."})
    all = serializers.BooleanField(required=False, default=False)


def _diff_error(problem: ProblemError) -> str:
    if problem.error == "INVALID_RUN_ID":
        sides = [side.upper() for side in problem.extra.get("invalid", [])]
        named = f"Runs {' and '.join(sides)} are not run ids." if len(sides) > 1 else f"Run {sides[0]} is not a run id."
        return f"{named} {problem.detail}"
    return problem.detail


@page
def run_diff(request):
    """Two runs side by side: changed fields only unless ``all=1``, hashes as equality badges."""
    context = {"a": request.GET.get("a", ""), "b": request.GET.get("b", "")}
    try:
        params = DiffPageQuery(data=query_input(request.GET, DiffPageQuery))
        params.is_valid(raise_exception=True)
        a_id, b_id, show_all = (params.validated_data[name] for name in ("a", "b", "all"))
        diff = selectors.run_diff(a_id, b_id, include_unchanged=show_all)
    except serializers.ValidationError as exc:
        return render(
            request, "pages/diff.html", {**context, "error": first_validation_message(exc.detail)}, status=400
        )
    except ProblemError as problem:
        return render(request, "pages/diff.html", {**context, "error": _diff_error(problem)}, status=problem.status)
    context.update(
        present.diff_view(diff),
        run_a=selectors.run_get(a_id),
        run_b=selectors.run_get(b_id),
        show_all=show_all,
        toggle_url=_url_with(request.GET, all=None if show_all else "1"),
    )
    return render(request, "pages/diff.html", context)


@accepts_drawings
@form_post
def run_job(request):
    """The "Run a job" form: the toolpaths endpoint's work through the same service; lands on the new run.

    The role comes first, as at the API (a refused call by an authenticated user leaves its BLOCKED artifact,
    the same one); then the form, whose errors are a message and write nothing. A drawing the service refuses
    (malformed, too large) leaves its ERROR artifact and sends the form back with the reason beside the file."""
    try:
        job_check_role(kind=RunKind.TOOLPATHS, actor=request.user)
    except ProblemError as problem:
        return problem_page(request, problem)
    origin = back(request, reverse("home"))
    form = RunJobForm(request.POST, request.FILES)
    if not form.is_valid():  # the form runs the toolpaths endpoint's validation (JobRequestSerializer)
        form_refused(request, form)
        kept.keep(request, RUN_JOB_FORM, errors=form.kept_errors())
        return redirect(origin)
    try:
        body = toolpaths_job(actor=request.user, body=Received(data=form.job_request()))
    except ProblemError as problem:
        drawing_error = drawing_refusal(problem)
        if drawing_error:
            refused(request, problem)
            kept.keep(request, RUN_JOB_FORM, errors={"outline__file": [drawing_error]})
            return redirect(origin)
        if problem.error == "SAFETY_BLOCKED":
            messages.warning(request, f"Blocked by the server's safety policy: {problem.detail}")
        elif "run_id" in problem.extra and problem.status >= 500:
            messages.error(request, f"Toolpath generation failed: {problem.detail}")
        else:
            refused(request, problem)
        run_id = problem.extra.get("run_id")
        return redirect("run-page", run_id=run_id) if run_id else redirect(origin)
    messages.success(request, f"Run OK: verified G-code generated ({body['run_id']}).")
    return redirect("run-page", run_id=body["run_id"])
