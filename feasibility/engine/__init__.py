"""The feasibility engine: decides from plain registry data whether a cut is safe.

Pure and deterministic: no Django, no I/O, no clock, no randomness. It never raises on well-typed input;
bad geometry or registry data becomes a ``fail`` or ``unknown`` check, so the caller can always fail closed.
Every formula, band and threshold is explained, with its source, in docs/feasibility.md.

The package, by concern: ``tables`` (the numbers), ``common`` (checks and grading), ``registry`` (registry
entries and fixtures), ``design`` (design and client cut), ``physics``, ``job`` (resolving the cut),
``checks_setup`` (holding, shape, fixture, feature), ``checks_cut`` (speeds, chips, feeds, forces) and
``checks_policy`` (the shop policy's bounds on a job's work: program size, minimum stepdown). The one
geometry of every shape lives in ``feasibility.geometry``, shared with the G-code generator.
"""

from __future__ import annotations

from feasibility.engine import checks_outline, checks_setup
from feasibility.engine.checks_cut import job_checks
from feasibility.engine.checks_policy import policy_checks
from feasibility.engine.common import Check, clamp
from feasibility.engine.design import normalise_design, read_client_cut
from feasibility.engine.job import resolve_job
from feasibility.engine.registry import fixture_check, known_check, read_machine, read_material, read_tool
from feasibility.engine.tables import (
    CHECK_ORDER,
    ENGINE_VERSION,
    FAIL_PENALTY,
    SCORE_GREEN,
    SCORE_RED_CAP,
    SCORE_UNKNOWN,
    SCORE_YELLOW_RANGE,
    WARN_PENALTY_BASE,
    WARN_PENALTY_SPAN,
)
from feasibility.enums import CheckStatus, RiskLevel, Shape

__all__ = ["CHECK_ORDER", "ENGINE_VERSION", "evaluate", "risk_from_statuses", "score_checks"]


def risk_from_statuses(statuses: list[CheckStatus]) -> RiskLevel:
    """Any unknown -> UNKNOWN; else any fail -> RED; else any warn -> YELLOW; else GREEN."""
    if CheckStatus.UNKNOWN in statuses:
        return RiskLevel.UNKNOWN
    if CheckStatus.FAIL in statuses:
        return RiskLevel.RED
    if CheckStatus.WARN in statuses:
        return RiskLevel.YELLOW
    return RiskLevel.GREEN


def score_checks(checks: list[Check], risk: RiskLevel) -> float:
    """100 for GREEN; YELLOW 100 - sum(5 + 20 x severity) per warn, held to 41..95; RED additionally
    30 per fail, capped at 40; UNKNOWN 0."""
    if risk == RiskLevel.UNKNOWN:
        return SCORE_UNKNOWN
    if risk == RiskLevel.GREEN:
        return SCORE_GREEN
    warn_penalty = sum(
        WARN_PENALTY_BASE + WARN_PENALTY_SPAN * check.severity for check in checks if check.status == CheckStatus.WARN
    )
    if risk == RiskLevel.YELLOW:
        return round(clamp(100.0 - warn_penalty, *SCORE_YELLOW_RANGE), 1)
    fails = sum(1 for check in checks if check.status == CheckStatus.FAIL)
    return round(clamp(100.0 - warn_penalty - FAIL_PENALTY * fails, 0.0, SCORE_RED_CAP), 1)


def _block_reason(checks: list[Check], risk: RiskLevel) -> str | None:
    wanted = {RiskLevel.UNKNOWN: CheckStatus.UNKNOWN, RiskLevel.RED: CheckStatus.FAIL}.get(risk)
    for check in checks:
        if check.status == wanted:
            return f"{check.code}: {check.message}"
    return None


def evaluate(
    request: dict,
    *,
    tool: dict | None,
    material: dict | None,
    machine: dict | None,
    policy: dict | None = None,
    drawings: dict[str, str] | None = None,
) -> dict:
    """Judge one cut. Pure: same arguments, same result; never raises on well-typed input.

    ``request`` holds ``tool_id``, ``material_id``, ``machine_id``, ``design``, ``cut`` and optionally
    ``fixture`` (a fixture id of the machine; default its default fixture). ``machine`` carries its fixtures.
    ``policy`` is the shop policy (``feasibility.selectors.registry_lookup`` reads it); without one, its
    defaults (``tables.DEFAULT_POLICY``) bound the job's work. ``drawings`` maps the SHA-256 an outline design
    names to the drawing's text (``runs.drawings``); an outline whose drawing is not there is UNKNOWN.
    """
    request = request if isinstance(request, dict) else {}
    checks: list[Check] = []

    tool_view, check = known_check("TOOL_KNOWN", "tool_id", request.get("tool_id"), tool, read_tool)
    checks.append(check)
    material_view, check = known_check(
        "MATERIAL_KNOWN", "material_id", request.get("material_id"), material, read_material
    )
    checks.append(check)
    machine_view, check = known_check("MACHINE_KNOWN", "machine_id", request.get("machine_id"), machine, read_machine)
    checks.append(check)
    fixture = None
    if machine_view is not None:
        fixture, check = fixture_check(machine_view, request.get("fixture"))
        checks.append(check)

    design_result = normalise_design(request.get("design"))
    design, design_check = design_result.design, design_result.check
    drawing_text = None
    if design is not None and design["shape"] == Shape.OUTLINE:
        drawing_text = (drawings or {}).get(design["source"]["sha256"])
        if not isinstance(drawing_text, str):
            design, design_check = None, checks_outline.drawing_missing(design)
    checks.append(design_check)
    outline = design is not None and design["shape"] == Shape.OUTLINE
    client_cut, check = read_client_cut(request.get("cut"))
    checks.append(check)

    if design is not None:
        checks.append(checks_setup.check_stock(design, fixture))
        checks.extend(c for c in (checks_setup.check_fret_slot_depth(design),) if c is not None)
    if tool_view is not None and design is not None:
        checks.append(checks_setup.check_shape_compatible(tool_view, design))
        checks.append(checks_setup.check_tool_reach(tool_view, design))
        if not outline:  # an outline's feature width is its drawing's, judged once its toolpath is planned
            checks.append(checks_setup.check_feature_width(tool_view, design))
        checks.extend(c for c in (checks_setup.check_saw_slot_length(tool_view, design),) if c is not None)
        if machine_view is not None:
            checks.append(checks_setup.check_tool_holding(tool_view, machine_view))
            plane = checks_setup.check_saw_plane(tool_view, machine_view, design)
            checks.extend([plane] if plane is not None else [])
            if fixture is not None and not outline:
                checks.append(checks_setup.check_envelope(tool_view, machine_view, fixture, design))
                checks.append(checks_setup.check_clamps(tool_view, machine_view, fixture, design))

    job = None
    if None not in (tool_view, material_view, machine_view, design, client_cut):
        job = resolve_job(tool_view, material_view, machine_view, fixture, design, client_cut)
        if outline and checks_outline.plannable(job):
            job = checks_outline.plan(job, drawing_text)
            checks.extend(checks_outline.outline_checks(job))
            if fixture is not None and job.outline_xy is not None:
                checks.append(checks_setup.check_envelope(tool_view, machine_view, fixture, design, job.outline_xy))
                checks.append(checks_setup.check_clamps(tool_view, machine_view, fixture, design, job.outline_xy))
        checks.extend(job_checks(job))
        checks.extend(policy_checks(job, policy))

    checks.sort(key=lambda c: CHECK_ORDER.index(c.code))
    risk = risk_from_statuses([c.status for c in checks])
    mode = tool_view.kind.value if tool_view is not None else None
    return {
        "engine_version": ENGINE_VERSION,
        "mode": mode,
        "risk_level": risk.value,
        "score": score_checks(checks, risk),
        "block_reason": _block_reason(checks, risk),
        "warnings": [f"{c.code}: {c.message}" for c in checks if c.status == CheckStatus.WARN],
        "checks": [c.as_dict() for c in checks],
        "design": design,
        "defaults_applied": list(design_result.defaults_applied),
        "cut": job.as_cut() if job is not None else None,
        **({"outline": checks_outline.outline_record(job)} if job is not None and job.outline is not None else {}),
    }
