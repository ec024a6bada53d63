"""Stored values shaped for templates: text for every JSON value, the parts of an artifact the detail page
shows, the diff's rows. Pure functions of what the selectors return; no queries."""

import json

from rmos_site.pages import drawing, units
from runs.gcode_file import gcode_filename
from runs.selectors import CHAIN_HASH_NAMES, HASH_NAMES
from workflow.selectors import parse_session_id

GCODE_HEAD_LINES = 40
CHECK_ORDER = {"fail": 0, "unknown": 1, "warn": 2, "pass": 3}


def display(value) -> str:
    """A stored value as text: strings as stored, numbers without float noise, anything else as JSON."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, (int, str)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def signed(value) -> str:
    text = display(value)
    return text if text.startswith("-") else f"+{text}"


def pretty_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)


def workflow_session_id(session_id: str) -> str:
    """The id when it names a workflow session (a page exists for it); synthetic and API ids may not."""
    return session_id if session_id and parse_session_id(session_id) is not None else ""


def list_rows(items: list[dict], designs: dict | None = None) -> list[dict]:
    designs = designs or {}
    return [
        {
            **item,
            "workflow_session": workflow_session_id(item["session_id"]),
            "design_summary": design_summary(designs.get(item["run_id"])),
        }
        for item in items
    ]


def _safety(feasibility) -> dict:
    # The engine returns the verdict at the top level; some recorded results nest it under "safety".
    if not isinstance(feasibility, dict):
        return {}
    nested = feasibility.get("safety")
    return nested if isinstance(nested, dict) else feasibility


def check_unit(check: dict) -> str:
    """The unit a check gives for its value and limit; for checks recorded before they said, the known unit
    of that check's code; none for a count, an index or a word."""
    unit = check.get("unit")
    if isinstance(unit, str):
        return unit
    return units.CHECK_UNITS.get(check.get("code"), "")


def _check_row(check: dict) -> dict:
    unit = check_unit(check)
    return {
        "code": display(check.get("code")),
        "status": str(check.get("status") or "unknown"),
        "message": display(check.get("message")),
        "value": units.quantity(check.get("value"), unit),
        "limit": units.quantity(check.get("limit"), unit),
        # The stored numbers in full, for the tooltip: the table rounds them.
        "value_exact": display(check.get("value")),
        "limit_exact": display(check.get("limit")),
    }


def _checks(safety: dict) -> list[dict]:
    checks = [check for check in safety.get("checks") or [] if isinstance(check, dict)]
    rows = [_check_row(check) for check in checks]
    # Failures and warnings first: they are the "why" of a refusal. Within a status, the engine's order.
    return sorted(rows, key=lambda row: CHECK_ORDER.get(row["status"], 1))


def _cut_rows(cut, overrides) -> list[dict]:
    if not isinstance(cut, dict):
        cut = overrides if isinstance(overrides, dict) else {}
    sources = cut.get("source") if isinstance(cut.get("source"), dict) else {}
    overrides = overrides if isinstance(overrides, dict) else {}
    order = [name for name in units.CUT_KEYS if name in cut] + sorted(set(cut) - set(units.CUT_KEYS) - {"source"})
    rows = []
    for name in order:
        label, unit = units.CUT_KEYS.get(name, (name.replace("_", " ").capitalize(), ""))
        rows.append(
            {
                "name": name,
                "label": label,
                "value": units.quantity(cut[name], unit),
                "exact": display(cut[name]),
                # A box or another structured value is long: let it wrap rather than widen a phone's page.
                "wraps": isinstance(cut[name], dict | list),
                "source": sources.get(name) or ("client" if name in overrides else ""),
            }
        )
    return rows


def design_rows(design) -> list[dict]:
    """A design as a table: shape first, then its dimensions and placement, each with its unit."""
    if not isinstance(design, dict):
        return []
    rows = []
    for key in units.design_order(design):
        value = design[key]
        if key == "shape":
            rows.append({"key": key, "label": "Shape", "value": units.SHAPE_LABELS.get(value, display(value)),
                         "exact": display(value)})  # fmt: skip
            continue
        label, unit = units.DESIGN_KEYS.get(key, (key.replace("_", " ").capitalize(), ""))
        if key == "source" and isinstance(value, dict):
            shown = units.drawing_label(value)
        elif key == "tabs":
            shown = units.tabs_label(value)
        elif key in ("operation", "direction") and isinstance(value, str):
            shown = {**units.OUTLINE_OPERATIONS, **units.OUTLINE_DIRECTIONS}.get(value, value)
        else:
            shown = units.quantity(value, unit)
        rows.append(
            {
                "key": key,
                "label": label,
                "value": shown,
                "exact": display(value),
                "wraps": key in ("source", "tabs", "operation", "layer"),
            }
        )
    return rows


# What a list says about a job: the shape and the dimensions that tell one job from another.
_SUMMARY_KEYS = {
    "ring": (("od", "Ø{} mm"), ("width", "{} mm wide")),
    "slot": (("length", "{} mm long"),),
    "fret_slots": (
        ("scale_length", "{} mm"),
        ("scale_length_bass", "{} mm bass"),
        ("scale_length_treble", "{} mm treble"),
        ("frets", "{} frets"),
        ("radius", "radius {} mm"),
    ),
    "pocket_circle": (("d", "Ø{} mm"),),
    "pocket_rect": (("w", "{} mm along X"), ("h", "{} mm along Y")),
}


def design_summary(design) -> str:
    """``fret slots · 648 mm · 22 frets``: a design in a few words, for lists; "" for none."""
    if not isinstance(design, dict) or not isinstance(design.get("shape"), str):
        return ""
    shape = design["shape"]
    parts = [units.SHAPE_LABELS.get(shape, shape).split(" (")[0].lower()]
    numbers = {key: units.number(value) for key, value in design.items() if _is_number(value)}
    if shape == "pocket_rect" and "w" in numbers and "h" in numbers:
        parts.append(f"{numbers['w']} \N{MULTIPLICATION SIGN} {numbers['h']} mm")
    else:
        parts.extend(template.format(numbers[key]) for key, template in _SUMMARY_KEYS.get(shape, ()) if key in numbers)
    if "depth" in numbers:
        parts.append(f"{numbers['depth']} mm deep")
    return " · ".join(parts)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _gcode(artifact) -> dict | None:
    text = artifact.gcode_text
    if not text:
        return None
    lines = text.splitlines()
    return {
        "filename": gcode_filename(artifact),
        "head": "\n".join(lines[:GCODE_HEAD_LINES]),
        "rest": "\n".join(lines[GCODE_HEAD_LINES:]),
        "rest_count": max(0, len(lines) - GCODE_HEAD_LINES),
        "line_count": len(lines),
        "bytes": len(text.encode("utf-8")),
    }


def _duration(seconds) -> str:
    if not isinstance(seconds, (int, float)):
        return display(seconds)
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def _toolpath_summary(summary) -> dict | None:
    if not isinstance(summary, dict):
        return None
    moves = summary.get("moves")
    bounds = summary.get("bounds") if isinstance(summary.get("bounds"), dict) else {}
    return {
        "moves": moves if isinstance(moves, dict) else {"total": moves},
        "cut_length": units.number(summary.get("cut_length_mm")),
        "rapid_length": units.number(summary.get("rapid_length_mm")),
        "time": _duration(summary.get("estimated_time_s")),
        "bounds": [
            (axis, units.number(bounds.get(f"{axis}_min")), units.number(bounds.get(f"{axis}_max")))
            for axis in ("x", "y", "z")
            if f"{axis}_min" in bounds
        ],
    }


def approval_facts(artifact) -> dict | None:
    """An approval run in words: who approved, their note, and exactly what they approved."""
    if artifact.kind != "approval":
        return None
    request = artifact.request if isinstance(artifact.request, dict) else {}
    # A session action records the body it was sent under "body"; older approvals kept its fields at the top.
    if isinstance(request.get("body"), dict):
        request = request["body"]
    reviewed = request.get("feasibility_sha256") if isinstance(request.get("feasibility_sha256"), str) else ""
    return {
        "by": artifact.actor,
        "note": request.get("note") if isinstance(request.get("note"), str) else "",
        "hash": artifact.feasibility_sha256,
        "reviewed": reviewed,
        "reviewed_matches": bool(reviewed) and reviewed == artifact.feasibility_sha256,
        "session": workflow_session_id(artifact.session_id) or artifact.session_id,
    }


def run_detail(artifact) -> dict:
    """What the detail page shows of one artifact."""
    feasibility = artifact.feasibility if isinstance(artifact.feasibility, dict) else None
    safety = _safety(feasibility)
    request = artifact.request if isinstance(artifact.request, dict) else {}
    checks = _checks(safety)
    design = (feasibility or {}).get("design") or request.get("design")
    block_reason = display(safety.get("block_reason")) if safety.get("block_reason") else ""
    errors = [
        {"code": display(error.get("code")), "message": display(error.get("message"))}
        if isinstance(error, dict)
        else {"code": "", "message": display(error)}
        for error in artifact.errors or []
    ]
    # A refusal usually records the verdict's reason as its error message too: say it once, with its code.
    why_code = next((error["code"] for error in errors if block_reason and error["message"] == block_reason), "")
    return {
        "run": artifact,
        "workflow_session": workflow_session_id(artifact.session_id),
        "has_feasibility": feasibility is not None,
        "block_reason": block_reason,
        "why_code": why_code,
        "warnings": [display(warning) for warning in safety.get("warnings") or []],
        "checks": checks,
        # What decided the verdict in view, the passes folded under them.
        "decisive_checks": [row for row in checks if row["status"] != "pass"],
        "passed_checks": [row for row in checks if row["status"] == "pass"],
        "check_counts": {status: sum(row["status"] == status for row in checks) for status in CHECK_ORDER},
        "errors": [error for error in errors if not (block_reason and error["message"] == block_reason)],
        "design_rows": design_rows(design),
        "cut_rows": _cut_rows((feasibility or {}).get("cut"), request.get("cut")),
        "hashes": [(name, getattr(artifact, name)) for name in CHAIN_HASH_NAMES],
        "gcode": _gcode(artifact),
        "drawing": drawing.run_drawing(artifact),
        "approval": approval_facts(artifact),
        "toolpaths": _toolpath_summary(artifact.toolpaths),
        "request_json": pretty_json(request),
        "registry_json": pretty_json(artifact.registry_snapshot) if artifact.registry_snapshot else "",
    }


def diff_view(diff: dict) -> dict:
    """The diff's changes as rows of text, and its hashes as equality badges."""

    def cell(value) -> str:
        # An empty string is a value here (a hash that was not computed), not a blank cell.
        return "(empty)" if value == "" else display(value)

    rows = []
    for change in diff["changed_fields"]:
        rows.append(
            {
                "path": change["path"],
                "op": change["op"],
                "a": "" if change["op"] == "added" else cell(change["a"]),
                "b": "" if change["op"] == "removed" else cell(change["b"]),
                "delta": signed(change["delta"]) if "delta" in change else "",
            }
        )
    hashes = [
        {"name": name, "a": pair["a"], "b": pair["b"], "equal": pair["equal"], "present": bool(pair["a"] or pair["b"])}
        for name, pair in ((name, diff["hashes"][name]) for name in HASH_NAMES)
    ]
    return {"rows": rows, "hashes": hashes, "summary": diff["summary"]}
