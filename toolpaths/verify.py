"""An independent check of G-code text before it may reach a machine.

It interprets exactly the subset ``toolpaths.gcode`` writes (G0 G1 G2 G3 G4 G17 G21 G90 G54-G59, M3 M5 M30, words
X Y Z I J F S P, comments in parentheses or after ';') from the text itself, not from the move list, so a
fault anywhere between generation and delivery is caught. Anything outside the subset is a problem rather
than something to guess about. It never raises on any text.

Positions are checked in work coordinates against the machine's soft limits less the work zero of the fixture
the cut was judged on (its origin, the stock top in Z), and the program must select that fixture's offset.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from feasibility import geometry
from feasibility.enums import WorkOffset
from toolpaths.gcode import MIN_ARC_RADIUS_MM, arc_extent, format_number, work_fixture

# Stable phrases, one per kind of problem, so callers and tests can tell problems apart.
UNPARSEABLE = "unparseable line"
UNKNOWN_WORD = "unknown word"
BAD_STATEMENT = "invalid statement"
MODES_NOT_SET = "motion before G21 G90 G17 and a work offset"
WRONG_WORK_OFFSET = "wrong work offset"
NO_FIXTURE = "no fixture to check against"
RAPID_INTO_STOCK = "rapid into stock"
RAPID_XY_BELOW_SAFE_Z = "rapid XY move below safe Z"
SPINDLE_OFF_CUT = "cut with spindle off"
SPINDLE_SPEED = "spindle speed outside machine range"
NO_FEED = "cutting move without a feed"
FEED_ABOVE_MAX = "feed above machine max"
OUTSIDE_ENVELOPE = "outside machine envelope"
TOO_DEEP = "deeper than design depth"
BAD_ARC = "invalid arc"
MISSING_M30 = "program does not end with M30"
NO_M5_BEFORE_M30 = "M5 not immediately before M30"
NOT_RETRACTED = "program ends below safe Z"
MORE_PROBLEMS = "more problems not listed"

MAX_PROBLEMS = 100
TOLERANCE_MM = 1e-6
# GRBL and LinuxCNC reject arcs whose start and end radii differ by more than about this much.
ARC_RADIUS_TOLERANCE_MM = 0.005

# The atomic group stops a long run of digits from being re-split on a failed match, which would take
# time quadratic in the line length.
_NUMBER = r"(?>[-+]?(?:\d+(?:\.\d*)?|\.\d+))"
_COMMENT = re.compile(r"\([^()]*\)|;.*")
_STATEMENT = re.compile(rf"(?:\s*[A-Za-z]\s*{_NUMBER})*\s*")
_WORD = re.compile(rf"([A-Za-z])\s*({_NUMBER})")

KNOWN_G = {0: "G0", 1: "G1", 2: "G2", 3: "G3", 4: "G4", 17: "G17", 21: "G21", 90: "G90"}
WORK_OFFSET_CODES = {int(code.value[1:]): code.value for code in WorkOffset}
KNOWN_G |= WORK_OFFSET_CODES
KNOWN_M = {3: "M3", 5: "M5", 30: "M30"}
MOTION = (0, 1, 2, 3)
PARAMETERS = frozenset("XYZIJFSP")
AXES = ("X", "Y", "Z")


@dataclass(frozen=True, slots=True)
class _Limits:
    x: tuple[float, float]
    y: tuple[float, float]
    z: tuple[float, float]
    deepest: float
    safe_z: float
    max_feed_xy: float
    max_feed_z: float
    rpm: tuple[float, float]
    work_offset: int


def verify(gcode_text: str, *, design: dict, cut: dict, machine: dict) -> list[str]:
    """Problems found in the program, each naming its line; an empty list means the program is fit to run."""
    limits = _limits(design, cut, machine)
    if limits is None:
        wanted = cut.get("fixture_id") or "marked default"
        return [f"{NO_FIXTURE}: machine {machine.get('machine_id')!r} has no usable fixture {wanted!r}"]
    state = _State()
    problems: list[str] = []
    for number, raw in enumerate(gcode_text.splitlines(), start=1):
        for problem in _run_line(raw, state, limits):
            problems.append(f"line {number}: {problem}")
    problems.extend(_end_problems(state, limits))
    if len(problems) > MAX_PROBLEMS:
        hidden = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], f"{hidden} {MORE_PROBLEMS}"]
    return problems


def _limits(design: dict, cut: dict, machine: dict) -> _Limits | None:
    try:
        fixture = work_fixture(cut, machine)
    except ValueError:
        return None
    codes = {name: code for code, name in WORK_OFFSET_CODES.items()}
    stock = float(cut["stock_thickness_mm"])
    # Work zero in machine coordinates: the datum in XY, the stock top (the fixture bed plus the stock) in Z.
    zero = (float(fixture["origin_x_mm"]), float(fixture["origin_y_mm"]), float(fixture["origin_z_mm"]) + stock)

    def axis(name: str, index: int) -> tuple[float, float]:
        return float(machine[f"soft_{name}_min_mm"]) - zero[index], float(machine[f"soft_{name}_max_mm"]) - zero[index]

    return _Limits(
        x=axis("x", 0),
        y=axis("y", 1),
        # Nor below the stock's underside: that is the fixture.
        z=(max(axis("z", 2)[0], -stock), axis("z", 2)[1]),
        # The shallower of the two, so neither the design nor the judged cut is exceeded.
        # On a radiused fret board, the slot's depth below the top where the top lies lowest.
        deepest=-min(float(design["depth"]), float(cut["depth_mm"])) - geometry.surface_drop(design),
        safe_z=float(cut["safe_z_mm"]),
        max_feed_xy=float(machine["max_feed_xy_mm_min"]),
        max_feed_z=float(machine["max_feed_z_mm_min"]),
        rpm=(float(machine["rpm_min"]), float(machine["rpm_max"])),
        work_offset=codes[fixture["work_offset"]],
    )


@dataclass(slots=True)
class _State:
    """The interpreter's modal state; an axis is None until the program sets it."""

    position: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(AXES))
    motion: int | None = None
    modes: set[int] = field(default_factory=set)
    work_offset: int | None = None
    feed: float | None = None
    speed: float | None = None
    spindle_on: bool = False
    previous_m: set[int] = field(default_factory=set)
    last_m: set[int] = field(default_factory=set)
    ended: bool = False
    code_after_end: bool = False


def _parse(raw: str) -> tuple[list[tuple[str, float]], str | None]:
    code = _COMMENT.sub(" ", raw)
    if not _STATEMENT.fullmatch(code):
        return [], f"{UNPARSEABLE}: {raw.strip()[:60]!r}"
    words = [(letter.upper(), float(value)) for letter, value in _WORD.findall(code)]
    if any(not math.isfinite(value) for _, value in words):
        return [], f"{UNPARSEABLE}: number out of range"
    return words, None


def _run_line(raw: str, state: _State, limits: _Limits) -> list[str]:
    words, error = _parse(raw)
    if error:
        return [error]
    if not words:
        return []
    if state.ended:
        state.code_after_end = True
    problems: list[str] = []
    g_codes, m_codes, params = _classify(words, problems)
    if problems:
        return problems
    problems.extend(_check_statement(g_codes, m_codes, params, state))
    if problems:
        return problems

    if "F" in params:
        state.feed = params["F"]
    if "S" in params:
        state.speed = params["S"]
    if 5 in m_codes:
        state.spindle_on = False
    if 3 in m_codes:
        state.spindle_on = True
    if state.spindle_on and ("S" in params or 3 in m_codes):
        problems.extend(_spindle_problems(state.speed, limits))
    state.modes.update(g for g in g_codes if g in (17, 21, 90))
    for code in (g for g in g_codes if g in WORK_OFFSET_CODES):
        state.work_offset = code
        if code != limits.work_offset:
            wanted = WORK_OFFSET_CODES[limits.work_offset]
            problems.append(f"{WRONG_WORK_OFFSET}: G{code} selected, the cut was judged on {wanted}")
    motion = [g for g in g_codes if g in MOTION]
    if motion:
        state.motion = motion[0]
    if any(axis in params for axis in AXES):
        problems.extend(_move(state, params, limits))
    if 30 in m_codes:
        state.ended = True
    state.previous_m, state.last_m = state.last_m, set(m_codes)
    return problems


def _classify(words: list[tuple[str, float]], problems: list[str]) -> tuple[list[int], list[int], dict]:
    g_codes: list[int] = []
    m_codes: list[int] = []
    params: dict[str, float] = {}
    for letter, value in words:
        word = f"{letter}{format_number(value)}"
        if letter in "GM":
            known = KNOWN_G if letter == "G" else KNOWN_M
            if value != int(value) or int(value) not in known:
                problems.append(f"{UNKNOWN_WORD} {word}")
            else:
                (g_codes if letter == "G" else m_codes).append(int(value))
        elif letter not in PARAMETERS:
            problems.append(f"{UNKNOWN_WORD} {word}")
        elif letter in params:
            problems.append(f"{BAD_STATEMENT}: {letter} given twice")
        else:
            params[letter] = value
    return g_codes, m_codes, params


def _check_statement(g_codes: list[int], m_codes: list[int], params: dict, state: _State) -> list[str]:
    problems = []
    motion = [g for g in g_codes if g in MOTION]
    if len(motion) > 1 or (motion and 4 in g_codes):
        problems.append(f"{BAD_STATEMENT}: more than one motion or dwell on a line")
    if len(m_codes) > 1:
        problems.append(f"{BAD_STATEMENT}: more than one M code on a line")
    if 4 in g_codes and (params.get("P", -1.0) < 0 or any(axis in params for axis in AXES)):
        problems.append(f"{BAD_STATEMENT}: G4 needs a dwell P >= 0 and no axis words")
    if "P" in params and 4 not in g_codes:
        problems.append(f"{BAD_STATEMENT}: P without G4")
    current = motion[0] if motion else state.motion
    if ("I" in params or "J" in params) and current not in (2, 3):
        problems.append(f"{BAD_STATEMENT}: I/J outside an arc")
    if "F" in params and params["F"] <= 0:
        problems.append(f"{BAD_STATEMENT}: feed must be positive")
    if "S" in params and params["S"] < 0:
        problems.append(f"{BAD_STATEMENT}: spindle speed must not be negative")
    return problems


def _spindle_problems(speed: float | None, limits: _Limits) -> list[str]:
    low, high = limits.rpm
    if speed is None or not low <= speed <= high:
        shown = "none" if speed is None else format_number(speed)
        return [f"{SPINDLE_SPEED}: S{shown} not in {format_number(low)}..{format_number(high)}"]
    return []


def _move(state: _State, params: dict, limits: _Limits) -> list[str]:
    if state.motion is None:
        return [f"{BAD_STATEMENT}: axis words with no motion mode"]
    # Without the modes set the numbers may mean inches, increments or another fixture's coordinates; still
    # check them as millimetres on this fixture.
    problems = [] if {17, 21, 90} <= state.modes and state.work_offset is not None else [MODES_NOT_SET]
    start = dict(state.position)
    end = {axis: params.get(axis, start[axis]) for axis in AXES}
    state.position = end
    if state.motion == 0:
        problems.extend(_rapid_problems(start, end, limits))
        box = _line_box(end)
    else:
        problems.extend(_cut_problems(start, end, state, limits))
        if state.motion in (2, 3):
            arc_problems, box = _arc(start, end, params, state.motion == 3)
            problems.extend(arc_problems)
        else:
            box = _line_box(end)
    problems.extend(_envelope_problems(box, limits))
    return problems


def _rapid_problems(start: dict, end: dict, limits: _Limits) -> list[str]:
    problems = []
    if end["Z"] is not None and end["Z"] < -TOLERANCE_MM:
        problems.append(f"{RAPID_INTO_STOCK}: G0 ends at Z{format_number(end['Z'])}, below Z0")
    moves_xy = start["X"] != end["X"] or start["Y"] != end["Y"]
    if moves_xy:
        lowest = min((z for z in (start["Z"], end["Z"]) if z is not None), default=None)
        if lowest is None or lowest < limits.safe_z - TOLERANCE_MM:
            safe = format_number(limits.safe_z)
            problems.append(f"{RAPID_XY_BELOW_SAFE_Z}: {_z_text(lowest)} < safe Z{safe}")
    return problems


def _cut_problems(start: dict, end: dict, state: _State, limits: _Limits) -> list[str]:
    problems = []
    if state.feed is None:
        problems.append(NO_FEED)
    zs = [z for z in (start["Z"], end["Z"]) if z is not None]
    if not state.spindle_on and (not zs or min(zs) < -TOLERANCE_MM):
        problems.append(f"{SPINDLE_OFF_CUT}: G{state.motion} below Z0 or at an unknown Z")
    if state.feed is not None:
        problems.extend(_feed_problems(start, end, state.feed, state.motion in (2, 3), limits))
    return problems


def _feed_problems(start: dict, end: dict, feed: float, arc: bool, limits: _Limits) -> list[str]:
    # An axis whose start is unknown counts as moving: the worse case.
    moves_xy = arc or start["X"] != end["X"] or start["Y"] != end["Y"]
    problems = []
    if moves_xy and feed > limits.max_feed_xy + TOLERANCE_MM:
        problems.append(f"{FEED_ABOVE_MAX}: F{format_number(feed)} > XY {format_number(limits.max_feed_xy)}")
    if start["Z"] != end["Z"]:
        z_rate = feed
        if moves_xy and not arc and None not in (*start.values(), *end.values()):
            # On a combined XY and Z line the Z axis moves at its share of the feed.
            dz = abs(end["Z"] - start["Z"])
            z_rate = feed * dz / math.hypot(end["X"] - start["X"], end["Y"] - start["Y"], dz)
        if z_rate > limits.max_feed_z + TOLERANCE_MM:
            limit = format_number(limits.max_feed_z)
            problems.append(f"{FEED_ABOVE_MAX}: Z at {format_number(z_rate)} > Z {limit}")
    return problems


def _arc(start: dict, end: dict, params: dict, ccw: bool) -> tuple[list[str], tuple]:
    if start["X"] is None or start["Y"] is None:
        return [f"{BAD_ARC}: arc from an unknown XY position"], _line_box(end)
    if "I" not in params and "J" not in params:
        return [f"{BAD_ARC}: G2/G3 without I or J"], _line_box(end)
    sx, sy, ex, ey = start["X"], start["Y"], end["X"], end["Y"]
    cx, cy = sx + params.get("I", 0.0), sy + params.get("J", 0.0)
    r_start, r_end = math.hypot(sx - cx, sy - cy), math.hypot(ex - cx, ey - cy)
    if min(r_start, r_end) < MIN_ARC_RADIUS_MM:
        radii = f"{format_number(r_start)} at the start, {format_number(r_end)} at the end"
        return [f"{BAD_ARC}: radius below {format_number(MIN_ARC_RADIUS_MM)} ({radii})"], _line_box(end)
    if math.hypot(ex - sx, ey - sy) <= TOLERANCE_MM:
        # Controllers disagree on what an arc ending where it starts means (GRBL and LinuxCNC read a full turn,
        # others nothing), and interpreters refuse it once rounding moves the end: never written as one arc.
        return [f"{BAD_ARC}: a full circle as one arc"], _line_box(end)
    problems = []
    if abs(r_start - r_end) > ARC_RADIUS_TOLERANCE_MM:
        radii = f"{format_number(r_start)} at the start, {format_number(r_end)} at the end"
        problems.append(f"{BAD_ARC}: radius {radii}")
    x_min, x_max, y_min, y_max = arc_extent(sx, sy, ex, ey, cx, cy, ccw=ccw)
    zs = [z for z in (start["Z"], end["Z"]) if z is not None]
    z_box = (min(zs), max(zs)) if zs else (None, None)
    return problems, (x_min, x_max, y_min, y_max, *z_box)


def _line_box(end: dict) -> tuple:
    # The envelope is a box, hence convex: a straight move stays inside when both ends do, and the
    # start was checked as the previous move's end.
    return (end["X"], end["X"], end["Y"], end["Y"], end["Z"], end["Z"])


def _envelope_problems(box: tuple, limits: _Limits) -> list[str]:
    problems = []
    ranges = (limits.x, limits.y, limits.z)
    for axis, low, high, (lower, upper) in zip(AXES, box[0::2], box[1::2], ranges, strict=True):
        if low is None:
            continue
        if low < lower - TOLERANCE_MM or high > upper + TOLERANCE_MM:
            problems.append(
                f"{OUTSIDE_ENVELOPE}: {axis} reaches {format_number(low)}..{format_number(high)}, "
                f"travel {format_number(lower)}..{format_number(upper)}"
            )
    if box[4] is not None and box[4] < limits.deepest - TOLERANCE_MM:
        problems.append(f"{TOO_DEEP}: Z{format_number(box[4])} < {format_number(limits.deepest)}")
    return problems


def _end_problems(state: _State, limits: _Limits) -> list[str]:
    if not state.ended or state.code_after_end:
        return [MISSING_M30]
    problems = []
    if 5 not in state.previous_m:
        problems.append(NO_M5_BEFORE_M30)
    z = state.position["Z"]
    if z is None or z < limits.safe_z - TOLERANCE_MM:
        problems.append(f"{NOT_RETRACTED}: {_z_text(z)}")
    return problems


def _z_text(z: float | None) -> str:
    return "Z unknown" if z is None else f"Z{format_number(z)}"
