"""Small strict input serializers per action, and the one session representation.

Bodies are strict: unknown fields are a 400 (a typo must not be silently ignored), and so are wrong types
(a number where a note belongs is not quietly turned into text).
"""

from rest_framework import serializers

from feasibility.serializers import DesignField, PostField, StrictRegistryIdField, StrictSerializer
from rmos_site.core.enums import Role
from workflow.enums import ID_MAX_LENGTH, NOTE_MAX_LENGTH, SessionAction, SessionMode, SessionState
from workflow.models import CONTEXT_KEYS, TransitionEvent, WorkflowSession


class StrictCharField(serializers.CharField):
    """A CharField that takes strings only (DRF's turns numbers into strings)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _id_field(**kwargs) -> StrictCharField:
    return StrictCharField(max_length=ID_MAX_LENGTH, **kwargs)


def _note_field(**kwargs) -> StrictCharField:
    return StrictCharField(max_length=NOTE_MAX_LENGTH, **kwargs)


class ContextSerializer(StrictSerializer):
    """The ``context`` action's body, and the ``context`` member of a create body."""

    tool_id = _id_field()
    material_id = _id_field()
    machine_id = _id_field()
    fixture = StrictRegistryIdField(
        required=False,
        allow_null=True,
        help_text="A fixture (work offset) of the machine; default: the machine's default fixture.",
    )
    post = PostField(
        required=False,
        allow_null=True,
        help_text="The G-code dialect the session's toolpaths are for; default: the machine's controller.",
    )


class SessionCreateSerializer(StrictSerializer):
    mode = serializers.ChoiceField(choices=SessionMode.choices, required=False, default=SessionMode.DESIGN_FIRST)
    design = DesignField(required=False, allow_null=True, default=None)
    context = ContextSerializer(required=False, allow_null=True, default=None)
    # The seed's create call sends the ids at the top level (``{"mode", "tool_id"}``); they are kept as a
    # partial context rather than refused, so its integrators' first call works unchanged.
    tool_id = _id_field(required=False)
    material_id = _id_field(required=False)
    machine_id = _id_field(required=False)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        loose = {key: attrs.pop(key) for key in CONTEXT_KEYS if key in attrs}
        if loose and attrs.get("context"):
            raise serializers.ValidationError({"context": ["Give the ids either in `context` or at the top level."]})
        if loose:
            attrs["context"] = loose
        return attrs


class DesignBodySerializer(StrictSerializer):
    design = DesignField()


class ApproveBodySerializer(StrictSerializer):
    note = _note_field(required=False, allow_blank=True, default="")
    feasibility_sha256 = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text="Optional: the feasibility hash the approver reviewed; approval is refused if it moved since.",
    )


class SeedApproveBodySerializer(ApproveBodySerializer):
    """The seed's ``POST workflow/approve``. Its ``actor`` member is accepted and ignored: the actor is the
    authenticated user, never a name in the body."""

    allowed_extra_keys = frozenset({"actor"})

    session_id = StrictCharField(max_length=100)


class ReasonBodySerializer(StrictSerializer):
    reason = _note_field()


class NoteBodySerializer(StrictSerializer):
    note = _note_field(required=False, allow_blank=True, default="")


class EmptyBodySerializer(StrictSerializer):
    pass


class SessionListQuerySerializer(StrictSerializer):
    state = serializers.ListField(
        child=serializers.ChoiceField(choices=SessionState.choices), required=False, help_text="Repeat for OR."
    )
    mode = serializers.ListField(
        child=serializers.ChoiceField(choices=SessionMode.choices), required=False, help_text="Repeat for OR."
    )
    created_by = serializers.ListField(
        child=StrictCharField(max_length=150), required=False, help_text="Username; repeat for OR."
    )
    limit = serializers.IntegerField(required=False, help_text="1-200, default 50; clamped.")
    cursor = StrictCharField(required=False, max_length=500, help_text="Opaque; `next_cursor` of the previous page.")


# --- output --------------------------------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def session_representation(session: WorkflowSession, user) -> dict:
    """The session as every endpoint answers it; ``allowed_actions`` are the caller's."""
    events_count = getattr(session, "events_count", None)
    if events_count is None:
        events_count = session.events.count()
    feasibility = None
    if session.feasibility_run_id:
        feasibility = {
            "run_id": session.feasibility_run_id,
            "risk_level": session.risk_level,
            "score": session.score,
            "feasibility_sha256": session.feasibility_sha256,
        }
    approval = None
    if session.approved_by_id:
        approval = {
            "approved_by": session.approved_by.get_username(),
            "approved_at": _iso(session.approved_at),
            "note": session.approval_note,
            "feasibility_sha256": session.approved_feasibility_sha256,
            "run_id": session.approval_run_id,
        }
    return {
        "session_id": str(session.pk),
        "mode": session.mode,
        "state": session.state,
        "next_step": session.next_step(),
        "design": session.design,
        "context": session.context,
        "feasibility": feasibility,
        "approval": approval,
        "allowed_actions": session.allowed_actions(user),
        "events_count": events_count,
        "created_by": session.created_by.get_username(),
        "created_at": _iso(session.created_at),
        "updated_at": _iso(session.updated_at),
    }


def event_representation(event: TransitionEvent) -> dict:
    return {
        "at": _iso(event.at),
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "from_state": event.from_state or None,
        "to_state": event.to_state,
        "note": event.note,
        "run_id": event.run_id or None,
    }


# Declarative twins of the representations above, for the OpenAPI document (a test keeps them in step).


class FeasibilitySummarySerializer(serializers.Serializer):
    run_id = serializers.CharField()
    risk_level = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    feasibility_sha256 = serializers.CharField()


class ApprovalSerializer(serializers.Serializer):
    approved_by = serializers.CharField()
    approved_at = serializers.DateTimeField()
    note = serializers.CharField(allow_blank=True)
    feasibility_sha256 = serializers.CharField()
    run_id = serializers.CharField()


class SessionSerializer(serializers.Serializer):
    session_id = serializers.UUIDField()
    mode = serializers.ChoiceField(choices=SessionMode.choices)
    state = serializers.ChoiceField(choices=SessionState.choices)
    next_step = serializers.CharField()
    design = serializers.JSONField(allow_null=True)
    context = serializers.JSONField(allow_null=True)
    feasibility = FeasibilitySummarySerializer(allow_null=True)
    approval = ApprovalSerializer(allow_null=True)
    allowed_actions = serializers.ListField(child=serializers.ChoiceField(choices=list(SessionAction.CALLABLE)))
    events_count = serializers.IntegerField()
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SessionWithRunSerializer(SessionSerializer):
    run_id = serializers.CharField(help_text="The artifact this action wrote.")


class SessionWithToolpathsSerializer(SessionWithRunSerializer):
    toolpaths = serializers.JSONField(help_text="The toolpaths endpoint's 200 body: gcode_text, _hashes, ...")


class SeedApproveResponseSerializer(SessionWithRunSerializer):
    approved = serializers.BooleanField()
    message = serializers.CharField()


class SessionListSerializer(serializers.Serializer):
    items = SessionSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    action = serializers.ChoiceField(choices=SessionAction.choices)
    # Plain strings in the schema: one enum per choice set keeps drf-spectacular's component names stable.
    from_state = serializers.CharField(allow_null=True, help_text="A session state; null for the creation.")
    to_state = serializers.CharField(help_text="A session state.")
    note = serializers.CharField(allow_blank=True)
    run_id = serializers.CharField(allow_null=True)


class EventListSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
