"""Workflow sessions: the state machine a job walks from a design to released G-code, and its event log.

The model declares: states, every transition with its sources, target and conditions, and the one rule of who
may take an action (``refusal``: the action's role, and four eyes for an approver's decisions). The
transitions carry no django-fsm ``permission``: ``refusal`` is the only place that rule lives, and the
services, ``allowed_actions`` (API, pages, admin) all ask it. ``workflow.services`` locks the row, calls one of
these transitions, writes the ``TransitionEvent`` and saves. ``state`` is protected: nothing assigns it except
a transition.
"""

import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, can_proceed, transition

from feasibility.enums import RiskLevel
from feasibility.selectors import shop_policy
from rmos_site.core.enums import Role
from rmos_site.core.roles import user_roles
from workflow.chain import event_link
from workflow.enums import ACTION_ROLE, SessionAction, SessionMode, SessionState

S = SessionState
CONTEXT_KEYS = ("tool_id", "material_id", "machine_id")
# Where the job sits and which controller its G-code is for: optional, as on a job's body (the machine's default
# fixture and its controller's post unless named).
CONTEXT_PLACE_KEYS = ("fixture", "post")
# The events whose actors shaped the job an approver decides on, and the annotations naming them.
SHAPING_ACTIONS = (SessionAction.DESIGN, SessionAction.CONTEXT, SessionAction.FEASIBILITY)
SHAPER_ANNOTATIONS = ("design_by", "context_by", "feasibility_by")


def action_role_ok(action: str, user) -> bool:
    """Whether ``user`` holds the one role that may take ``action`` (part of ``WorkflowSession.refusal``;
    asked alone before a session is even looked up, so a wrong role is a 403 whatever the id)."""
    return ACTION_ROLE[action] in user_roles(user)


def _custom(action: str) -> dict:
    # "admin": False keeps django-fsm's own admin mixin away: the admin goes through the services.
    return {"action": action, "label": SessionAction(action).label, "admin": False}


def _has_design_and_context(session: "WorkflowSession") -> bool:
    return session.has_design and session.has_context


def _has_feasibility(session: "WorkflowSession") -> bool:
    return bool(session.feasibility_run_id and session.feasibility_sha256)


def _risk_allows_approval(session: "WorkflowSession") -> bool:
    return session.approval_block_reason() is None


def _has_approval(session: "WorkflowSession") -> bool:
    return bool(session.approved_by_id and session.approved_feasibility_sha256)


class WorkflowSession(ConcurrentTransitionMixin, models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mode = models.CharField(max_length=32, choices=SessionMode.choices, default=SessionMode.DESIGN_FIRST)
    state = FSMField(max_length=32, choices=SessionState.choices, default=SessionState.DRAFT, protected=True)
    design = models.JSONField(null=True, blank=True, help_text="Validated design; the only geometry input.")
    context = models.JSONField(
        null=True, blank=True, help_text="tool_id, material_id, machine_id; fixture and post when chosen."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # The latest feasibility verdict of the current design and context (a summary of its run artifact).
    feasibility_run_id = models.CharField(max_length=36, blank=True)
    feasibility_mode = models.CharField(max_length=32, blank=True, help_text="The tool kind the engine judged.")
    risk_level = models.CharField(max_length=8, blank=True)
    score = models.FloatField(null=True, blank=True)
    feasibility_sha256 = models.CharField(max_length=64, blank=True)
    toolpaths_run_id = models.CharField(max_length=36, blank=True)

    # The approval, bound to the feasibility hash it approved.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_note = models.TextField(blank=True)
    approved_feasibility_sha256 = models.CharField(max_length=64, blank=True)
    approval_run_id = models.CharField(max_length=36, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list pages newest first by (created_at, id); filters narrow it by state, mode or creator.
            models.Index(fields=["-created_at", "-id"], name="workflow_session_newest"),
            models.Index(fields=["state", "-created_at", "-id"], name="workflow_session_state"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=SessionState.values), name="workflow_state_known"),
            models.CheckConstraint(condition=Q(mode__in=SessionMode.values), name="workflow_mode_known"),
            # What the state machine promises, checked by the database too, so no code path can break it.
            models.CheckConstraint(
                condition=~Q(state=S.CONTEXT_READY) | Q(design__isnull=False, context__isnull=False),
                name="workflow_context_ready_has_inputs",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=sorted(S.JUDGED_STATES)) | ~Q(feasibility_sha256=""),
                name="workflow_judged_has_feasibility",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=sorted(S.APPROVED_STATES))
                | (
                    Q(approved_by__isnull=False, approved_at__isnull=False)
                    & ~Q(approved_feasibility_sha256="")
                    & Q(approved_feasibility_sha256=F("feasibility_sha256"))
                ),
                name="workflow_approved_is_bound",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.state})"

    # --- facts the conditions and the services read -----------------------------------------------------

    @property
    def has_design(self) -> bool:
        return bool(self.design)

    @property
    def has_context(self) -> bool:
        return isinstance(self.context, dict) and all(self.context.get(key) for key in CONTEXT_KEYS)

    def job_inputs(self) -> dict:
        """The feasibility/toolpaths inputs: only the stored design and context, never a client verdict."""
        context = self.context or {}
        return {
            "tool_id": context.get("tool_id") or "",
            "material_id": context.get("material_id") or "",
            "machine_id": context.get("machine_id") or "",
            "fixture": context.get("fixture") or None,
            "post": context.get("post") or None,
            "design": self.design,
            "cut": None,
        }

    def shop_policy(self) -> dict:
        """The shop policy now (``feasibility.models.ShopPolicy``), read once per loaded session: the approval
        minimum and the self-approval switch live there, in one place with the toolpaths gate's."""
        cached = self.__dict__.get("_policy")
        if cached is None:
            cached = self.__dict__["_policy"] = shop_policy()
        return cached

    def approval_block_reason(self) -> str | None:
        """Why the current verdict cannot be approved, or None: GREEN, or YELLOW scoring at least the shop
        policy's ``approval_min_yellow_score``. Below it a YELLOW verdict has enough warnings that a second
        person signing it off would be a formality; the session goes back for revision instead."""
        if not _has_feasibility(self):
            return "Approval blocked: no feasibility result yet"
        if self.risk_level == RiskLevel.GREEN:
            return None
        minimum = self.shop_policy()["approval_min_yellow_score"]
        if self.risk_level == RiskLevel.YELLOW and self.score is not None and self.score >= minimum:
            return None
        if self.risk_level == RiskLevel.YELLOW:
            score = "none" if self.score is None else f"{self.score:g}"
            return f"Approval blocked: YELLOW with score {score} (below {minimum:g}) and overrides disabled"
        # RED, UNKNOWN and anything unexpected: fail closed.
        return f"Approval blocked: {self.risk_level or 'UNKNOWN'} and overrides disabled"

    def shaped_by(self) -> frozenset[str]:
        """The usernames of who set the current design and context and ran the current feasibility: the actors
        of the latest ``design``, ``context`` and ``feasibility`` events (each of those replaces what the one
        before it did, so earlier actors shaped nothing that is still there). The creator is checked apart.

        Read from the ``design_by``, ``context_by`` and ``feasibility_by`` annotations when the selectors put
        them on (the list: one query for the page), else from the events in one query, kept until the services
        write a new event (``forget_shapers``)."""
        cached = self.__dict__.get("_shapers")
        if cached is None:
            if all(name in self.__dict__ for name in SHAPER_ANNOTATIONS):
                actors = [self.__dict__[name] for name in SHAPER_ANNOTATIONS]
            else:
                actors = (
                    self.events.filter(action__in=SHAPING_ACTIONS)
                    .order_by("action", "-id")
                    .distinct("action")
                    .values_list("actor", flat=True)
                )
            cached = self.__dict__["_shapers"] = frozenset(actor for actor in actors if actor)
        return cached

    def forget_shapers(self) -> None:
        for name in ("_shapers", "_policy", *SHAPER_ANNOTATIONS):
            self.__dict__.pop(name, None)

    def refresh_from_db(self, *args, **kwargs):
        # Reloaded fields may come with new events: who shaped the job is read again when next asked.
        self.forget_shapers()
        super().refresh_from_db(*args, **kwargs)

    def refusal(self, action: str, user) -> str | None:
        """Who may take ``action`` on this session: None when ``user`` may, else why not, as the problem code.

        ``PERMISSION_DENIED`` when the user lacks the action's role (``ACTION_ROLE``); ``FOUR_EYES_REQUIRED``
        when the action is an approver's decision (approve, reject, revise) and the user created the session,
        set its design or context, or ran its feasibility, unless the shop policy allows self-approval
        (``allow_self_approval``, read only then): the person who shaped the job is not the person who signs
        it. The only place this rule lives."""
        if not action_role_ok(action, user):
            return "PERMISSION_DENIED"
        if action not in SessionAction.FOUR_EYES:
            return None
        if user.pk == self.created_by_id or user.get_username() in self.shaped_by():
            return None if self.shop_policy()["allow_self_approval"] else "FOUR_EYES_REQUIRED"
        return None

    def transition_method(self, action: str):
        return getattr(self, ACTION_METHODS[action])

    def state_allows(self, action: str) -> bool:
        """Whether the current state has a transition for ``action`` (conditions aside)."""
        return can_proceed(self.transition_method(action), check_conditions=False)

    def conditions_met(self, action: str) -> bool:
        return can_proceed(self.transition_method(action))

    def allowed_actions(self, user) -> list[str]:
        """What ``user`` can do now: state, conditions, role and four eyes, in the offered order."""
        return [
            action
            for action in SessionAction.CALLABLE
            if self.conditions_met(action) and self.refusal(action, user) is None
        ]

    def next_step(self) -> str:
        state = self.state
        if state == S.DRAFT:
            if not self.has_design and not self.has_context:
                return "Set context (and ensure design exists) to proceed."
            return "Set context to proceed." if self.has_design else "Set design to proceed."
        if state == S.FEASIBILITY_READY:
            reason = self.approval_block_reason()
            if reason:
                return f"{reason}. An approver sends it back for revision or rejects it; or archive it."
            return "Awaiting approval by an approver other than the creator."
        return NEXT_STEPS[state]

    def _ready_state(self) -> str:
        return S.CONTEXT_READY if self.has_design and self.has_context else S.DRAFT

    def _clear_judgement(self) -> None:
        # New inputs void the verdict and any approval of it: both were about other inputs.
        self.feasibility_run_id = ""
        self.feasibility_mode = ""
        self.risk_level = ""
        self.score = None
        self.feasibility_sha256 = ""
        self.toolpaths_run_id = ""
        self._clear_approval()

    def _clear_approval(self) -> None:
        self.approved_by = None
        self.approved_at = None
        self.approval_note = ""
        self.approved_feasibility_sha256 = ""
        self.approval_run_id = ""

    # --- transitions ------------------------------------------------------------------------------------

    @transition(
        field=state,
        source=S.DRAFT,
        target=RETURN_VALUE(S.DRAFT, S.CONTEXT_READY),
        custom=_custom(SessionAction.DESIGN),
    )
    @transition(
        field=state,
        source=[S.CONTEXT_READY, S.DESIGN_REVISION_REQUIRED],
        target=S.CONTEXT_READY,
        custom=_custom(SessionAction.DESIGN),
    )
    def set_design(self, design: dict) -> str:
        self.design = design
        self._clear_judgement()
        return self._ready_state()

    @transition(
        field=state,
        source=S.DRAFT,
        target=RETURN_VALUE(S.DRAFT, S.CONTEXT_READY),
        custom=_custom(SessionAction.CONTEXT),
    )
    @transition(
        field=state,
        source=[S.CONTEXT_READY, S.DESIGN_REVISION_REQUIRED],
        target=S.CONTEXT_READY,
        custom=_custom(SessionAction.CONTEXT),
    )
    def set_context(self, context: dict) -> str:
        self.context = context
        self._clear_judgement()
        return self._ready_state()

    @transition(
        field=state,
        source=S.CONTEXT_READY,
        target=S.FEASIBILITY_REQUESTED,
        conditions=[_has_design_and_context],
        custom=_custom(SessionAction.FEASIBILITY),
    )
    def request_feasibility(self) -> None:
        pass

    @transition(
        field=state,
        source=S.FEASIBILITY_REQUESTED,
        target=S.FEASIBILITY_READY,
        custom=_custom(SessionAction.FEASIBILITY_COMPLETE),
    )
    def complete_feasibility(self, *, run_id: str, mode: str, risk_level: str, score: float, sha256: str) -> None:
        self.feasibility_run_id = run_id
        self.feasibility_mode = mode
        self.risk_level = risk_level
        self.score = score
        self.feasibility_sha256 = sha256

    @transition(
        field=state,
        source=S.FEASIBILITY_REQUESTED,
        target=S.CONTEXT_READY,
        custom=_custom(SessionAction.FEASIBILITY_FAILED),
    )
    def fail_feasibility(self) -> None:
        """An engine failure is not a verdict: back to where feasibility can be requested again."""

    @transition(
        field=state,
        source=S.FEASIBILITY_READY,
        target=S.APPROVED,
        conditions=[_has_feasibility, _risk_allows_approval],
        custom=_custom(SessionAction.APPROVE),
    )
    def approve(self, *, user, note: str, run_id: str) -> None:
        self.approved_by = user
        self.approved_at = timezone.now()
        self.approval_note = note
        self.approved_feasibility_sha256 = self.feasibility_sha256
        self.approval_run_id = run_id

    @transition(
        field=state,
        source=S.FEASIBILITY_READY,
        target=S.REJECTED,
        custom=_custom(SessionAction.REJECT),
    )
    def reject(self) -> None:
        """The reason lives in the transition event."""

    @transition(
        field=state,
        source=sorted(S.REVISABLE),
        target=S.DESIGN_REVISION_REQUIRED,
        custom=_custom(SessionAction.REVISE),
    )
    def revise(self) -> None:
        self._clear_approval()

    @transition(
        field=state,
        source=S.APPROVED,
        target=S.TOOLPATHS_REQUESTED,
        conditions=[_has_approval],
        custom=_custom(SessionAction.TOOLPATHS),
    )
    def request_toolpaths(self) -> None:
        pass

    @transition(
        field=state,
        source=S.TOOLPATHS_REQUESTED,
        target=S.TOOLPATHS_READY,
        custom=_custom(SessionAction.TOOLPATHS_COMPLETE),
    )
    def complete_toolpaths(self, *, run_id: str) -> None:
        self.toolpaths_run_id = run_id

    @transition(
        field=state,
        source=S.TOOLPATHS_REQUESTED,
        target=S.DESIGN_REVISION_REQUIRED,
        custom=_custom(SessionAction.TOOLPATHS_BLOCKED),
    )
    def block_toolpaths(self, *, run_id: str) -> None:
        # The approval named a verdict the server can no longer reproduce: it approves nothing any more.
        self.toolpaths_run_id = run_id
        self._clear_approval()

    @transition(
        field=state,
        source=S.TOOLPATHS_REQUESTED,
        target=S.APPROVED,
        custom=_custom(SessionAction.TOOLPATHS_FAILED),
    )
    def fail_toolpaths(self, *, run_id: str) -> None:
        """A generator or engine failure says nothing against the approval: it stands, and may be retried."""
        self.toolpaths_run_id = run_id

    @transition(
        field=state,
        source=sorted(S.ARCHIVABLE),
        target=S.ARCHIVED,
        custom=_custom(SessionAction.ARCHIVE),
    )
    def archive(self) -> None:
        pass


# The transition method behind each action (the workflow's own steps included).
ACTION_METHODS: dict[str, str] = {
    SessionAction.DESIGN: "set_design",
    SessionAction.CONTEXT: "set_context",
    SessionAction.FEASIBILITY: "request_feasibility",
    SessionAction.FEASIBILITY_COMPLETE: "complete_feasibility",
    SessionAction.FEASIBILITY_FAILED: "fail_feasibility",
    SessionAction.APPROVE: "approve",
    SessionAction.REJECT: "reject",
    SessionAction.REVISE: "revise",
    SessionAction.TOOLPATHS: "request_toolpaths",
    SessionAction.TOOLPATHS_COMPLETE: "complete_toolpaths",
    SessionAction.TOOLPATHS_BLOCKED: "block_toolpaths",
    SessionAction.TOOLPATHS_FAILED: "fail_toolpaths",
    SessionAction.ARCHIVE: "archive",
}

NEXT_STEPS: dict[str, str] = {
    S.CONTEXT_READY: "Request feasibility to proceed.",
    S.FEASIBILITY_REQUESTED: "Feasibility is being computed.",
    S.APPROVED: "Generate toolpaths to proceed.",
    S.REJECTED: "Rejected. Archive it, or an approver sends it back for revision.",
    S.DESIGN_REVISION_REQUIRED: "Revise the design or context (set either again), then request feasibility.",
    S.TOOLPATHS_REQUESTED: "Toolpaths are being generated.",
    S.TOOLPATHS_READY: "Toolpaths ready. Archive the session when the job is done.",
    S.ARCHIVED: "Archived. No further actions.",
}


class TransitionEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Transition events are immutable.")

    def delete(self):
        raise TypeError("Transition events are immutable.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise TypeError("Transition events are immutable.")

    def bulk_create(self, objs, *args, **kwargs):
        raise TypeError("Transition events are appended one at a time, each linked to the one before it.")


class TransitionEvent(models.Model):
    """One transition of one session. Append-only: PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE, and
    an insert that does not extend the chain. Chained like the run ledger (``workflow/chain.py``): ``save``
    assigns ``seq``, ``at`` and the hashes, and ``verify_runs`` proves them."""

    session = models.ForeignKey(WorkflowSession, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now, editable=False)
    # A username, like the run ledger's actor, so the log never depends on the user row staying as it was.
    actor = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices)
    action = models.CharField(max_length=32, choices=SessionAction.choices)
    from_state = models.CharField(max_length=32, blank=True, help_text="Empty for the creation event.")
    to_state = models.CharField(max_length=32, choices=SessionState.choices)
    note = models.TextField(blank=True)
    run_id = models.CharField(max_length=36, blank=True, help_text="The run artifact this transition wrote.")
    # The chain (workflow/chain.py), assigned on insert under the ledger lock.
    seq = models.PositiveBigIntegerField(unique=True, editable=False, help_text="Position in the event chain.")
    prev_sha256 = models.CharField(max_length=64, editable=False)
    content_sha256 = models.CharField(max_length=64, editable=False)
    chain_sha256 = models.CharField(max_length=64, editable=False)

    objects = TransitionEventQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        ordering = ["id"]
        indexes = [models.Index(fields=["session", "id"], name="workflow_event_session")]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state or '-'} -> {self.to_state}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Transition events are immutable.")
        with transaction.atomic():
            event_link(self)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Transition events are immutable.")
