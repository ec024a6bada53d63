"""``/sessions`` and ``/sessions/<id>``: the list, one session's state and timeline, and a form for each action
the logged-in user may take now. Every form posts to a view that calls the one ``workflow.services`` function
the API and the admin call; a refusal (a lost race, a blocked approval, a wrong role) comes back as a message."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from rmos_site.core.bodylimit import accepts_drawings
from rmos_site.core.enums import Role
from rmos_site.core.problems import ProblemError, first_validation_message
from rmos_site.core.roles import user_roles
from rmos_site.pages import kept, present, queries, units, verdict
from rmos_site.pages.common import form_post, form_refused, page, refused
from rmos_site.pages.forms import (
    NEW_SESSION_FORM,
    ApproveForm,
    ContextForm,
    DesignForm,
    EmptyForm,
    NewSessionForm,
    NoteForm,
    ReasonForm,
    design_initial,
    session_form_key,
)
from rmos_site.pages.uploads import drawing_refusal
from workflow import selectors, services
from workflow.enums import SessionAction, SessionMode, SessionState
from workflow.serializers import SessionListQuerySerializer

A = SessionAction

# What each action does, said where its button is.
ACTION_HELP = {
    A.DESIGN: "Replaces the design; any verdict and approval are cleared.",
    A.CONTEXT: "Replaces tool, material, machine, fixture and controller; any verdict and approval are cleared.",
    A.FEASIBILITY: "The server judges the stored design and context.",
    A.APPROVE: "Approves exactly the verdict shown on this page: its hash goes with the form.",
    A.REJECT: "Rejects the verdict. A reason is required.",
    A.REVISE: "Sends the session back to the operator. A reason is required.",
    A.TOOLPATHS: "Recomputes the verdict; only if it still matches the approval is verified G-code generated.",
    A.ARCHIVE: "Files the session away; nothing more can be done with it.",
}
# Per action: its form (whose fields are the API's body for the action), the button's look, and what the page
# says on success. The call itself is the one the API and the admin make: ``services.session_act``.
ACTIONS = {
    A.DESIGN: (DesignForm, "primary", "Design saved."),
    A.CONTEXT: (ContextForm, "primary", "Context saved."),
    A.FEASIBILITY: (EmptyForm, "primary", "Feasibility computed."),
    A.APPROVE: (ApproveForm, "primary", "Approved: toolpaths may now be generated."),
    A.REJECT: (ReasonForm, "danger", "Rejected."),
    A.REVISE: (ReasonForm, "secondary", "Sent back for revision."),
    A.TOOLPATHS: (EmptyForm, "primary", "Toolpaths generated."),
    A.ARCHIVE: (NoteForm, "secondary", "Archived."),
}
# A form, and its help, for every action of the one table (and none other).
assert set(ACTIONS) == set(ACTION_HELP) == set(services.ACTIONS), "the pages and workflow.services.ACTIONS disagree"
STATE_LABELS = dict(SessionState.choices)
MODE_LABELS = dict(SessionMode.choices)
ACTION_LABELS = dict(SessionAction.choices)


def _list_query(query) -> dict:
    # As the API does: every parameter is validated, so a misspelt filter is a 400, not an unfiltered list.
    return {
        name: [value for value in query.getlist(name) if value] if name in selectors.LIST_FILTERS else query.get(name)
        for name in query
        if any(query.getlist(name))
    }


@page
def session_list(request):
    query = request.GET
    registry = queries.registry_choices() if Role.OPERATOR in user_roles(request.user) else None
    context = {
        "states": [(value, label, value in query.getlist("state")) for value, label in SessionState.choices],
        "modes": [(value, label, value in query.getlist("mode")) for value, label in SessionMode.choices],
        "new_form": kept.bind(NewSessionForm, request, NEW_SESSION_FORM).with_choices(registry) if registry else None,
        "filtered": bool(query),
    }
    params = SessionListQuerySerializer(data=_list_query(query))
    if not params.is_valid():
        context["error"] = first_validation_message(params.errors)
        return render(request, "pages/sessions.html", context, status=400)
    data = params.validated_data
    try:
        sessions, next_cursor = selectors.session_list(
            {name: data.get(name) for name in selectors.LIST_FILTERS},
            limit=data.get("limit"),
            cursor=data.get("cursor"),
        )
    except ProblemError as problem:
        context["error"] = problem.detail
        return render(request, "pages/sessions.html", context, status=problem.status)
    context["sessions"] = [_row(session) for session in sessions]
    if next_cursor:
        following = query.copy()
        following["cursor"] = next_cursor
        context["next_url"] = f"?{following.urlencode()}"
    return render(request, "pages/sessions.html", context)


def _row(session) -> dict:
    return {
        "session": session,
        "state_label": STATE_LABELS.get(session.state, session.state),
        "mode_label": MODE_LABELS.get(session.mode, session.mode),
        "next_step": session.next_step(),
    }


def _action_form(request, session, action: str, registry) -> dict:
    form_class, look, _ = ACTIONS[action]
    initial = {}
    if action == A.DESIGN:
        initial = design_initial(session.design)
    elif action == A.CONTEXT:
        initial = dict(session.context or {})
    elif action == A.APPROVE:
        initial = {"feasibility_sha256": session.feasibility_sha256}
    form = kept.bind(form_class, request, session_form_key(session, action), initial=initial, auto_id=f"id_{action}_%s")
    if action == A.CONTEXT:
        form.with_choices(registry)
    return {
        "action": action,
        "label": ACTION_LABELS[action],
        "help": ACTION_HELP[action],
        "look": look,
        "form": form,
        "url": reverse("session-action", args=[session.pk, action]),
    }


def _drawing_label(design) -> str:
    """The drawing an outline design names: ``body.dxf (3f2a9c01b7de, 48213 bytes)``; "" for other designs."""
    if isinstance(design, dict) and design.get("shape") == "outline" and isinstance(design.get("source"), dict):
        return units.drawing_label(design["source"])
    return ""


@page
def session_detail(request, session_id: str):
    session = selectors.session_get(session_id)
    allowed = session.allowed_actions(request.user)
    registry = queries.registry_choices() if A.CONTEXT in allowed else None
    context = {
        **_row(session),
        "design_json": present.pretty_json(session.design) if session.design else "",
        "design_drawing": _drawing_label(session.design),
        "approval_block": session.approval_block_reason() if session.feasibility_run_id else None,
        "actions": [_action_form(request, session, action, registry) for action in allowed],
        "events": [
            {"event": event, "label": ACTION_LABELS.get(event.action, event.action),
             "from_label": STATE_LABELS.get(event.from_state, ""), "to_label": STATE_LABELS.get(event.to_state, "")}
            for event in selectors.session_events(session)
        ],
        "runs": selectors.session_runs(session),
        "verdict": verdict.session_verdict(session),
    }  # fmt: skip
    return render(request, "pages/session_detail.html", context)


def _refused(request, problem: ProblemError, key: str) -> None:
    """A refusal as a message; a refused drawing also beside the file field of the form, which is kept."""
    refused(request, problem)
    drawing_error = drawing_refusal(problem)
    if drawing_error:
        kept.keep(request, key, errors={"outline__file": [drawing_error]})


@accepts_drawings
@form_post
def session_create(request):
    form = NewSessionForm(request.POST, request.FILES)
    if not form.is_valid():
        form_refused(request, form)
        kept.keep(request, NEW_SESSION_FORM, errors=form.kept_errors())
        return redirect("sessions-page")
    try:
        result = services.session_create(
            actor=request.user,
            mode=form.cleaned_data["mode"],
            design=form.cleaned_data["design"],
            context=form.context() or None,
        )
    except ProblemError as problem:
        _refused(request, problem, NEW_SESSION_FORM)
        return redirect("sessions-page")
    messages.success(request, "Session created.")
    return redirect("session-page", session_id=result.session.pk)


def _body(form) -> dict:
    """The form's fields as the API's body for the action (blank optional fields left out, as a client
    would), so the service sees, and records, the same body from either. A form whose fields are not the
    body's (the design's per-shape fields) says what its body is."""
    if hasattr(form, "api_body"):
        return form.api_body()
    return {name: value for name, value in form.cleaned_data.items() if value not in ("", None)}


@accepts_drawings  # the design action's form may carry a drawing
@form_post
def session_action(request, session_id: str, action: str):
    if action not in ACTIONS:
        raise ProblemError(status=404, error="NOT_FOUND", title="Not found", detail=f"No session action {action!r}.")
    session = selectors.session_get(session_id)
    form_class, _, done = ACTIONS[action]
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        form_refused(request, form)
        kept.keep(request, session_form_key(session, action), errors=getattr(form, "kept_errors", dict)())
        return redirect("session-page", session_id=session.pk)
    try:
        result = services.session_act(action, session=session, actor=request.user, body=_body(form))
    except ProblemError as problem:
        _refused(request, problem, session_form_key(session, action))
        return redirect("session-page", session_id=session.pk)
    if result.run_id:
        done = f"{done} Recorded as {result.run_id}."
    messages.success(request, done)
    return redirect("session-page", session_id=session.pk)
