"""The shop policy's bounds on one job's work (docs/feasibility.md, "Bounded work"): judged before anything is
generated, so a job that would ask the server for megabytes of G-code and weeks of spindle time is refused
in the time it takes to judge it.

``estimate`` counts, from the geometry the generator cuts (``feasibility.geometry.plan``) and the resolved cut
as the generator receives it (``Job.as_cut``, rounded to the output grid), an upper bound of the program's moves, its
bytes and its estimated run time (the run time ``toolpaths.summary`` reports: feed-limited cutting plus
rapids). It follows the generator's strategy per shape, never its code: the generator imports the geometry,
not the engine, and a test holds the estimate above the real program for a sample of jobs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from feasibility import geometry
from feasibility.engine.common import Check, finite, fmt, num
from feasibility.engine.job import Job
from feasibility.engine.tables import DEFAULT_POLICY, MOVE_WORD_BYTES, POLICY_BOUNDS, PROGRAM_HEADER_BYTES
from feasibility.enums import CheckStatus

# Counts beyond this are reported as it: the job fails long before, and the arithmetic stays finite.
COUNT_CAP = 1e12
# Slack for the output grid: quantised arc radii and corners are at most half a unit in the last place off.
GRID_SLACK_MM = 0.002
EPS = 1e-9


@dataclass(frozen=True)
class Estimate:
    """An upper bound of what the generator would write for a job."""

    levels: float  # depth levels (passes)
    moves: float
    gcode_bytes: float
    time_s: float


def read_policy(policy: dict | None) -> dict[str, float]:
    """The policy's limits, each a number within its bounds; a missing or malformed value is the default (the
    policy row is validated by its model constraints, so this only guards a plug-in caller)."""
    policy = policy if isinstance(policy, dict) else {}
    limits = {}
    for key in ("max_moves", "max_gcode_bytes", "max_cutting_time_s", "min_stepdown_mm"):
        value = num(policy.get(key))
        low, high = POLICY_BOUNDS[key]
        limits[key] = value if value is not None and low <= value <= high else float(DEFAULT_POLICY[key])
    return limits


def _levels(depth: float, stepdown: float) -> float:
    quotient = depth / stepdown if stepdown > 0 else math.inf
    if not quotient < COUNT_CAP:
        return COUNT_CAP
    return max(1.0, float(math.ceil(quotient - EPS)))


def _count(span: float, step: float) -> float:
    """How many values ``geometry.spaced`` puts across ``span``, ends included."""
    if span <= 1e-9:
        return 1.0
    quotient = span / step if step > 0 else math.inf
    if not quotient < COUNT_CAP:
        return COUNT_CAP
    return float(math.ceil(quotient - 1e-9)) + 1.0


def _chars(value: float) -> int:
    """The longest a number of this magnitude is written: sign, digits, point and three decimals."""
    return len(f"{-abs(value):.3f}")


def estimate(
    design: dict,
    cut: dict,
    tool: geometry.ToolShape,
    *,
    max_feed_xy: float,
    max_feed_z: float,
    park_travel: float = 0.0,
) -> Estimate | None:
    """The upper bound for a normalised ``design`` cut by ``tool`` with ``cut`` as the generator receives it
    (``Job.as_cut``: rounded to the output grid), on a machine with these feed limits; None when the cut has
    values the generator refuses (the cut checks fail those already)."""
    keys = ("stepdown_mm", "stepover_mm", "feed_mm_min", "plunge_mm_min", "safe_z_mm")
    values = {key: num(cut.get(key)) for key in keys}
    if any(value is None or value <= 0 for value in values.values()):
        return None
    cut = {
        "stepdown": values["stepdown_mm"],
        "stepover": values["stepover_mm"],
        "feed": values["feed_mm_min"],
        "plunge": values["plunge_mm_min"],
        "safe_z": values["safe_z_mm"],
    }
    depth = float(design["depth"])
    safe = cut["safe_z"]
    width = geometry.cut_width(tool, depth)
    stepover = min(cut["stepover"], width) if width > 0 else cut["stepover"]
    levels = _levels(depth, cut["stepdown"])
    plan = geometry.plan(design, tool)
    x_min, x_max, y_min, y_max = plan.bounds()
    diagonal = math.hypot(x_max - x_min, y_max - y_min) + GRID_SLACK_MM
    # One descent from the clearance plane to the full depth at the plunge feed, and one rapid climb back, per
    # entry: levels only go down between entries, so every level's plunge is inside that one descent.
    descent = safe + depth

    if plan.kind == "raster":
        half_x, half_y = plan.half
        half_u, half_v = max(half_x, half_y), min(half_x, half_y)
        rows = _count(2 * half_v, stepover)
        moves = 3 + levels * (1 + 2 * rows + 4)
        per_level = rows * 2 * half_u + 2 * half_v + 4 * (half_u + half_v) + diagonal + 8 * GRID_SLACK_MM
        cut_xy, entries, rapid_xy = levels * per_level, 1.0, 0.0
    elif plan.kind == "concentric":
        inner, outer = plan.radii
        circles = _count(outer - inner, stepover)
        moves = 3 + levels * (1 + 3 * circles)
        # Evenly spaced radii: their mean is the middle radius.
        per_level = circles * math.pi * (inner + outer + 2 * GRID_SLACK_MM) + (outer - inner) + GRID_SLACK_MM
        cut_xy, entries, rapid_xy = levels * per_level, 1.0, 0.0
    else:
        lines = float(len(plan.lines))
        length = sum(math.dist(start, end) for start, end in plan.lines) + lines * GRID_SLACK_MM
        moves = 2 + lines * (2 + 2 * levels)
        # The rapid between two lines joins an end of one to an end of the next, in the plan's order.
        hops = sum(
            max(math.dist(a, b) for a in first for b in second) + GRID_SLACK_MM
            for first, second in zip(plan.lines, plan.lines[1:], strict=False)
        )
        cut_xy, entries, rapid_xy = levels * length, lines, hops

    feed_xy = min(cut["feed"], max_feed_xy)
    feed_z = min(cut["plunge"], max_feed_z)
    minutes = cut_xy / feed_xy + entries * descent / feed_z
    minutes += rapid_xy / max_feed_xy + entries * descent / max_feed_z
    ramp_moves, ramp_minutes = _entries(plan, design, tool, {**cut, "feed": feed_xy}, levels, stepover)
    moves += ramp_moves
    minutes += ramp_minutes
    # A feature ends with a lift to the retract plane and the program climbs to the clearance plane before it
    # parks: two more moves, each at most a descent at the rapid rate.
    moves += 2
    minutes += 2 * descent / max_feed_z
    # The closing park lifts at most ``park_travel`` (the Z travel) at the rapid rate: one more move.
    if park_travel > 0:
        moves += 1
        minutes += park_travel / max_feed_z
    magnitude = max(abs(x_min), abs(x_max), abs(y_min), abs(y_max), x_max - x_min, y_max - y_min, safe, depth) + 1
    # A move writes at most X Y Z (straight moves) or X Y Z I J (arcs), and a feed word.
    numbers = 5 if plan.kind == "concentric" else 3
    line_bytes = MOVE_WORD_BYTES + numbers * _chars(magnitude) + _chars(max(cut["feed"], cut["plunge"]))
    return Estimate(
        levels=levels,
        moves=moves,
        gcode_bytes=PROGRAM_HEADER_BYTES + moves * line_bytes,
        time_s=minutes * 60.0,
    )


def _entries(plan, design: dict, tool: geometry.ToolShape, cut: dict, levels: float, stepover: float):
    """(moves, minutes) that ramped or helical entries add, for a bit that may not plunge (the generator's rule,
    ``geometry.may_plunge``); a saw enters edge-first or beside the board, and fret slots step down beside it.

    Each level enters once, dropping at most a stepdown (the first from the approach height): a ramp runs there
    and back along a leg (a pocket's row, a slot), a helix turns in half circles about the centre on the
    smallest radius wide enough or the outer circle. ``geometry.entry_legs`` counts the legs."""
    if tool.kind == "saw" or (plan.kind == "lines" and design.get("shape") != "slot"):
        return 0, 0.0
    if geometry.may_plunge(tool.diameter, cut["stepdown"]):
        return 0, 0.0
    shortest = geometry.min_entry(tool.diameter)
    count = max(1, round(levels))
    if plan.kind == "concentric":
        wide = [r for r in geometry.spaced(*plan.radii, stepover) if r >= shortest - GRID_SLACK_MM]
        small = max(min(wide, default=shortest), shortest)
        outer = max(plan.radii)
        # Levels alternate outward and inward: an outward level enters on the smallest radius wide enough, an
        # inward one on the outer circle when that is wide enough.
        radii = [small if index % 2 == 0 or outer < shortest else outer for index in range(count)]
        # The longest half circle; the tool goes out to the helix radius and back along a radius.
        leg, reach = math.pi * outer, 2 * outer
    else:
        leg = 2 * max(plan.half) if plan.kind == "raster" else max(math.dist(a, b) for a, b in plan.lines)
        radii, reach = [max(leg, shortest)] * count, 0.0
    # The first level drops from the approach height, the others a stepdown.
    drops = [cut["stepdown"] + (geometry.APPROACH_MM if index == 0 else 0.0) for index in range(count)]
    legs = sum(geometry.entry_legs(drop, radius) for drop, radius in zip(drops, radii, strict=True))
    return _entry_cost(count, legs, leg, reach, cut)


def _entry_cost(levels: int, legs: int, leg: float, reach: float, cut: dict) -> tuple[float, float]:
    """All levels' legs, and two moves a level out to the entry point and back (``reach`` mm at the feed); a
    level's legs travel at most drop / tan(angle) + 2 x leg, at the ramp feed (the feed, or slower where the
    plunge feed holds the Z share back)."""
    drop = cut["stepdown"] + geometry.APPROACH_MM
    tan = math.tan(math.radians(geometry.ENTRY_ANGLE_DEG))
    ramp_feed = min(cut["feed"], cut["plunge"] / math.sin(math.radians(geometry.ENTRY_ANGLE_DEG)))
    # Horizontal travel, then along the slope (a leg climbs or falls at most the entry angle).
    travel = (drop / tan + 2 * (leg + GRID_SLACK_MM)) / math.cos(math.radians(geometry.ENTRY_ANGLE_DEG))
    return legs + 2 * levels, levels * (travel / ramp_feed + (reach + GRID_SLACK_MM) / cut["feed"])


def outline_estimate(job: Job, *, park_travel: float) -> Estimate | None:
    """An outline's program, counted from its planned toolpath (``geometry.outline_plan``): the moves the
    generator writes from its segments plus the program's own (opening retract, approach, closing lift, park),
    its feeds' times by kind of move, rapids at the machine's rates. None when nothing was planned (the drawing
    failed: OUTLINE_DRAWING says why)."""
    toolpath = (job.outline or {}).get("toolpath")
    if toolpath is None:
        return None
    cut = job.as_cut()
    machine = job.machine
    feed = min(cut["feed_mm_min"], machine.max_feed_xy)
    plunge = min(cut["plunge_mm_min"], machine.max_feed_z)
    ramp = min(feed, plunge / math.sin(math.radians(geometry.ENTRY_ANGLE_DEG)))
    lengths = toolpath["length_by_kind_mm"]
    minutes = lengths["cut"] / feed + lengths["ramp"] / ramp + lengths["plunge"] / plunge
    minutes += lengths["rapid"] / min(machine.max_feed_xy, machine.max_feed_z)
    # Each descent from the clearance plane gains a rapid approach to just above the stock.
    descents = sum(1 for segment in toolpath["segments"] if segment["kind"] == "plunge")
    moves = toolpath["moves"] + descents + 4 + (1 if park_travel > 0 else 0)
    minutes += (2 * (cut["safe_z_mm"] + job.depth) + park_travel) / machine.max_feed_z
    box = toolpath["bounds"]
    x, y = job.design["x"], job.design["y"]
    magnitude = max(abs(box["x_min"] + x), abs(box["x_max"] + x), abs(box["y_min"] + y), abs(box["y_max"] + y))
    line_bytes = MOVE_WORD_BYTES + 3 * _chars(max(magnitude, cut["safe_z_mm"], job.depth) + 1)
    line_bytes += _chars(max(cut["feed_mm_min"], cut["plunge_mm_min"]))
    return Estimate(
        levels=toolpath["passes"], moves=moves, gcode_bytes=PROGRAM_HEADER_BYTES + moves * line_bytes,
        time_s=minutes * 60.0,
    )  # fmt: skip


def _quantity(value: float, unit: str) -> str:
    return f"{fmt(value)} {unit}" if finite(value) and value < COUNT_CAP else f"more than {fmt(COUNT_CAP)} {unit}"


def check_program_size(job: Job, policy: dict | None) -> Check | None:
    """PROGRAM_SIZE: the estimated moves, G-code bytes and run time against the shop's limits. Fails on the
    first limit exceeded (moves, bytes, time), naming every one exceeded."""
    machine = job.machine
    if job.design["shape"] == "outline":
        found = outline_estimate(job, park_travel=machine.limits_z[1] - machine.limits_z[0])
    else:
        found = estimate(
            job.design,
            job.as_cut(),
            job.tool.shape,
            max_feed_xy=machine.max_feed_xy,
            max_feed_z=machine.max_feed_z,
            park_travel=machine.limits_z[1] - machine.limits_z[0],
        )
    if found is None:
        return None
    limits = read_policy(policy)
    figures = (
        ("max_moves", found.moves, "moves"),
        ("max_gcode_bytes", found.gcode_bytes, "bytes"),
        ("max_cutting_time_s", found.time_s, "s"),
    )
    summary = ", ".join(_quantity(value, unit) for _, value, unit in figures)
    exceeded = [(key, value, unit) for key, value, unit in figures if value > limits[key]]
    if not exceeded:
        return Check(
            "PROGRAM_SIZE",
            CheckStatus.PASS,
            f"estimated program: {summary}; within the shop's limits",
            found.moves,
            limits["max_moves"],
            unit="moves",
        )
    key, value, unit = exceeded[0]
    named = "; ".join(
        f"{_quantity(amount, measure)} over the shop's limit of {fmt(limits[name])} ({name})"
        for name, amount, measure in exceeded
    )
    # Every figure grows about linearly with the passes: the stepdown that would bring the worst one under.
    worst = max(amount / limits[name] for name, amount, _ in exceeded)
    suggestions = []
    passes = max(1, math.floor(found.levels / worst)) if finite(worst) and worst > 0 else 1
    if found.levels > 1 and passes < found.levels:
        suggestions.append(
            f"stepdown_mm: {fmt(math.ceil(job.depth / passes * 1000) / 1000)} ({passes} passes instead of "
            f"{fmt(found.levels)})"
        )
    suggestions.append("Use fewer passes or a larger stepover where the cut allows it.")
    suggestions.append("Split the job into smaller features, each its own program.")
    return Check(
        "PROGRAM_SIZE",
        CheckStatus.FAIL,
        f"estimated program too large: {named}",
        value,
        limits[key],
        1.0,
        unit,
        tuple(suggestions),
    )


def check_min_stepdown(job: Job, policy: dict | None) -> Check:
    """MIN_STEPDOWN: a job cut in more than one pass may not step down less than the shop's minimum (a single
    pass shallower than it is just a shallow cut)."""
    minimum = read_policy(policy)["min_stepdown_mm"]
    stepdown = job.stepdown
    multi_pass = finite(stepdown) and job.depth > stepdown + EPS
    if not multi_pass or stepdown >= minimum - EPS:
        return Check(
            "MIN_STEPDOWN",
            CheckStatus.PASS,
            f"{fmt(job.pass_depth)} mm per pass ({job.sources['stepdown_mm']}); shop minimum {fmt(minimum)} mm",
            job.pass_depth,
            minimum,
            unit="mm",
        )
    return Check(
        "MIN_STEPDOWN",
        CheckStatus.FAIL,
        f"{fmt(stepdown)} mm per pass ({job.sources['stepdown_mm']}) is below the shop's minimum stepdown of "
        f"{fmt(minimum)} mm (min_stepdown_mm)",
        stepdown,
        minimum,
        1.0,
        "mm",
        (f"stepdown_mm: {fmt(minimum)} or more", "Leave stepdown_mm out to use the registry's stepdown."),
    )


def policy_checks(job: Job, policy: dict | None) -> list[Check]:
    checks = [check_min_stepdown(job, policy), check_program_size(job, policy)]
    return [check for check in checks if check is not None]
