"""Which tools of today's registry would do a job that was not GREEN: the run page's answer to "what should I
cut this with?".

Each tool in the registry is judged on the job's own material, machine, fixture and design by the same engine,
with the registry's cut for that tool (a client's overrides were for the tool it named, so they are dropped).
Nothing is recorded: this is advice read off today's registry, never a verdict; a job is judged, and released,
only when it is sent with the tool chosen. Outlines are not tried: planning a drawing once per tool costs
seconds, not milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from feasibility.enums import RiskLevel, Shape
from feasibility.selectors import registry_list, registry_lookup
from feasibility.services import configured_engine

# The most tools listed; the best first.
MAX_LISTED = 6
# What is worth suggesting: a verdict that may be released (GREEN, or YELLOW through the shop's rules).
WORTH = (RiskLevel.GREEN, RiskLevel.YELLOW)


@dataclass(frozen=True)
class Alternative:
    tool_id: str
    name: str
    risk_level: str
    score: float
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Alternatives:
    tried: int  # how many tools were judged
    found: tuple[Alternative, ...]
    skipped: str = ""  # why none were tried, when none were


def job_of(request: dict) -> dict | None:
    """The job a run's request names, as the engine takes it; None when it names none it could judge."""
    if not isinstance(request, dict) or not isinstance(request.get("design"), dict):
        return None
    ids = {key: request.get(key) for key in ("tool_id", "material_id", "machine_id")}
    if not all(isinstance(value, str) and value for value in ids.values()):
        return None
    fixture = request.get("fixture")
    return {**ids, "fixture": fixture if isinstance(fixture, str) else None, "design": request["design"], "cut": None}


JUDGED_KINDS = ("feasibility", "toolpaths")


def judged_job(artifact) -> dict | None:
    """The job a run judged (``job_of`` its request), or None for a run that judged none: an approval, a
    refusal before the engine ran."""
    if artifact.kind not in JUDGED_KINDS or not artifact.risk_level:
        return None
    return job_of(artifact.request)


def worth_asking(artifact) -> bool:
    """Whether another tool could do better: the run judged a job, and not GREEN."""
    return artifact.risk_level != RiskLevel.GREEN and judged_job(artifact) is not None


def for_run(artifact) -> Alternatives:
    """The other tools for the job a run judged; none, with the reason, for a GREEN run or one that judged no
    job."""
    job = judged_job(artifact)
    if job is None:
        return Alternatives(0, (), skipped="The run judged no job: there is nothing to try another tool on.")
    if artifact.risk_level == RiskLevel.GREEN:
        return Alternatives(0, (), skipped="The run was GREEN: its own tool passes.")
    return tools_for(job)


def as_json(found: Alternatives) -> dict:
    return {
        "tried": found.tried,
        "alternatives": [
            {"tool_id": item.tool_id, "name": item.name, "risk_level": item.risk_level, "score": item.score,
             "warnings": list(item.warnings)}
            for item in found.found
        ],
        "skipped": found.skipped or None,
    }  # fmt: skip


def tools_for(job: dict) -> Alternatives:
    """The registry's other tools that would make ``job`` GREEN or YELLOW, best first (GREEN before YELLOW, then
    by score, then by id), at most MAX_LISTED of them."""
    if job["design"].get("shape") == Shape.OUTLINE:
        return Alternatives(0, (), skipped="Other tools are not tried for drawings: each would plan the toolpath anew.")
    snapshot = registry_lookup(tool_id="", material_id=job["material_id"], machine_id=job["machine_id"])
    if snapshot["material"] is None or snapshot["machine"] is None:
        return Alternatives(0, (), skipped="The job's material or machine is not in today's registry.")
    engine = configured_engine()
    context = {key: snapshot[key] for key in ("material", "machine", "policy")}
    found, tried = [], 0
    for tool in registry_list("tools"):
        if tool["tool_id"] == job["tool_id"]:
            continue
        tried += 1
        try:
            verdict = engine({**job, "tool_id": tool["tool_id"]}, tool=tool, **context)
        except Exception:
            continue  # advice only: a tool the engine (a plug-in, say) cannot judge is not suggested
        if verdict.get("risk_level") in WORTH:
            found.append(
                Alternative(tool["tool_id"], tool.get("name") or "", verdict["risk_level"], float(verdict["score"]),
                            tuple(verdict.get("warnings") or ()))
            )  # fmt: skip
    found.sort(key=lambda item: (item.risk_level != RiskLevel.GREEN, -item.score, item.tool_id))
    return Alternatives(tried, tuple(found[:MAX_LISTED]))
