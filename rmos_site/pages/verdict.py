"""The verdict a session's approver decides on, as the session page shows it beside the approve form: the
checks that decide (failures, unknowns and warnings first; the passes folded), the drawing of the program it
would give, and the cut the server resolved. Read from the feasibility artifact the session points at, the
one whose hash the approval binds."""

from rmos_site.core.problems import ProblemError
from rmos_site.pages import present
from runs.selectors import run_get


def session_verdict(session) -> dict | None:
    """What the session page shows of its current verdict; None before the first feasibility."""
    if not session.feasibility_run_id:
        return None
    try:
        artifact = run_get(session.feasibility_run_id)
    except ProblemError:
        return None  # a session pointing at a run the ledger lacks says so through its own facts
    detail = present.run_detail(artifact)
    return {
        "run": artifact,
        "decisive": detail["decisive_checks"],
        "passed": detail["passed_checks"],
        "check_counts": detail["check_counts"],
        "block_reason": detail["block_reason"],
        "warnings": detail["warnings"],
        "cut_rows": detail["cut_rows"],
        "design_rows": detail["design_rows"],
        "drawing": detail["drawing"],
    }
