"""Vocabularies of the run ledger. Compare against these, never against string literals."""

from django.db import models


class RunKind(models.TextChoices):
    FEASIBILITY = "feasibility", "Feasibility"
    TOOLPATHS = "toolpaths", "Toolpaths"
    APPROVAL = "approval", "Approval"


class RunStatus(models.TextChoices):
    OK = "OK", "OK"
    BLOCKED = "BLOCKED", "Blocked"
    ERROR = "ERROR", "Error"


# The ledger is the bottom layer and may not import the feasibility app, so it keeps its own copy of the
# risk vocabulary as stored values; the feasibility engine's RiskLevel is the authority on what they mean.
# "" is a run that never reached a verdict (an approval refused for want of feasibility, an early error).
RISK_LEVEL_CHOICES = [
    ("GREEN", "Green"),
    ("YELLOW", "Yellow"),
    ("RED", "Red"),
    ("UNKNOWN", "Unknown"),
]
RISK_LEVELS = frozenset(value for value, _ in RISK_LEVEL_CHOICES)
