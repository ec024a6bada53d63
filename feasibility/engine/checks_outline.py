"""Outlines from drawings: the design, the drawing's preflight, and the checks judged on the planned toolpath.

An outline is judged like every shape (tool, machine, cut, stock, envelope, clamps, policy), but its geometry is
a drawing's, planned by ``feasibility.outlines`` through ``geometry.outline_plan`` with the resolved cut: the
very toolpath the generator cuts. The drawing's findings become checks: a failing finding (an open contour, a
self-intersection, a gap, a duplicate, a drawing larger than the shop's limits) is ``OUTLINE_DRAWING`` failing
with its place named (layer, entity, coordinates), so the job is RED, never a guess; a feature narrower than the
tool is ``FEATURE_WIDTH``; the tabs are ``TABS``; warnings (units assumed, entities ignored) are warnings.
"""

from __future__ import annotations

from dataclasses import replace

from feasibility import geometry
from feasibility.engine.common import Check, fmt, num, read_numbers
from feasibility.engine.job import Job
from feasibility.engine.tables import DESIGN_DEFAULTS, MAX_DIMENSION_MM, MIN_DIMENSION_MM, ORIGIN_DEFAULTS
from feasibility.enums import CheckStatus, Shape, ToolKind

# Findings that have a check of their own; every other failing finding is the drawing's (OUTLINE_DRAWING).
_FEATURE_CODES = frozenset({"FEATURE_NARROWER_THAN_TOOL"})
_TAB_CODES = frozenset({"TABS_INVALID", "TABS_DO_NOT_FIT"})
# Messages name at most this many findings; the rest are counted.
_NAMED = 3
RECORDED_FINDINGS = 50


def normalise_outline(raw: dict) -> tuple[dict | None, Check, tuple[str, ...]]:
    """(design, DESIGN_VALID, defaults applied) for ``{"shape": "outline", ...}`` as the serializer passed it,
    the drawing already received (``source``: format, sha256, bytes)."""
    code = "DESIGN_VALID"
    missing, invalid, defaults_used = [], [], []
    operation = raw.get("operation")
    if operation is None:
        missing.append("operation")
    elif operation not in geometry.OUTLINE_OPERATIONS:
        invalid.append(f"operation must be one of {', '.join(geometry.OUTLINE_OPERATIONS)}")
    direction = raw.get("direction")
    if direction is None:
        direction = "climb"
        defaults_used.append("direction")
    elif direction not in geometry.OUTLINE_DIRECTIONS:
        invalid.append(f"direction must be one of {', '.join(geometry.OUTLINE_DIRECTIONS)}")
    source = raw.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("sha256"), str):
        missing.append("source (the drawing)")
    keys = ("depth", "x", "y", "stock_thickness")
    defaults = {**ORIGIN_DEFAULTS, **DESIGN_DEFAULTS[Shape.OUTLINE]}
    values, absent, unreadable, defaulted = read_numbers(raw, keys, defaults)
    missing.extend(absent)
    defaults_used.extend(defaulted)
    for key in keys:
        value = values.get(key)
        if key in unreadable:
            invalid.append(f"{key} is not a number")
        elif value is None:
            continue
        elif abs(value) > MAX_DIMENSION_MM:
            invalid.append(f"{key} {fmt(value)} mm is beyond {fmt(MAX_DIMENSION_MM)} mm")
        elif key in ("depth", "stock_thickness") and value < MIN_DIMENSION_MM:
            invalid.append(f"{key} must be at least {fmt(MIN_DIMENSION_MM)} mm (got {fmt(value)})")
    tabs = _tabs(raw.get("tabs"), operation, invalid)
    if missing:
        message = f"outline design cannot be judged: missing {', '.join(missing)}"
        suggestions = tuple(f"give {key}" for key in missing)
        return None, Check(code, CheckStatus.UNKNOWN, message, "outline", suggestions=suggestions), ()
    if invalid:
        message = f"outline design is invalid: {'; '.join(invalid)}"
        check = Check(code, CheckStatus.FAIL, message, "outline", severity=1.0, suggestions=tuple(invalid))
        return None, check, ()
    design = {
        "shape": Shape.OUTLINE.value,
        "operation": operation,
        "direction": direction,
        "depth": values["depth"],
        "tabs": tabs,
        "layer": raw.get("layer"),
        "source": {key: source[key] for key in ("format", "sha256", "bytes", "name") if key in source},
        "x": values["x"],
        "y": values["y"],
        "stock_thickness": values["stock_thickness"],
    }
    notes = [f"outline design complete: {operation} of drawing {source['sha256'][:12]}"]
    if defaults_used:
        notes.append("documented defaults applied: " + ", ".join(f"{key}={design[key]}" for key in defaults_used))
    return design, Check(code, CheckStatus.PASS, "; ".join(notes), "outline"), tuple(defaults_used)


def _tabs(raw, operation, invalid: list[str]) -> dict:
    tabs = {"count": 0, "width": 0.0, "height": 0.0}
    if raw is None:
        return tabs
    count = raw.get("count", 0)
    tabs["count"] = count if isinstance(count, int) and not isinstance(count, bool) else 0
    for key in ("width", "height"):
        value = num(raw.get(key)) if raw.get(key) is not None else 0.0
        tabs[key] = value if value is not None else 0.0
    if tabs["count"] and (tabs["width"] <= 0 or tabs["height"] <= 0):
        invalid.append("tabs need a width and a height above 0 mm")
    if tabs["count"] and operation == "pocket":
        invalid.append("tabs hold a part a profile cuts free; a pocket has none")
    return tabs


def drawing_missing(design: dict) -> Check:
    sha256 = design["source"]["sha256"]
    message = f"the drawing {sha256[:12]} named by the design is not available: it cannot be judged"
    return Check("DESIGN_VALID", CheckStatus.UNKNOWN, message, sha256, suggestions=("send the drawing's data",))


def plan(job: Job, text: str) -> Job:
    """The job with its outline planned with the resolved cut (what the generator will plan again)."""
    result = geometry.outline_cut_plan(job.design, text, tool_diameter=job.tool.diameter, cut=job.as_cut())
    return replace(job, outline=result)


def plannable(job: Job) -> bool:
    """A router bit with a usable stepdown: what an outline's toolpath can be planned for (a saw or a V-bit is
    refused by TOOL_SHAPE_COMPATIBLE before)."""
    cut = job.as_cut()
    return (
        job.tool.kind == ToolKind.ROUTER
        and all((num(cut.get(key)) or 0) > 0 for key in ("stepdown_mm", "stepover_mm", "safe_z_mm"))
        and job.passes >= 1
    )


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _place(finding: dict) -> str:
    place = finding.get("place") or {}
    layer = place.get("layer")
    return f"{finding['message']} (layer {layer})" if layer not in (None, "") else finding["message"]


def _named(findings: list[dict]) -> str:
    text = "; ".join(_place(f) for f in findings[:_NAMED])
    more = len(findings) - _NAMED
    return text + (f"; and {more} more" if more > 0 else "")


def outline_checks(job: Job) -> list[Check]:
    """OUTLINE_DRAWING, FEATURE_WIDTH and TABS from the planned outline's findings."""
    result = job.outline
    findings = result["findings"]
    drawing = [f for f in findings if f["code"] not in _FEATURE_CODES | _TAB_CODES]
    stats = (result.get("drawing") or {}).get("stats") or {}
    units = (result.get("drawing") or {}).get("units") or {}
    parts = result.get("parts") or []
    islands = sum(len(part["islands"]) for part in parts)
    entities = stats.get("entities", 0)
    read = (
        f"{_count(entities, 'entity', 'entities')} in {units.get('unit', '?')} ({units.get('source', '?')}), "
        f"{_count(len(parts), 'part', 'parts')} with {_count(islands, 'island', 'islands')}"
    )
    failing = [f for f in drawing if f["status"] == "fail"]
    warning = [f for f in drawing if f["status"] == "warn"]
    checks = []
    if failing:
        first = failing[0]
        suggestions = ("fix the drawing where named and send it again", "or choose a layer that is closed and clean")
        message = f"the drawing cannot be cut as drawn: {_named(failing)}"
        checks.append(Check("OUTLINE_DRAWING", CheckStatus.FAIL, message, first["code"], None, 1.0, None, suggestions))
    elif warning:
        message = f"{read}; {_named(warning)}"
        suggestions = tuple(f"{f['code']}: {f['message']}" for f in warning[:_NAMED])
        checks.append(Check("OUTLINE_DRAWING", CheckStatus.WARN, message, warning[0]["code"], None, 0.2, None,
                            suggestions))  # fmt: skip
    else:
        infos = [f["message"] for f in drawing if f["status"] == "info"]
        message = read + ("; " + "; ".join(infos[:_NAMED]) if infos else "") + "; closed and clean"
        checks.append(Check("OUTLINE_DRAWING", CheckStatus.PASS, message, "clean"))
    if not failing:
        checks.append(_feature_width(job, [f for f in findings if f["code"] in _FEATURE_CODES]))
        checks.append(_tabs_check(job, [f for f in findings if f["code"] in _TAB_CODES]))
    return checks


def _feature_width(job: Job, narrow: list[dict]) -> Check:
    diameter = job.tool.diameter
    if narrow:
        first = narrow[0]
        value = first.get("value")
        message = f"the {fmt(diameter)} mm tool does not fit: {_named(narrow)}"
        suggestions = (f"a tool at most {fmt(value)} mm across" if num(value) else "a smaller tool",
                       "widen the feature in the drawing")  # fmt: skip
        return Check("FEATURE_WIDTH", CheckStatus.FAIL, message, value, diameter, 1.0, "mm", suggestions)
    operation = job.design["operation"]
    message = f"the {fmt(diameter)} mm tool fits every feature of the {operation.replace('_', ' ')}"
    return Check("FEATURE_WIDTH", CheckStatus.PASS, message, diameter, diameter, unit="mm")


def _tabs_check(job: Job, problems: list[dict]) -> Check:
    """Tabs: refused when they cannot work (the planner's findings); a profile cut through the stock with no
    tabs frees the part on its last pass, where the cutter can throw it: a warning."""
    design = job.design
    tabs = design["tabs"]
    if problems:
        return Check("TABS", CheckStatus.FAIL, _named(problems), tabs["count"], None, 1.0, None,
                     ("fewer or narrower tabs", "tabs lower than the cut"))  # fmt: skip
    through = design["depth"] >= design["stock_thickness"] - 1e-9
    if design["operation"] == "pocket":
        return Check("TABS", CheckStatus.PASS, "a pocket frees no part: no tabs", 0, unit="tabs")
    if through and not tabs["count"]:
        message = "the profile cuts through the stock with no tabs: the part comes free on the last pass"
        suggestions = ('tabs {"count": 4, "width": 8, "height": 2}', "or hold the part down (screws, vacuum)")
        return Check("TABS", CheckStatus.WARN, message, 0, None, 0.3, "tabs", suggestions)
    if tabs["count"] and design["depth"] - tabs["height"] >= design["stock_thickness"] - 1e-9:
        # A cut into the spoilboard lifts over its tabs there: tabs no higher than the overcut are in the
        # spoilboard, not the part, which comes free on the last pass as if it had none.
        overcut = design["depth"] - design["stock_thickness"]
        message = (
            f"tabs {fmt(tabs['height'])} mm high on a cut {fmt(overcut)} mm below the stock stand in the fixture, "
            "not the part: they hold nothing"
        )
        suggestions = (f"tabs higher than {fmt(overcut)} mm (e.g. {fmt(overcut + 2)} mm)",)
        return Check("TABS", CheckStatus.FAIL, message, tabs["height"], overcut, 1.0, "mm", suggestions)
    if tabs["count"]:
        top = design["depth"] - tabs["height"]
        message = (
            f"{tabs['count']} tabs {fmt(tabs['width'])} mm wide, {fmt(tabs['height'])} mm high on each outer edge; "
            f"the last passes lift over them above {fmt(top)} mm deep"
        )
        if not through:
            message += f" (the cut leaves {fmt(design['stock_thickness'] - design['depth'])} mm of stock anyway)"
        return Check("TABS", CheckStatus.PASS, message, tabs["count"], unit="tabs")
    message = f"no tabs; the cut leaves {fmt(design['stock_thickness'] - design['depth'])} mm below it"
    return Check("TABS", CheckStatus.PASS, message, 0, unit="tabs")


def outline_record(job: Job) -> dict:
    """What the verdict keeps of the planned outline (small: no toolpath, no geometry): the planner's version
    and the libraries' (another GEOS may round an offset differently), the drawing as read, the parts, the
    findings and the toolpath's figures."""
    from feasibility import outlines

    result = job.outline
    toolpath = result.get("toolpath")
    figures = None
    if toolpath is not None:
        keys = ("operation", "direction", "passes", "moves", "cut_length_mm", "length_by_kind_mm", "bounds")
        figures = {key: toolpath[key] for key in keys}
        if "pocket" in toolpath:
            figures["pocket"] = toolpath["pocket"]
    return {
        "version": result["version"],
        "libraries": outlines.library_versions(),
        "chord_mm": geometry.OUTLINE_CHORD_MM,
        "drawing": result.get("drawing"),
        "parts": result.get("parts"),
        # A drawing can hold thousands of faults; the verdict keeps the first ones and how many there were.
        "findings": result["findings"][:RECORDED_FINDINGS],
        "findings_total": len(result["findings"]),
        "toolpath": figures,
    }
