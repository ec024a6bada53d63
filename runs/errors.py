"""The ledger's problem errors, raised by selectors and services and rendered by the one problem handler."""

from rmos_site.core.problems import ProblemError


class ImmutableArtifactError(ProblemError):
    """Raised by every ORM path that would change or delete a run artifact, or insert one outside
    ``runs.services``. The API never reaches it; if code ever did, 409 IMMUTABLE is the honest answer."""

    def __init__(self, detail: str):
        super().__init__(status=409, error="IMMUTABLE", title="Run artifacts are immutable", detail=detail)


def invalid_run_id(**extra) -> ProblemError:
    return ProblemError(
        status=400,
        error="INVALID_RUN_ID",
        title="Invalid run id",
        detail="A run id is 'run_' followed by 32 lowercase hexadecimal digits.",
        **extra,
    )


def run_not_found(*run_ids: str, **extra) -> ProblemError:
    detail = " ".join(f"No run {run_id}." for run_id in run_ids)
    return ProblemError(
        status=404, error="RUN_NOT_FOUND", title="Run not found", detail=detail, run_id=run_ids[0], **extra
    )
