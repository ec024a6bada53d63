"""Vocabularies of the workflow. Compare against these, never against string literals."""

from enum import nonmember

from django.db import models

from rmos_site.core.enums import Role


class SessionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONTEXT_READY = "context_ready", "Context ready"
    FEASIBILITY_REQUESTED = "feasibility_requested", "Feasibility requested"
    FEASIBILITY_READY = "feasibility_ready", "Feasibility ready"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    DESIGN_REVISION_REQUIRED = "design_revision_required", "Design revision required"
    TOOLPATHS_REQUESTED = "toolpaths_requested", "Toolpaths requested"
    TOOLPATHS_READY = "toolpaths_ready", "Toolpaths ready"
    ARCHIVED = "archived", "Archived"

    # Where the operator may (re)write the design and the context.
    EDITABLE = nonmember(frozenset({"draft", "context_ready", "design_revision_required"}))
    # Transient: entered and left inside one locked transaction, so an archive can never cut a computation short.
    REQUESTED = nonmember(frozenset({"feasibility_requested", "toolpaths_requested"}))
    # Archive is the way out of every state that is neither transient nor already archived.
    ARCHIVABLE = nonmember(
        frozenset(
            {
                "draft",
                "context_ready",
                "feasibility_ready",
                "approved",
                "rejected",
                "design_revision_required",
                "toolpaths_ready",
            }
        )
    )
    # An approver may send a judged session back for revision, even after approval or rejection.
    REVISABLE = nonmember(frozenset({"feasibility_ready", "approved", "rejected", "toolpaths_ready"}))
    # States that carry a valid approval (the database checks it, see WorkflowSession.Meta).
    APPROVED_STATES = nonmember(frozenset({"approved", "toolpaths_requested", "toolpaths_ready"}))
    # States that carry a feasibility verdict of the current design and context.
    JUDGED_STATES = nonmember(
        frozenset({"feasibility_ready", "approved", "toolpaths_requested", "toolpaths_ready", "rejected"})
    )
    FINAL = nonmember(frozenset({"archived"}))


class SessionMode(models.TextChoices):
    DESIGN_FIRST = "design_first", "Design first"
    CONSTRAINT_FIRST = "constraint_first", "Constraint first"
    AI_ASSISTED = "ai_assisted", "AI assisted"


class SessionAction(models.TextChoices):
    # What a caller can ask for (API, pages, admin), in the order they are offered.
    DESIGN = "design", "Set design"
    CONTEXT = "context", "Set context"
    FEASIBILITY = "feasibility", "Request feasibility"
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    REVISE = "revise", "Send back for revision"
    TOOLPATHS = "toolpaths", "Generate toolpaths"
    ARCHIVE = "archive", "Archive"
    # Steps the server takes itself while answering one of the above; they appear only in the event log.
    CREATE = "create", "Create"
    FEASIBILITY_COMPLETE = "feasibility_complete", "Feasibility computed"
    FEASIBILITY_FAILED = "feasibility_failed", "Feasibility failed"
    TOOLPATHS_COMPLETE = "toolpaths_complete", "Toolpaths generated"
    TOOLPATHS_BLOCKED = "toolpaths_blocked", "Toolpaths blocked"
    TOOLPATHS_FAILED = "toolpaths_failed", "Toolpaths failed"

    CALLABLE = nonmember(("design", "context", "feasibility", "approve", "reject", "revise", "toolpaths", "archive"))
    # The four-eyes principle covers every decision an approver takes on a session.
    FOUR_EYES = nonmember(frozenset({"approve", "reject", "revise"}))


# The one role that may take each action (a user holding several roles acts in the one the action needs).
ACTION_ROLE: dict[str, str] = {
    SessionAction.CREATE: Role.OPERATOR,
    SessionAction.DESIGN: Role.OPERATOR,
    SessionAction.CONTEXT: Role.OPERATOR,
    SessionAction.FEASIBILITY: Role.OPERATOR,
    SessionAction.FEASIBILITY_COMPLETE: Role.OPERATOR,
    SessionAction.FEASIBILITY_FAILED: Role.OPERATOR,
    SessionAction.TOOLPATHS: Role.OPERATOR,
    SessionAction.TOOLPATHS_COMPLETE: Role.OPERATOR,
    SessionAction.TOOLPATHS_BLOCKED: Role.OPERATOR,
    SessionAction.TOOLPATHS_FAILED: Role.OPERATOR,
    SessionAction.ARCHIVE: Role.OPERATOR,
    SessionAction.APPROVE: Role.APPROVER,
    SessionAction.REJECT: Role.APPROVER,
    SessionAction.REVISE: Role.APPROVER,
}

# Limits of the free text and the ids a session takes (the API's serializers, the pages' forms, the services).
NOTE_MAX_LENGTH = 2000
ID_MAX_LENGTH = 64
