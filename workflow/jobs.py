"""The two job calls (``POST /api/rmos/feasibility``, ``POST /api/rmos/toolpaths`` and the "Run a job" page): a
job may name a workflow session, so this is where jobs meet sessions. ``feasibility`` and ``toolpaths`` know
nothing of sessions; the session branch lives here and in ``workflow.services``, which import them, never the
other way round.

Each call, in order: the operator role (403, BLOCKED artifact), the body (400, ERROR artifact), the named
session if any (404 ``SESSION_NOT_FOUND``, 409 ``TRANSITION_BLOCKED``, BLOCKED artifact), then the job itself.
"""

from feasibility.services import feasibility_run, job_request
from runs.enums import RunKind
from runs.refusals import Received
from toolpaths.services import toolpaths_run
from workflow.enums import SessionAction
from workflow.services import session_job_check, session_toolpaths_job


def feasibility_job(*, actor, body: Received) -> dict:
    """Judge a job; the 200 body. With a ``session_id``, the session must exist and be where its own
    ``feasibility`` action is allowed (``context_ready``), checked as toolpaths checks its session; the run is
    then linked to it (it shows on the session's page) and the session's state is left as it was."""
    inputs, raw = job_request(kind=RunKind.FEASIBILITY, actor=actor, body=body)
    session_id = inputs.get("session_id") or ""
    if session_id:
        session_id = session_job_check(
            action=SessionAction.FEASIBILITY, actor=actor, session_id=session_id, raw_request=raw
        )
    return feasibility_run(actor=actor, inputs=inputs, raw_request=raw, session_id=session_id)


def toolpaths_job(*, actor, body: Received) -> dict:
    """Generate verified G-code for a job; the 200 body, or the ``ProblemError`` naming the artifact. With a
    ``session_id``, the job is held to the session's approval (``workflow.services.session_toolpaths_job``)."""
    inputs, raw = job_request(kind=RunKind.TOOLPATHS, actor=actor, body=body)
    session_id = inputs.get("session_id") or ""
    if session_id:
        return session_toolpaths_job(actor=actor, session_id=session_id, inputs=inputs, raw_request=raw)
    return toolpaths_run(actor=actor, inputs=inputs, raw_request=raw).body
