"""Outlines cut from a drawing (DXF or SVG): read, preflight, nest and toolpath, as pure functions of plain data.

No Django, no I/O beyond the text handed in, no clock: the same design and tool give the same result. The one
exception raised for client input is ``DrawingError`` (a file that cannot be parsed, of an unknown format or
over the size limit); everything wrong *inside* a drawing is a finding. See docs/outlines.md.

    result = outline_job(design, tool_diameter_mm=6.0, stepdown_mm=2.0, stepover_mm=2.4)
    result["ok"]          # False when any finding has status "fail": the engine answers RED, never a guess
    result["findings"]    # [{"code", "status", "message", "place", "value", "limit", "unit"}, ...]
    result["toolpath"]    # None unless ok: segments, bounds, cut length, moves, geometry for drawing
"""

from __future__ import annotations

import functools
import math

from feasibility.outlines.contours import Outline, Part, build_outline
from feasibility.outlines.model import FAIL, WARN, Drawing, DrawingError, Finding, Limits, Tolerances, mm
from feasibility.outlines.preflight import OPERATIONS, check_size, narrow_features
from feasibility.outlines.read import read_drawing
from feasibility.outlines.toolpath import DIRECTIONS, Plan, Tabs, plan_toolpath

OUTLINES_VERSION = "rmos-outlines/0.1.0"
# Entry ramps steeper than this break small bits in hardwood (see docs/outlines.md).
MAX_RAMP_ANGLE_DEG = 20.0

__all__ = [
    "OPERATIONS",
    "OUTLINES_VERSION",
    "Drawing",
    "DrawingError",
    "Finding",
    "Limits",
    "Outline",
    "Part",
    "Plan",
    "Tabs",
    "Tolerances",
    "build_outline",
    "library_versions",
    "outline_job",
    "read_drawing",
    "read_source",
]


def read_source(
    source: dict,
    *,
    layer: str | None = None,
    tolerances: Tolerances | None = None,
    limits: Limits | None = None,
    assume_units: str = "mm",
) -> Drawing:
    """``read_drawing``, the last two files' readings kept: a job's receipt (can the file be read at all?) and
    its verdict read the same text with the same settings once. The reading is shared: never change it."""
    fmt, data = source.get("format"), source.get("data")
    if not (isinstance(fmt, str) and isinstance(data, str) and (layer is None or isinstance(layer, str))):
        return read_drawing(source, layer=layer, tolerances=tolerances, limits=limits, assume_units=assume_units)
    return _read_cached(fmt, data, layer, tolerances or Tolerances(), limits or Limits(), assume_units)


@functools.lru_cache(maxsize=2)
def _read_cached(fmt: str, data: str, layer, tolerances: Tolerances, limits: Limits, assume_units: str) -> Drawing:
    source = {"format": fmt, "data": data}
    return read_drawing(source, layer=layer, tolerances=tolerances, limits=limits, assume_units=assume_units)


def library_versions() -> dict[str, str]:
    """The versions of the libraries that read and offset drawings: recorded with every outline verdict, since
    another GEOS can round an offset differently."""
    import ezdxf
    import shapely
    import svgelements

    return {
        "ezdxf": ezdxf.__version__,
        "svgelements": svgelements.SVGELEMENTS_VERSION,
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
    }


def outline_job(
    design: dict,
    *,
    tool_diameter_mm: float,
    stepdown_mm: float,
    stepover_mm: float | None = None,
    safe_z_mm: float = 5.0,
    ramp_angle_deg: float = 10.0,
    tolerances: Tolerances | None = None,
    limits: Limits | None = None,
    assume_units: str = "mm",
    toolpath: bool = True,
) -> dict:
    """Judge and plan one outline design (``{"shape": "outline", "operation", "source", "depth", ...}``).

    Returns plain data: ``ok``, ``status`` (worst finding: "fail", "warn" or "pass"), ``findings``, the
    ``drawing`` as read (units, tolerances, counts), the ``parts`` found (outer boundary and islands, each named
    by layer and entity) and, when nothing failed and ``toolpath`` is true, the ``toolpath``. Raises
    ``DrawingError`` only for a file that cannot be read at all.
    """
    tolerances = tolerances or Tolerances()
    limits = limits or Limits()
    plan, problems = _plan(
        design, tool_diameter_mm, stepdown_mm, stepover_mm, safe_z_mm, ramp_angle_deg, tolerances, limits
    )
    if problems:
        return _result(problems, None, None, None)
    drawing = read_source(
        design["source"], layer=design.get("layer"), tolerances=tolerances, limits=limits, assume_units=assume_units
    )
    findings = list(drawing.findings)
    outline = build_outline(drawing.pieces, tolerances)
    findings.extend(outline.findings)
    findings.extend(check_size(outline.parts, limits))
    if not any(f.status == FAIL for f in findings):
        findings.extend(narrow_features(outline.parts, plan.operation, plan.tool_diameter, tolerances.offset_mm))
    path = None
    if toolpath and not any(f.status == FAIL for f in findings):
        path, more = plan_toolpath(outline.parts, plan)
        findings.extend(more)
    return _result(findings, drawing, outline, path)


def _result(findings: list[Finding], drawing: Drawing | None, outline: Outline | None, path: dict | None) -> dict:
    failed = any(f.status == FAIL for f in findings)
    status = "fail" if failed else "warn" if any(f.status == WARN for f in findings) else "pass"
    return {
        "version": OUTLINES_VERSION,
        "ok": not failed,
        "status": status,
        "findings": [f.as_dict() for f in findings],
        "drawing": drawing.as_dict() if drawing else None,
        "parts": [_part(p) for p in outline.parts] if outline else [],
        "toolpath": path if not failed else None,
    }


def _part(part: Part) -> dict:
    x0, y0, x1, y1 = part.polygon.bounds
    return {
        "outer": part.outer.place(),
        "islands": [loop.place() for loop in part.islands],
        "area_mm2": round(part.polygon.area, 3),
        "bounds": [mm(x0), mm(y0), mm(x1), mm(y1)],
        "depth": part.depth,
    }


def _positive(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        return None
    return float(value)


def _plan(
    design, diameter, stepdown, stepover, safe_z, ramp_angle, tolerances, limits
) -> tuple[Plan | None, list[Finding]]:
    problems: list[str] = []
    if not isinstance(design, dict):
        return None, [Finding("DESIGN_INVALID", FAIL, "the design must be an object")]
    operation = design.get("operation")
    if operation not in OPERATIONS:
        problems.append(f"operation must be one of {', '.join(OPERATIONS)}")
    direction = design.get("direction", "climb")
    if direction not in DIRECTIONS:
        problems.append(f"direction must be one of {', '.join(DIRECTIONS)}")
    depth = _positive(design.get("depth"))
    if depth is None:
        problems.append("depth must be a positive number of mm")
    for name, value in (("tool diameter", diameter), ("stepdown", stepdown), ("safe z", safe_z)):
        if _positive(value) is None:
            problems.append(f"{name} must be a positive number of mm")
    if operation == "pocket" and _positive(stepover) is None:
        problems.append("a pocket needs a positive stepover")
    elif operation == "pocket" and _positive(diameter) and stepover > diameter:
        problems.append(f"stepover {stepover} mm is wider than the tool ({diameter} mm): ridges would stay")
    if _positive(ramp_angle) is None or ramp_angle > MAX_RAMP_ANGLE_DEG:
        problems.append(f"the ramp angle must be above 0 and at most {MAX_RAMP_ANGLE_DEG} degrees")
    tabs = design.get("tabs") or {}
    if not isinstance(tabs, dict):
        problems.append("tabs must be an object {count, width, height}")
        tabs = {}
    count = tabs.get("count", 0)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        problems.append("tabs.count must be a whole number, 0 or more")
        count = 0
    width, height = tabs.get("width", 0.0), tabs.get("height", 0.0)
    if count and (_positive(width) is None or _positive(height) is None):
        problems.append("tabs need a positive width and height (mm)")
    if count and operation == "pocket":
        problems.append("tabs hold a part cut free by a profile; a pocket has none")
    if design.get("layer") is not None and not isinstance(design.get("layer"), str):
        problems.append("layer must be a layer's name")
    source = design.get("source")
    if not isinstance(source, dict):
        problems.append('source must be {"format": "dxf" | "svg", "data": "<file text>"}')
    if problems:
        return None, [Finding("DESIGN_INVALID", FAIL, "; ".join(problems))]
    plan = Plan(
        operation=operation,
        tool_diameter=float(diameter),
        depth=depth,
        stepdown=float(stepdown),
        stepover=float(stepover) if stepover is not None else None,
        tabs=Tabs(count=count, width=float(width or 0.0), height=float(height or 0.0)),
        direction=direction,
        ramp_angle_deg=float(ramp_angle),
        safe_z=float(safe_z),
        tolerance=tolerances.offset_mm,
        max_moves=limits.max_moves,
        max_rings=limits.max_rings,
    )
    return plan, []
