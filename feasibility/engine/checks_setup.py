"""Checks of the set-up: can this machine hold the tool, can the tool make the shape, does the job fit the
machine on its fixture, and is the feature what the design asks for."""

from __future__ import annotations

from feasibility import geometry
from feasibility.engine.common import Check, clamp, fmt, grade_max
from feasibility.engine.job import path_bounds
from feasibility.engine.registry import Fixture, Machine, Tool
from feasibility.engine.tables import (
    COLLET_CLEARANCE_MM,
    FRET_SLOT_MIN_DEPTH_MM,
    FRET_SLOT_WIDTH_FAIL_MM,
    FRET_SLOT_WIDTH_PASS_MM,
    SAW_PLANE_TOLERANCE_DEG,
    STOCK_FLOOR_WARN_SHARE,
    VBIT_POOR_SEVERITY,
    VBIT_SHAPES_POOR,
)
from feasibility.enums import CheckStatus, Shape, ToolKind

TOLERANCE_MM = 1e-9
# A path's XY extremes (x_min, x_max, y_min, y_max) in part coordinates, when not the plan's.
XY = tuple[float, float, float, float] | None


def check_shape_compatible(tool: Tool, design: dict) -> Check:
    code = "TOOL_SHAPE_COMPATIBLE"
    shape = Shape(design["shape"])
    if tool.kind == ToolKind.SAW and shape not in geometry.SAW_SHAPES:
        why = (
            "cannot plunge or clear a pocket"
            if shape == Shape.POCKET_RECT
            else "cuts a straight kerf and cannot follow a curved path"
        )
        limit = ", ".join(sorted(geometry.SAW_SHAPES))
        suggestion = "a router bit (kind router) cuts this shape"
        return Check(
            code, CheckStatus.FAIL, f"a saw {why} ({shape.value})", shape.value, limit, 1.0, None, (suggestion,)
        )
    if tool.kind == ToolKind.VBIT and shape == Shape.OUTLINE:
        message = "a V-bit's cut has sloping walls: an outline is offset by a flat end mill's radius, at every depth"
        suggestion = "a flat end mill (kind router) sized for the outline's narrowest feature"
        return Check(code, CheckStatus.FAIL, message, shape.value, "flat end mill", 1.0, None, (suggestion,))
    if tool.kind == ToolKind.VBIT and shape == Shape.FRET_SLOTS:
        message = "a V-bit cuts a tapered slot: a fret tang needs parallel walls to hold"
        suggestion = "a 0.5-0.6 mm fret-slotting end mill or a fret saw"
        return Check(code, CheckStatus.FAIL, message, shape.value, "parallel walls", 1.0, None, (suggestion,))
    if tool.kind == ToolKind.VBIT and shape in VBIT_SHAPES_POOR:
        message = f"a V-bit leaves a V-shaped or ridged floor in a {shape.value}; a flat-bottomed bit is usual"
        return Check(
            code, CheckStatus.WARN, message, shape.value, "flat floor", VBIT_POOR_SEVERITY, None, ("a flat end mill",)
        )
    article = "an" if shape.value[0] in "aeiou" else "a"
    return Check(code, CheckStatus.PASS, f"a {tool.kind.value} can cut {article} {shape.value}", shape.value)


def check_tool_holding(tool: Tool, machine: Machine) -> Check:
    """A blade needs a saw arbor or an angle head that takes its diameter; a bit's shank must fit the collet."""
    code = "TOOL_HOLDING"
    low, high = machine.collet_range
    collet = f"{fmt(low)}-{fmt(high)} mm" if high > 0 else "none"
    if tool.kind == ToolKind.SAW:
        mount = machine.saw_mount.replace("_", " ")
        if machine.saw_mount == "none":
            message = (
                f"{machine.machine_id} has a {machine.spindle_orientation} spindle with a collet "
                f"({collet}) and no saw arbor or angle head: a {fmt(tool.diameter)} mm blade cannot be mounted"
            )
            suggestion = f"a machine with a saw arbor or angle head taking {fmt(tool.diameter)} mm blades"
            return Check(code, CheckStatus.FAIL, message, tool.diameter, 0.0, 1.0, "mm", (suggestion,))
        if tool.diameter > machine.saw_max_blade + TOLERANCE_MM:
            message = (
                f"a {fmt(tool.diameter)} mm blade is larger than the {fmt(machine.saw_max_blade)} mm the "
                f"{mount} of {machine.machine_id} takes"
            )
            suggestion = f"a blade of at most {fmt(machine.saw_max_blade)} mm"
            return Check(
                code, CheckStatus.FAIL, message, tool.diameter, machine.saw_max_blade, 1.0, "mm", (suggestion,)
            )
        message = f"the {mount} of {machine.machine_id} takes blades up to {fmt(machine.saw_max_blade)} mm"
        return Check(code, CheckStatus.PASS, message, tool.diameter, machine.saw_max_blade, unit="mm")
    limit = f"{fmt(low)}-{fmt(high)}" if high > 0 else "no collet"
    if machine.spindle_orientation != "vertical":
        # Every design here is cut with the bit's axis along Z: a horizontal spindle would cut with its side.
        message = f"{machine.machine_id} has a {machine.spindle_orientation} spindle: a bit must stand vertical"
        suggestion = "a machine with a vertical spindle"
        return Check(code, CheckStatus.FAIL, message, tool.shank, limit, 1.0, "mm", (suggestion,))
    if high <= 0 or not low - TOLERANCE_MM <= tool.shank <= high + TOLERANCE_MM:
        message = f"a {fmt(tool.shank)} mm shank does not fit the collet of {machine.machine_id} ({collet})"
        suggestion = f"a bit with a shank of {collet}" if high > 0 else "a machine with a collet spindle"
        return Check(code, CheckStatus.FAIL, message, tool.shank, limit, 1.0, "mm", (suggestion,))
    message = f"the {fmt(tool.shank)} mm shank fits the collet of {machine.machine_id} ({collet})"
    return Check(code, CheckStatus.PASS, message, tool.shank, limit, unit="mm")


def _direction(design: dict) -> tuple[str, float | None]:
    """(text, angle in degrees) of the direction a cut travels."""
    if design["shape"] == Shape.FRET_SLOTS:
        if geometry.is_plain_fret_board(design):
            return "along Y", 90.0
        board = geometry.FretBoard.of(design)
        fret = max(range(1, board.frets + 1), key=lambda n: abs(board.slot_angle(n)))
        turn = board.slot_angle(fret)
        if abs(turn) <= SAW_PLANE_TOLERANCE_DEG:
            return "along Y", 90.0
        # slot_angle is measured from +Y towards +X; the direction's angle from +X is 90 less that turn.
        return f"{fmt(abs(turn))} deg off Y (fret {fret}, a fanned slot)", (90.0 - turn) % 180.0
    angle = float(design["angle"]) % 180.0
    return f"{fmt(float(design['angle']))} deg", angle


def check_saw_plane(tool: Tool, machine: Machine, design: dict) -> Check | None:
    """A blade cuts only in its own plane: XZ moves it along X, YZ along Y. Any other direction drives it sideways."""
    if tool.kind != ToolKind.SAW or machine.saw_blade_plane is None or design["shape"] not in geometry.SAW_SHAPES:
        return None
    plane = machine.saw_blade_plane
    along = 0.0 if plane == "XZ" else 90.0
    text, angle = _direction(design)
    off = min(abs(angle - along), 180.0 - abs(angle - along))
    if off > SAW_PLANE_TOLERANCE_DEG:
        message = (
            f"the blade on {machine.machine_id} turns in the {plane} plane and can only travel along "
            f"{plane[0]}; this cut runs {text}, which would drive the blade sideways"
        )
        if design["shape"] == Shape.SLOT:
            allowed = "0 or 180" if plane == "XZ" else "90 or 270"
            suggestions = (f"angle {allowed} (along the {plane} plane)", "a router bit for a slot at this angle")
        elif angle != 90.0:
            suggestions = ("a fret-slotting end mill: fanned slots are not square to the centreline",)
        else:
            suggestions = ("a machine whose blade turns in the YZ plane",)
        return Check("SAW_PLANE", CheckStatus.FAIL, message, text, plane, 1.0, None, suggestions)
    message = f"the cut runs {text}, in the blade's {plane} plane"
    return Check("SAW_PLANE", CheckStatus.PASS, message, text, plane)


def check_tool_reach(tool: Tool, design: dict) -> Check:
    depth = design["depth"]
    if tool.kind == ToolKind.SAW:
        reach = tool.flute_length
        rule = "the blade's depth of cut below its flange"
    else:
        reach = min(tool.flute_length, tool.stickout - COLLET_CLEARANCE_MM)
        rule = f"the flute length {fmt(tool.flute_length)} and stickout less {fmt(COLLET_CLEARANCE_MM)} mm"
    status, severity = grade_max(depth, reach, reach)
    relation = "within" if status == CheckStatus.PASS else "beyond"
    message = f"total depth {fmt(depth)} mm is {relation} the tool's reach {fmt(reach)} mm ({rule})"
    suggestions: tuple[str, ...] = ()
    if status == CheckStatus.FAIL:
        message += "; the shank or flange would rub or crash"
        suggestions = (f"depth at most {fmt(reach)} mm", f"a tool reaching {fmt(depth)} mm")
    return Check("TOOL_REACH", status, message, depth, reach, severity, "mm", suggestions)


def check_stock(design: dict, fixture: Fixture | None = None) -> Check:
    # On a radiused fret board the stock is thickest at the crown and the deepest cut is the slot's depth below
    # the top where it lies lowest.
    if design["shape"] == Shape.OUTLINE and design["operation"] != "pocket":
        return _profile_stock(design, fixture)
    drop = geometry.surface_drop(design)
    depth, stock = design["depth"] + drop, design["stock_thickness"]
    warn_at = STOCK_FLOOR_WARN_SHARE * stock
    status, severity = grade_max(depth, warn_at, stock)
    message = f"depth {fmt(depth)} mm in {fmt(stock)} mm stock"
    if drop:
        message = (
            f"depth {fmt(design['depth'])} mm below a top that falls {fmt(drop)} mm from the crown: "
            f"{fmt(depth)} mm below the crown of {fmt(stock)} mm stock"
        )
    if status == CheckStatus.FAIL:
        message += ": the cut goes through the stock"
    elif status == CheckStatus.WARN:
        message += f": leaves a floor thinner than {fmt(stock - warn_at)} mm"
    suggestions = (f"depth at most {fmt(warn_at)} mm", f"stock at least {fmt(depth / STOCK_FLOOR_WARN_SHARE)} mm")
    return Check("STOCK_THICKNESS", status, message, depth, warn_at, severity, "mm", suggestions)


def _profile_stock(design: dict, fixture: Fixture | None) -> Check:
    """A profile cuts a part out: through the stock is its purpose, not a fault. Below it is the fixture: a cut
    may go into it only as far as the fixture allows (a spoilboard's allowance, so the part comes free cleanly
    whatever the stock's variation); a jig or a sled allows nothing."""
    depth, stock = design["depth"], design["stock_thickness"]
    allowance = fixture.through_allowance if fixture is not None else 0.0
    limit = stock + allowance
    if depth > limit + TOLERANCE_MM:
        under = f"{fmt(depth - stock)} mm into the fixture"
        if allowance:
            message = (
                f"profile depth {fmt(depth)} mm in {fmt(stock)} mm stock goes {under}; "
                f"{fixture.fixture_id} allows {fmt(allowance)} mm"
            )
        else:
            where = f"{fixture.fixture_id}, which allows no cut into it" if fixture is not None else "the fixture"
            message = f"profile depth {fmt(depth)} mm is deeper than the {fmt(stock)} mm stock: it cuts into {where}"
        suggestions = [f"depth at most {fmt(limit)} mm", f"stock of {fmt(depth - allowance)} mm"]
        if not allowance:
            suggestions.append("a fixture with a through allowance (a spoilboard)")
        return Check("STOCK_THICKNESS", CheckStatus.FAIL, message, depth, limit, 1.0, "mm", tuple(suggestions))
    through = depth >= stock - TOLERANCE_MM
    what = "through the stock: the part is cut free" if through else f"leaves {fmt(stock - depth)} mm below the cut"
    if depth > stock + TOLERANCE_MM:
        what += f", {fmt(depth - stock)} mm into {fixture.fixture_id} (it allows {fmt(allowance)} mm)"
    message = f"profile depth {fmt(depth)} mm in {fmt(stock)} mm stock, {what}"
    return Check("STOCK_THICKNESS", CheckStatus.PASS, message, depth, limit, unit="mm")


# --------------------------------------------------------------------------------------------------------------
# Where the job sits: path + work offset against the soft limits, and the fixture's clamps
# --------------------------------------------------------------------------------------------------------------


def _envelope_problems(
    tool: Tool, machine: Machine, fixture: Fixture, design: dict, xy: XY = None
) -> list[tuple[str, float, float]]:
    """(axis text, how far outside below, how far outside above) for each axis the path leaves."""
    bounds = path_bounds(tool, design, fixture, xy)
    problems = []
    limits = (machine.limits_x, machine.limits_y, machine.limits_z)
    for index, (axis, (low, high)) in enumerate(zip("XYZ", limits, strict=True)):
        origin = fixture.work_zero(design["stock_thickness"])[index]
        lo, hi = bounds[2 * index] + origin, bounds[2 * index + 1] + origin
        below, above = max(low - lo, 0.0), max(hi - high, 0.0)
        if below > 1e-9 or above > 1e-9:
            problems.append((f"{axis} {fmt(lo)}..{fmt(hi)} outside {fmt(low)}..{fmt(high)}", below, above))
    return problems


def _fitting(tool: Tool, machine: Machine, design: dict, exclude: Fixture | None, xy: XY = None) -> list[Fixture]:
    return [
        f
        for f in machine.fixtures
        if f is not exclude
        and not _envelope_problems(tool, machine, f, design, xy)
        and not _collisions(tool, machine, f, design, xy)
    ]


def check_envelope(tool: Tool, machine: Machine, fixture: Fixture, design: dict, xy: XY = None) -> Check:
    """WORK_ENVELOPE: path + work offset against the soft limits. ``xy``: the path's XY extremes when they are
    not the plan's (an outline's toolpath)."""
    bounds = path_bounds(tool, design, fixture, xy)
    ox, oy, oz = fixture.work_zero(design["stock_thickness"])
    machine_box = (bounds[0] + ox, bounds[1] + ox, bounds[2] + oy, bounds[3] + oy, bounds[4] + oz, bounds[5] + oz)
    value = "X {}..{}, Y {}..{}, Z {}..{}".format(*(fmt(v) for v in machine_box))
    (xl, xh), (yl, yh), (zl, zh) = machine.limits_x, machine.limits_y, machine.limits_z
    limit = f"X {fmt(xl)}..{fmt(xh)}, Y {fmt(yl)}..{fmt(yh)}, Z {fmt(zl)}..{fmt(zh)}"
    part = "part X {}..{}, Y {}..{}, Z {}..{}".format(*(fmt(v) for v in bounds))
    where = f"{part} on {fixture.label} (work zero at machine X{fmt(ox)} Y{fmt(oy)} Z{fmt(oz)}, the stock top)"
    problems = _envelope_problems(tool, machine, fixture, design, xy)
    others = _fitting(tool, machine, design, fixture, xy)
    fits_text = ", ".join(f.label for f in others) or "none"
    if problems:
        suggestions = [f"fixture {f.fixture_id!r} ({f.work_offset}) fits" for f in others]
        for text, below, above in problems:
            axis = text[0]
            span = bounds[2 * "XYZ".index(axis) + 1] - bounds[2 * "XYZ".index(axis)]
            low, high = {"X": (xl, xh), "Y": (yl, yh), "Z": (zl, zh)}[axis]
            if span > high - low:
                suggestions.append(
                    f"the path spans {fmt(span)} mm in {axis}, more than the {fmt(high - low)} mm of travel"
                )
            elif axis in "XY":
                shift = below if below > 0 else -above
                suggestions.append(f"move the design by {fmt(shift)} mm in {axis} ({axis.lower()} in the design)")
            else:
                # Work Z0 (the stock top) must sit where the deepest level and the clearance plane both fit.
                top_low, top_high = zl - bounds[4], zh - bounds[5]
                suggestions.append(
                    f"a fixture putting the stock top between machine Z{fmt(top_low)} and Z{fmt(top_high)} "
                    f"(now Z{fmt(oz)})"
                )
        message = (
            f"toolpath leaves the soft limits in machine coordinates: {'; '.join(t for t, _, _ in problems)}; "
            f"{where}; fixtures that would fit: {fits_text}"
        )
        return Check("WORK_ENVELOPE", CheckStatus.FAIL, message, value, limit, 1.0, "mm", tuple(suggestions))
    message = (
        f"toolpath {value} in machine coordinates fits the soft limits; {where}; other fixtures that fit: {fits_text}"
    )
    return Check("WORK_ENVELOPE", CheckStatus.PASS, message, value, limit, unit="mm")


def _footprint(tool: Tool, machine: Machine, design: dict, xy: XY = None) -> tuple[float, float, float, float]:
    """The XY box the cutter sweeps in part coordinates: the path widened by the cut's radius, or for a blade by
    its radius in its plane (the blade stands above the stock that far) and half its kerf across."""
    x_min, x_max, y_min, y_max = xy if xy is not None else geometry.plan(design, tool.shape).bounds()
    width = geometry.cut_width(tool.shape, design["depth"])
    if tool.kind == ToolKind.SAW:
        radius = tool.diameter / 2.0
        along_x = radius if machine.saw_blade_plane != "YZ" else width / 2.0
        along_y = radius if machine.saw_blade_plane != "XZ" else width / 2.0
    else:
        along_x = along_y = width / 2.0
    return x_min - along_x, x_max + along_x, y_min - along_y, y_max + along_y


def _collisions(tool: Tool, machine: Machine, fixture: Fixture, design: dict, xy: XY = None) -> list[str]:
    x_min, x_max, y_min, y_max = _footprint(tool, machine, design, xy)
    hits = []
    for clamp_ in fixture.clamps:
        if x_min < clamp_.x_max and clamp_.x_min < x_max and y_min < clamp_.y_max and clamp_.y_min < y_max:
            hits.append(
                f"{clamp_.name or 'a clamp'} at X {fmt(clamp_.x_min)}..{fmt(clamp_.x_max)} "
                f"Y {fmt(clamp_.y_min)}..{fmt(clamp_.y_max)}"
            )
    return hits


def check_clamps(tool: Tool, machine: Machine, fixture: Fixture, design: dict, xy: XY = None) -> Check:
    x_min, x_max, y_min, y_max = _footprint(tool, machine, design, xy)
    value = f"X {fmt(x_min)}..{fmt(x_max)}, Y {fmt(y_min)}..{fmt(y_max)}"
    hits = _collisions(tool, machine, fixture, design, xy)
    if hits:
        others = _fitting(tool, machine, design, fixture, xy)
        suggestions = [f"fixture {f.fixture_id!r} ({f.work_offset}) fits" for f in others]
        suggestions.append("place the design clear of the clamps")
        message = f"the cutter sweeps {value} (part coordinates) and would hit {'; '.join(hits)} of {fixture.label}"
        return Check(
            "CLAMP_CLEARANCE", CheckStatus.FAIL, message, value, f"{len(hits)} clamp(s)", 1.0, "mm", tuple(suggestions)
        )
    count = len(fixture.clamps)
    message = f"the cutter sweeps {value} (part coordinates), clear of the {count} clamp(s) of {fixture.label}"
    if count:
        message += f"; rapids at Z{fmt(path_bounds(tool, design, fixture, xy)[5])}, above the tallest clamp"
    return Check("CLAMP_CLEARANCE", CheckStatus.PASS, message, value, f"{count} clamp(s)", unit="mm")


# --------------------------------------------------------------------------------------------------------------
# The feature the design asks for
# --------------------------------------------------------------------------------------------------------------


def check_feature_width(tool: Tool, design: dict) -> Check:
    code = "FEATURE_WIDTH"
    width = geometry.cut_width(tool.shape, design["depth"])
    what = "kerf" if tool.kind == ToolKind.SAW else "V width at depth" if tool.kind == ToolKind.VBIT else "diameter"
    if design["shape"] == Shape.FRET_SLOTS:
        return _fret_slot_width(tool, width, what)
    feature = geometry.feature_width(design)
    if feature is None:
        return Check(
            code, CheckStatus.PASS, f"the slot is as wide as the cut ({what} {fmt(width)} mm)", width, unit="mm"
        )
    if width > feature + 1e-9:
        message = f"{what} {fmt(width)} mm is wider than the {design['shape']} ({fmt(feature)} mm)"
        suggestion = f"a tool cutting at most {fmt(feature)} mm wide"
        return Check(code, CheckStatus.FAIL, message, width, feature, 1.0, "mm", (suggestion,))
    message = f"{what} {fmt(width)} mm fits the {design['shape']} ({fmt(feature)} mm)"
    return Check(code, CheckStatus.PASS, message, width, feature, unit="mm")


def _fret_slot_width(tool: Tool, width: float, what: str) -> Check:
    low, high = FRET_SLOT_WIDTH_PASS_MM
    fail_low, fail_high = FRET_SLOT_WIDTH_FAIL_MM
    limit = f"{fmt(low)}-{fmt(high)}"
    suggestion = f"a tool cutting {limit} mm (a 0.58 mm fret-slotting end mill or a 0.6 mm fret saw)"
    rule = f"standard tangs want {limit} mm slots; below {fmt(fail_low)} or above {fmt(fail_high)} mm is no fret slot"
    if width > fail_high or width < fail_low:
        why = "the barbs cannot bite, the fret will not hold" if width > fail_high else "the tang will not seat"
        message = (
            f"{what} {fmt(width)} mm cuts fret slots {'wider' if width > fail_high else 'narrower'}: {why}; {rule}"
        )
        return Check("FEATURE_WIDTH", CheckStatus.FAIL, message, width, limit, 1.0, "mm", (suggestion,))
    if width > high:
        severity = clamp((width - high) / (fail_high - high), 0.0, 1.0)
        message = f"{what} {fmt(width)} mm is wider than a standard tang's slot: the fret may need glue; {rule}"
        return Check("FEATURE_WIDTH", CheckStatus.WARN, message, width, limit, severity, "mm", (suggestion,))
    if width < low:
        severity = clamp((low - width) / (low - fail_low), 0.0, 1.0)
        message = f"{what} {fmt(width)} mm is tight for a standard tang: the board may split; {rule}"
        return Check("FEATURE_WIDTH", CheckStatus.WARN, message, width, limit, severity, "mm", (suggestion,))
    return Check(
        "FEATURE_WIDTH", CheckStatus.PASS, f"{what} {fmt(width)} mm suits standard fret tangs", width, limit, unit="mm"
    )


def check_saw_slot_length(tool: Tool, design: dict) -> Check | None:
    """A blade's kerf at the surface runs a half-chord beyond each axis point: the axis travels the slot less
    both half-chords, and a slot shorter than the blade's chord at that depth cannot be cut."""
    if tool.kind != ToolKind.SAW or design["shape"] != Shape.SLOT:
        return None
    length = float(design["length"])
    chord = geometry.saw_half_chord(tool.diameter, design["depth"])
    travel = geometry.saw_slot_travel(length, chord)
    if travel < -1e-9:
        message = (
            f"a {fmt(tool.diameter)} mm blade {fmt(design['depth'])} mm deep cuts a kerf at least "
            f"{fmt(2 * chord)} mm long at the surface (twice its half-chord {fmt(chord)} mm): longer than the "
            f"{fmt(length)} mm slot"
        )
        suggestions = (f"length at least {fmt(2 * chord)} mm", "a router bit for a slot this short")
        return Check("SAW_SLOT_LENGTH", CheckStatus.FAIL, message, length, 2 * chord, 1.0, "mm", suggestions)
    message = (
        f"the axis travels {fmt(max(travel, 0.0))} mm so that the kerf at the surface is {fmt(length)} mm long "
        f"(half-chord {fmt(chord)} mm at {fmt(design['depth'])} mm deep at each end)"
    )
    return Check("SAW_SLOT_LENGTH", CheckStatus.PASS, message, length, 2 * chord, unit="mm")


def check_fret_slot_depth(design: dict) -> Check | None:
    if design["shape"] != Shape.FRET_SLOTS:
        return None
    depth = design["depth"]
    if depth < FRET_SLOT_MIN_DEPTH_MM - 1e-9:
        message = (
            f"fret slots {fmt(depth)} mm deep are shallower than a standard tang needs "
            f"({fmt(FRET_SLOT_MIN_DEPTH_MM)} mm; slot depth gauges mark 1.5-1.9 mm): the fret will not seat"
        )
        suggestion = f"depth at least {fmt(FRET_SLOT_MIN_DEPTH_MM)} mm"
        return Check(
            "FRET_SLOT_DEPTH", CheckStatus.FAIL, message, depth, FRET_SLOT_MIN_DEPTH_MM, 1.0, "mm", (suggestion,)
        )
    message = f"fret slots {fmt(depth)} mm deep take a standard tang (at least {fmt(FRET_SLOT_MIN_DEPTH_MM)} mm)"
    if design.get("radius") is not None:
        message += "; the slot bottom follows the radiused top, this deep below it at every point"
    return Check("FRET_SLOT_DEPTH", CheckStatus.PASS, message, depth, FRET_SLOT_MIN_DEPTH_MM, unit="mm")
