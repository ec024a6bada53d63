"""The approvers' desk in the Django admin.

Sessions waiting for approval come first. Approve, Reject and Revise are buttons on a session's page and list
actions; both ask for the note or reason on a page of their own and then call ``workflow.services``, exactly
as the API does. Nothing the state machine owns can be edited here: every field is read-only, and the save
buttons are gone. Service refusals are shown as admin messages.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Value, When
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join

from rmos_site.core.problems import ProblemError
from workflow import selectors, services
from workflow.enums import SessionAction, SessionState
from workflow.models import TransitionEvent, WorkflowSession

# The decisions the admin offers (actions of the one table, ``services.ACTIONS``), with what the text field
# means for each and whether it is required.
DECISIONS = {
    SessionAction.APPROVE: ("note", False),
    SessionAction.REJECT: ("reason", True),
    SessionAction.REVISE: ("reason", True),
}


class DecisionForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=services.NOTE_MAX_LENGTH)
    # The hash the approver saw on the form: approving binds to it, so a verdict that moved meanwhile is refused.
    feasibility_sha256 = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, decision: str, **kwargs):
        super().__init__(*args, **kwargs)
        field, required = DECISIONS[decision]
        self.fields["text"].label = field.capitalize()
        self.fields["text"].required = required
        self.field_name = field


def _call(decision: str, *, session_id, actor, form: DecisionForm):
    """The decision through ``services.session_act``, as the API and the pages take it: the form is the body."""
    field, _ = DECISIONS[decision]
    body = {field: form.cleaned_data["text"]}
    if decision == SessionAction.APPROVE:
        body["feasibility_sha256"] = form.cleaned_data.get("feasibility_sha256") or ""
    return services.session_act(decision, session_id=session_id, actor=actor, body=body)


def _run_link(run_id: str):
    if not run_id:
        return "-"
    try:
        url = reverse("admin:runs_runartifact_change", args=[quote(run_id)])
        return format_html('<a href="{}">{}</a>', url, run_id)
    except NoReverseMatch:
        return run_id


class TransitionEventInline(admin.TabularInline):
    model = TransitionEvent
    fields = ("at", "actor", "role", "action", "from_state", "to_state", "note", "run")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("id",)

    @admin.display(description="run")
    def run(self, event):
        return _run_link(event.run_id)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkflowSession)
class WorkflowSessionAdmin(admin.ModelAdmin):
    list_display = ("id", "state", "mode", "created_by", "risk_level", "score", "approved_by", "updated_at")
    list_filter = ("state", "mode", "risk_level")
    list_select_related = ("created_by", "approved_by")
    search_fields = ("created_by__username",)
    inlines = (TransitionEventInline,)
    actions = ("approve_selected", "reject_selected", "revise_selected")
    change_form_template = "admin/workflow/workflowsession/change_form.html"
    fieldsets = (
        (None, {"fields": ("id", "state", "next_step", "mode", "created_by", "created_at", "updated_at")}),
        ("Inputs", {"fields": ("design", "context")}),
        (
            "Latest feasibility",
            {"fields": ("feasibility_run", "feasibility_mode", "risk_level", "score", "feasibility_sha256")},
        ),
        (
            "Approval",
            {"fields": ("approved_by", "approved_at", "approval_note", "approved_feasibility_sha256", "approval_run")},
        ),
        ("Runs", {"fields": ("toolpaths_run", "linked_runs")}),
    )
    readonly_fields = (
        "id", "state", "next_step", "mode", "created_by", "created_at", "updated_at", "design", "context",
        "feasibility_run", "feasibility_mode", "risk_level", "score", "feasibility_sha256", "approved_by",
        "approved_at", "approval_note", "approved_feasibility_sha256", "approval_run", "toolpaths_run",
        "linked_runs",
    )  # fmt: skip

    # --- the list: waiting for approval first -------------------------------------------------------------

    def get_ordering(self, request):
        # An expression rather than an annotation, so that every queryset the admin orders with it (the related
        # lookups of other admins too) can resolve it.
        waiting = Case(When(state=SessionState.FEASIBILITY_READY, then=Value(0)), default=Value(1))
        return [waiting.asc(), "-created_at", "-id"]

    # --- read-only fields -------------------------------------------------------------------------------

    @admin.display(description="next step")
    def next_step(self, session):
        return session.next_step()

    @admin.display(description="feasibility run")
    def feasibility_run(self, session):
        return _run_link(session.feasibility_run_id)

    @admin.display(description="approval run")
    def approval_run(self, session):
        return _run_link(session.approval_run_id)

    @admin.display(description="toolpaths run")
    def toolpaths_run(self, session):
        return _run_link(session.toolpaths_run_id)

    @admin.display(description="all runs of this session")
    def linked_runs(self, session):
        runs = selectors.session_runs(session)
        if not runs:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (_run_link(run.run_id), run.created_at, run.kind, run.status, run.risk_level or "-", run.actor)
                for run in runs
            ),
        )
        return format_html(
            "<table><tr><th>run</th><th>at</th><th>kind</th><th>status</th><th>risk</th><th>actor</th></tr>{}</table>",
            rows,
        )

    # --- nothing is edited here ---------------------------------------------------------------------------

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            # Every field is read-only: a POST here could only be a stale or forged save of nothing.
            return HttpResponseRedirect(request.path)
        session = self.get_object(request, object_id)
        decisions = []
        if session is not None and self.has_change_permission(request, session):
            allowed = session.allowed_actions(request.user)
            decisions = [
                (
                    SessionAction(action).label,
                    reverse("admin:workflow_workflowsession_decide", args=[session.pk, action]),
                )
                for action in DECISIONS
                if action in allowed
            ]
        extra_context = {
            **(extra_context or {}),
            "decisions": decisions,
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # --- decisions on one session ---------------------------------------------------------------------

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/decide/<str:decision>/",
                self.admin_site.admin_view(self.decide_view),
                name="workflow_workflowsession_decide",
            )
        ]
        return urls + super().get_urls()

    def decide_view(self, request, object_id, decision):
        session = self.get_object(request, object_id)
        if session is None:
            messages.error(request, "No such session.")
            return HttpResponseRedirect(reverse("admin:workflow_workflowsession_changelist"))
        if decision not in DECISIONS or not self.has_change_permission(request, session):
            raise PermissionDenied
        change_url = reverse("admin:workflow_workflowsession_change", args=[session.pk])
        if request.method == "POST":
            form = DecisionForm(request.POST, decision=decision)
            if form.is_valid():
                try:
                    _call(decision, session_id=session.pk, actor=request.user, form=form)
                except ProblemError as refusal:
                    messages.error(request, f"{SessionAction(decision).label} refused: {refusal.detail}")
                else:
                    messages.success(request, f"{SessionAction(decision).label}: session {session.pk} done.")
                return HttpResponseRedirect(change_url)
        else:
            form = DecisionForm(decision=decision, initial={"feasibility_sha256": session.feasibility_sha256})
        return self._decision_page(request, decision, form, [session], cancel_url=change_url)

    def _decision_page(self, request, decision, form, sessions, *, cancel_url, bulk=False):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{SessionAction(decision).label}: {len(sessions)} session(s)",
            "decision": decision,
            "decision_label": SessionAction(decision).label,
            "form": form,
            "sessions": sessions,
            "bulk": bulk,
            "action_name": f"{decision}_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "cancel_url": cancel_url,
        }
        return TemplateResponse(request, "admin/workflow/workflowsession/decision.html", context)

    # --- the same decisions as list actions -----------------------------------------------------------

    def _bulk(self, request, queryset, decision):
        if "apply" in request.POST:
            form = DecisionForm(request.POST, decision=decision)
            if form.is_valid():
                for session in queryset:
                    try:
                        _call(decision, session_id=session.pk, actor=request.user, form=form)
                    except ProblemError as refusal:
                        self.message_user(request, f"{session.pk}: refused: {refusal.detail}", messages.ERROR)
                    else:
                        self.message_user(request, f"{session.pk}: {SessionAction(decision).label} done.")
                return None
        else:
            form = DecisionForm(decision=decision)
        changelist = reverse("admin:workflow_workflowsession_changelist")
        return self._decision_page(request, decision, form, list(queryset), cancel_url=changelist, bulk=True)

    @admin.action(description="Approve selected sessions", permissions=["change"])
    def approve_selected(self, request, queryset):
        return self._bulk(request, queryset, SessionAction.APPROVE)

    @admin.action(description="Reject selected sessions", permissions=["change"])
    def reject_selected(self, request, queryset):
        return self._bulk(request, queryset, SessionAction.REJECT)

    @admin.action(description="Send selected sessions back for revision", permissions=["change"])
    def revise_selected(self, request, queryset):
        return self._bulk(request, queryset, SessionAction.REVISE)


@admin.register(TransitionEvent)
class TransitionEventAdmin(admin.ModelAdmin):
    """The whole log, read-only (auditors and approvers)."""

    list_display = ("id", "at", "session", "actor", "role", "action", "from_state", "to_state", "run_id")
    list_filter = ("action", "role", "to_state")
    list_select_related = ("session",)
    search_fields = ("actor", "run_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
