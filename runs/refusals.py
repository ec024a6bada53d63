"""Refusals and failures in the ledger: the one place their BLOCKED and ERROR artifacts are written.

Every authenticated call of a recorded kind leaves an artifact, the refused ones too. The services that own
those calls (``feasibility`` and ``toolpaths`` jobs, the recorded workflow actions) decide *that* a call is
refused and why; this module decides *how* the refusal is kept, from plain data: who, what kind, the body as
received (or its text when it did not parse), the code and the message. So a refusal reads the same in the
ledger whichever way it came in (API, page, admin), and views and pages never write to the ledger.
"""

from dataclasses import dataclass

from rmos_site.core.problems import ProblemError
from runs.enums import RunStatus
from runs.services import run_record

# The most of an unparseable body the ledger keeps: enough to see what was sent, not a way to fill the ledger.
UNPARSEABLE_MAX_CHARS = 2000


@dataclass(frozen=True)
class Received:
    """A request body as it arrived: ``data``, its parsed JSON value, or ``text`` (with the parser's
    ``parse_error``) when it was not JSON. Built by the views from the HTTP request and by the pages from their
    forms; the services validate it."""

    data: object = None
    text: str | None = None
    parse_error: str = ""

    @classmethod
    def unparseable(cls, raw: bytes, parse_error: str) -> "Received":
        return cls(text=raw.decode("utf-8", errors="replace")[:UNPARSEABLE_MAX_CHARS], parse_error=parse_error)

    @property
    def parsed(self) -> bool:
        return self.text is None

    def as_recorded(self):
        """What the ledger keeps of the body: its JSON value, or ``{"unparseable_body": text}``."""
        return self.data if self.parsed else {"unparseable_body": self.text}


def storable(value):
    """A value as received, made storable: Postgres JSON holds neither NUL characters nor unpaired surrogates
    (which JSON text may escape, ``"\\ud800"``), so both are kept as their escapes."""
    if isinstance(value, str):
        return value.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {storable(str(k)): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def refusal_record(
    *,
    kind: str,
    actor,
    code: str,
    message: str,
    request: dict | None = None,
    status: str = RunStatus.BLOCKED,
    fields=None,
    discard_keys=(),
    **columns,
) -> str:
    """Append the artifact of one refused or failed call and return its ``run_id``.

    ``status`` is BLOCKED when a rule refused the call (role, state, four eyes, risk) and ERROR when the body
    did not parse or validate or the engine failed. ``request`` is the body as received (a dict), ``fields``
    the validation errors per field, ``columns`` the ids and summary columns the caller knows (``session_id``,
    ``tool_id``, ``risk_level``...). Side effects: one ledger row (``runs.services.run_record``).
    """
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    artifact = run_record(
        kind=kind,
        status=status,
        actor=actor,
        request=None if request is None else storable(request),
        errors=storable([error]),
        discard_keys=discard_keys,
        **columns,
    )
    return artifact.run_id


def refuse(problem: ProblemError, *, kind: str, actor, request: dict | None = None, **columns) -> ProblemError:
    """Record ``problem`` as a BLOCKED artifact (its code and detail) and return it naming that ``run_id``."""
    problem.extra["run_id"] = refusal_record(
        kind=kind, actor=actor, code=problem.error, message=problem.detail, request=request, **columns
    )
    return problem


def engine_failure_record(*, kind: str, actor, request: dict, failure: Exception, **columns) -> str:
    """The ERROR artifact of a feasibility engine that raised or answered something that is not a verdict
    (never a score). One shape for the feasibility endpoint, the toolpaths gate and the workflow."""
    return refusal_record(
        kind=kind,
        actor=actor,
        status=RunStatus.ERROR,
        code="ENGINE_ERROR",
        message=str(failure),
        request=request,
        **columns,
    )
