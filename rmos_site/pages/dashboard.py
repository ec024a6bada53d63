"""``/``: what happened in the last day and week, what was refused and why, and what waits for a decision."""

from django.shortcuts import render
from django.utils import timezone

from rmos_site.core.enums import Role
from rmos_site.core.roles import user_roles
from rmos_site.pages import charts, kept, queries
from rmos_site.pages.common import page
from rmos_site.pages.forms import RUN_JOB_FORM, RunJobForm
from workflow.enums import SessionState

BLOCKED_SHOWN = 8
AWAITING_SHOWN = 8


@page
def dashboard(request):
    roles = user_roles(request.user)
    job_form = None
    if Role.OPERATOR in roles:
        # A refused job comes back here with everything the operator typed and the errors beside the fields.
        job_form = kept.bind(RunJobForm, request, RUN_JOB_FORM).with_choices(queries.registry_choices())
    states = queries.session_state_counts()
    context = {
        "chart": charts.run_chart(queries.run_counts(now=timezone.now())),
        "blocked": queries.latest_blocked(limit=BLOCKED_SHOWN),
        "awaiting": queries.sessions_awaiting_approval(limit=AWAITING_SHOWN),
        "awaiting_total": states.get(SessionState.FEASIBILITY_READY, 0),
        "session_states": [(state, label, states.get(state, 0)) for state, label in SessionState.choices],
        "job_form": job_form,
        "is_approver": Role.APPROVER in roles,
    }
    return render(request, "pages/dashboard.html", context)
