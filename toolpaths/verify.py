"""An independent check of G-code text before it may reach a machine.

It interprets exactly the subset ``toolpaths.gcode`` and its posts write (G0 G1 G2 G3 G4 G17 G21 G40 G43 G49 G80
G90 G91.1 G94 G54-G59, M0 M2 M3 M5 M6 M30, words X Y Z I J F S P T H, comments in parentheses or after ';') from
the text itself, not from the move list, so a fault anywhere between generation and delivery is caught.
Anything outside the subset is a problem rather than something to guess about. It never raises on any text.

Long module: one interpreter, its state and every check it makes of a line, with the steady path that settles
most moves by the same conditions; split, the two readings of a move would drift apart.

It reads the text as the post's controller would (``toolpaths.posts``): dwell units, line length, and, for a
controller without a tool table (GRBL), no tool-change or tool-table words. Positions are checked in work
coordinates against the machine's soft limits less the work zero of the fixture the cut was judged on (its
origin, the stock top in Z), and the program must select that fixture's offset. Before the first cut the
program must have set every modal group an earlier program could have left (the safety line), selected its
tool (a tool change with its length offset, or a touch-off stop) and waited the machine's spindle ramp after
starting the spindle; rapids must clear the fixture's clamps.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from feasibility import geometry
from feasibility.engine.tables import MAX_THROUGH_ALLOWANCE_MM
from feasibility.enums import WorkOffset
from toolpaths import posts
from toolpaths.gcode import (
    DEFAULT_SPINDLE_RAMP_S,
    MIN_ARC_RADIUS_MM,
    MIN_DWELL_S,
    RETRACT_ABOVE_STOCK_MM,
    arc_extent,
    arc_sweep,
    clamp_zones,
    format_number,
    segment_meets_box,
    work_fixture,
)
from toolpaths.posts import Post

# Stable phrases, one per kind of problem, so callers and tests can tell problems apart.
UNPARSEABLE = "unparseable line"
UNKNOWN_WORD = "unknown word"
BAD_STATEMENT = "invalid statement"
MODES_NOT_SET = "motion before the safety line (G21 G90 G91.1 G94 G40 G49 G80 G17) and a work offset"
PLANE_BEFORE_G40 = "G17 before cutter compensation was cancelled on an earlier line"
NO_TOOL = "cut before a tool was selected (Tn M6 G43 Hn, or a touch-off stop M0)"
TOOL_MISMATCH = "length offset H differs from the tool loaded"
NO_SPINDLE_WAIT = "cut before the spindle had time to reach speed"
RAPID_NEAR_CLAMP = "rapid below the clearance plane over a clamp"
POST_REJECTS = "word the post's controller rejects"
LINE_TOO_LONG = "line longer than the controller reads"
NOT_ASCII = "character the controller may not read"
WRONG_WORK_OFFSET = "wrong work offset"
NO_FIXTURE = "no fixture to check against"
RAPID_INTO_STOCK = "rapid into stock"
RAPID_XY_BELOW_SAFE_Z = "rapid XY move below safe Z or the retract plane"
SPINDLE_OFF_CUT = "cut with spindle off"
SPINDLE_SPEED = "spindle speed outside machine range"
NO_FEED = "cutting move without a feed"
FEED_ABOVE_MAX = "feed above machine max"
OUTSIDE_ENVELOPE = "outside machine envelope"
TOO_DEEP = "deeper than design depth"
BAD_ARC = "invalid arc"
MISSING_M30 = "program does not end with M30 or M2"
NO_M5_BEFORE_M30 = "spindle still on at the program end (no M5)"
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

KNOWN_G = {code: f"G{format_number(code)}" for code in (0, 1, 2, 3, 4, 17, 21, 40, 43, 49, 80, 90, 91.1, 94)}
WORK_OFFSET_CODES = {int(code.value[1:]): code.value for code in WorkOffset}
KNOWN_G |= WORK_OFFSET_CODES
KNOWN_M = {0: "M0", 2: "M2", 3: "M3", 5: "M5", 6: "M6", 30: "M30"}
MOTION = (0, 1, 2, 3)
PARAMETERS = frozenset("XYZIJFSPTH")
AXES = ("X", "Y", "Z")
# The modal groups an earlier program may have left otherwise: units, distance, arc centres, feed mode, cutter
# compensation, tool length offset (cancelled or applied), canned cycles, plane.
SAFETY_MODES = frozenset({21, 90, 91.1, 94, 40, 80, 17})
# G49 stands for the length-offset group: G49 or G43 sets it.
_REQUIRED_MODES = SAFETY_MODES | {49}
# Tool-table words: refused by a post without a tool table (GRBL rejects M6, G43 H and has no tool table).
TOOL_TABLE_G = frozenset({43})
TOOL_TABLE_M = frozenset({6})
TOOL_TABLE_WORDS = frozenset("TH")


@dataclass(frozen=True, slots=True)
class _Limits:
    x: tuple[float, float]
    y: tuple[float, float]
    z: tuple[float, float]
    deepest: float
    safe_z: float
    # XY rapids between features may run this low where they cross no clamp; from an unknown position, only at
    # safe_z.
    retract_z: float
    max_feed_xy: float
    max_feed_z: float
    rpm: tuple[float, float]
    work_offset: int
    post: Post
    spindle_ramp_s: float
    # (x_min, x_max, y_min, y_max, lowest Z a rapid may pass at) of every clamp, in work coordinates.
    clamps: tuple[tuple[float, float, float, float, float], ...] = ()


def verify(gcode_text: str, *, design: dict, cut: dict, machine: dict, post: str | None = None) -> list[str]:
    """Problems found in the program, each naming its line; an empty list means the program is fit to run on
    the controller of ``post`` (default: the machine's controller)."""
    try:
        the_post = posts.post_for(machine, post)
    except posts.PostRefused as exc:
        return [str(exc)]
    limits = _limits(design, cut, machine, the_post)
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


def _limits(design: dict, cut: dict, machine: dict, post: Post) -> _Limits | None:
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
        # Nor below the stock's underside: that is the fixture, which may allow a through cut a little into it.
        z=(max(axis("z", 2)[0], -stock - _through_allowance(fixture)), axis("z", 2)[1]),
        # The shallower of the two, so neither the design nor the judged cut is exceeded.
        # On a radiused fret board, the slot's depth below the top where the top lies lowest.
        deepest=-min(float(design["depth"]), float(cut["depth_mm"])) - geometry.surface_drop(design),
        safe_z=float(cut["safe_z_mm"]),
        retract_z=min(float(cut["safe_z_mm"]), RETRACT_ABOVE_STOCK_MM),
        max_feed_xy=float(machine["max_feed_xy_mm_min"]),
        max_feed_z=float(machine["max_feed_z_mm_min"]),
        rpm=(float(machine["rpm_min"]), float(machine["rpm_max"])),
        work_offset=codes[fixture["work_offset"]],
        post=post,
        spindle_ramp_s=max(float(machine.get("spindle_ramp_s", DEFAULT_SPINDLE_RAMP_S)), MIN_DWELL_S),
        # Widened by the cutter's radius where the engine gave it (its cut figures).
        clamps=tuple(clamp_zones(fixture, stock, _reach(cut))),
    )


def _through_allowance(fixture: dict) -> float:
    """How far below the stock the fixture lets a cut go (``through_allowance_mm``); anything but a number
    from 0 to MAX_THROUGH_ALLOWANCE_MM counts as nothing."""
    value = fixture.get("through_allowance_mm")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_THROUGH_ALLOWANCE_MM:
        return 0.0
    return float(value)


def _reach(cut: dict) -> float:
    try:
        return max(float(cut.get("cutting_diameter_mm") or 0), float(cut.get("cut_width_mm") or 0)) / 2
    except (TypeError, ValueError):
        return 0.0


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
    ended: bool = False
    code_after_end: bool = False
    tool_ready: bool = False
    tool_loaded: int | None = None
    # Seconds waited since the spindle last started (None: never started, or not waited yet).
    waited_s: float = 0.0
    cut_reported: set[str] = field(default_factory=set)


def _parse(raw: str) -> tuple[list[tuple[str, float]], str | None]:
    # Most lines carry no comment: skip the substitution for them (it is a third of a line's parsing).
    code = _COMMENT.sub(" ", raw) if "(" in raw or ";" in raw or ")" in raw else raw
    if not _STATEMENT.fullmatch(code):
        return [], f"{UNPARSEABLE}: {raw.strip()[:60]!r}"
    words = [(letter.upper(), float(value)) for letter, value in _WORD.findall(code)]
    if any(not math.isfinite(value) for _, value in words):
        return [], f"{UNPARSEABLE}: number out of range"
    return words, None


# The line programs are mostly made of, as the posts write it: a move in its motion's words, single spaces,
# plain decimals ("G1 X59.9 Y46.827 Z-0.018 F6965", "G3 X10 Y0 I-5 J0 F800"). Read without the general parser
# (docs/toolpaths.md, "What the verifier checks"): such a line can only move, so every check but the move's own
# passes by construction; anything else, or the same words written another way, takes the general path.
_PLAIN_NUMBER = r"-?\d+(?:\.\d+)?"
_PLAIN_MOVE = re.compile(
    rf"G([0-3])(?: X({_PLAIN_NUMBER}))?(?: Y({_PLAIN_NUMBER}))?(?: Z({_PLAIN_NUMBER}))?"
    rf"(?: I({_PLAIN_NUMBER}))?(?: J({_PLAIN_NUMBER}))?(?: F(\d+(?:\.\d+)?))?"
)


def _plain_move(raw: str, state: _State, limits: _Limits) -> list[str] | None:
    """The problems of a plain move line, or None when the line is not one (or needs the general path)."""
    match = _PLAIN_MOVE.fullmatch(raw)
    if match is None or state.ended or len(raw) > limits.post.max_line:
        return None
    motion, x, y, z, i, j, feed = match.groups()
    arc = motion in ("2", "3")
    # An arc needs its centre (I or J); a straight move may not have one: the general path names either fault.
    if (x is None and y is None and z is None) or arc != (i is not None or j is not None):
        return None
    words = (("X", x), ("Y", y), ("Z", z), ("I", i), ("J", j))
    params = {letter: float(value) for letter, value in words if value is not None}
    if feed is not None:
        value = float(feed)
        if value <= 0:
            return None
        state.feed = params["F"] = value
    state.motion = int(motion)
    if _steady_move(state, params, limits):
        return []
    return _move(state, params, limits)


def _steady_move(state: _State, params: dict, limits: _Limits) -> bool:
    """Whether a plain move, in the steady middle of a program, passes every check ``_move`` makes; if so its
    end becomes the position. The same conditions as ``_move``'s, in floats and without a message: anything
    they do not settle at once (a check that would fail or warn, an unknown position, a helix, a rapid near a
    clamp, an arc whose circle leaves the travel) returns False with the state untouched, and ``_move`` then
    decides and names the problem. So the answer never differs from the general path's, only its cost
    (docs/toolpaths.md, "What the verifier checks"; tests/toolpaths/test_verify.py compares the two)."""
    position = state.position
    sx, sy, sz = position["X"], position["Y"], position["Z"]
    if sx is None or sy is None or sz is None or state.work_offset is None or not state.modes >= _REQUIRED_MODES:
        return False
    ex, ey, ez = params.get("X", sx), params.get("Y", sy), params.get("Z", sz)
    (x_low, x_high), (y_low, y_high), (z_low, z_high) = limits.x, limits.y, limits.z
    low_z = min(sz, ez)
    if (
        ex < x_low - TOLERANCE_MM or ex > x_high + TOLERANCE_MM or ey < y_low - TOLERANCE_MM
        or ey > y_high + TOLERANCE_MM or low_z < z_low - TOLERANCE_MM or max(sz, ez) > z_high + TOLERANCE_MM
        or low_z < limits.deepest - TOLERANCE_MM
    ):  # fmt: skip
        return False
    motion = state.motion
    moves_xy = sx != ex or sy != ey
    if motion == 0:
        if ez < -TOLERANCE_MM or (moves_xy and low_z < limits.retract_z - TOLERANCE_MM):
            return False
        # Any rapid below a clamp's clearance, straight down included: whether it meets the clamp is for _move.
        if any(low_z < clamp[4] - TOLERANCE_MM for clamp in limits.clamps):
            return False
    else:
        feed = state.feed
        if feed is None or not state.spindle_on or not state.tool_ready:
            return False
        if state.waited_s < limits.spindle_ramp_s - TOLERANCE_MM:
            return False
        if motion == 1:
            if moves_xy and feed > limits.max_feed_xy + TOLERANCE_MM:
                return False
            if sz != ez:
                dz = abs(ez - sz)
                rate = feed * dz / math.hypot(ex - sx, ey - sy, dz) if moves_xy else feed
                if rate > limits.max_feed_z + TOLERANCE_MM:
                    return False
        else:
            if sz != ez or feed > limits.max_feed_xy + TOLERANCE_MM:
                return False  # a helix's Z share is the general path's to work out
            cx, cy = sx + params.get("I", 0.0), sy + params.get("J", 0.0)
            r_start, r_end = math.hypot(sx - cx, sy - cy), math.hypot(ex - cx, ey - cy)
            if (
                min(r_start, r_end) < MIN_ARC_RADIUS_MM or abs(r_start - r_end) > ARC_RADIUS_TOLERANCE_MM
                or math.hypot(ex - sx, ey - sy) <= TOLERANCE_MM
            ):  # fmt: skip
                return False
            # The whole circle inside the travel holds any arc of it; otherwise the arc's own extent decides.
            if (
                cx - r_start < x_low - TOLERANCE_MM or cx + r_start > x_high + TOLERANCE_MM
                or cy - r_start < y_low - TOLERANCE_MM or cy + r_start > y_high + TOLERANCE_MM
            ):  # fmt: skip
                return False
    position["X"], position["Y"], position["Z"] = ex, ey, ez
    return True


def _run_line(raw: str, state: _State, limits: _Limits) -> list[str]:
    plain = _plain_move(raw, state, limits)
    if plain is not None:
        return plain
    problems: list[str] = []
    if len(raw) > limits.post.max_line:
        problems.append(f"{LINE_TOO_LONG}: {len(raw)} > {limits.post.max_line} characters ({limits.post.name})")
    if not raw.isascii() or not raw.isprintable():
        problems.append(f"{NOT_ASCII}: only printable ASCII is written")
    words, error = _parse(raw)
    if error:
        return [*problems, error]
    if not words:
        return problems
    if state.ended:
        state.code_after_end = True
    g_codes, m_codes, params = _classify(words, problems)
    if problems:
        return problems
    problems.extend(_post_problems(g_codes, m_codes, params, limits.post))
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
        state.waited_s = 0.0
    if 4 in g_codes and state.spindle_on:
        state.waited_s += posts.dwell_seconds(limits.post, params["P"])
    if state.spindle_on and ("S" in params or 3 in m_codes):
        problems.extend(_spindle_problems(state.speed, limits))
    problems.extend(_tool_words(g_codes, m_codes, params, state))
    if 17 in g_codes and 40 not in state.modes:
        problems.append(PLANE_BEFORE_G40)
    state.modes.update(g for g in g_codes if g in SAFETY_MODES)
    if 49 in g_codes or 43 in g_codes:
        state.modes.add(49)
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
    if 30 in m_codes or 2 in m_codes:
        state.ended = True
    return problems


def _post_problems(g_codes: list, m_codes: list, params: dict, post: Post) -> list[str]:
    """Words the post's controller rejects: tool-table words where it has no tool table (GRBL)."""
    if post.tool_table:
        return []
    rejected = [f"G{format_number(g)}" for g in g_codes if g in TOOL_TABLE_G]
    rejected += [f"M{m}" for m in m_codes if m in TOOL_TABLE_M]
    rejected += [letter for letter in sorted(params) if letter in TOOL_TABLE_WORDS]
    if rejected:
        return [f"{POST_REJECTS}: {' '.join(rejected)} ({post.name} has no tool table; use a touch-off stop)"]
    return []


def _tool_words(g_codes: list, m_codes: list, params: dict, state: _State) -> list[str]:
    problems = []
    if 6 in m_codes:
        if "T" not in params:
            return [f"{BAD_STATEMENT}: M6 without a tool number T"]
        state.tool_loaded = int(params["T"])
        # Loaded, but its length is not applied until G43 Hn.
        state.tool_ready = False
    if 43 in g_codes:
        if "H" not in params or state.tool_loaded is None or int(params["H"]) != state.tool_loaded:
            problems.append(f"{TOOL_MISMATCH}: H{format_number(params.get('H', 0))}, tool {state.tool_loaded}")
        else:
            state.tool_ready = True
    if 0 in m_codes:
        # A touch-off stop: the operator loads the tool the comments name and sets Z0 with it.
        state.tool_ready = True
    return problems


def _classify(words: list[tuple[str, float]], problems: list[str]) -> tuple[list, list[int], dict]:
    g_codes: list = []
    m_codes: list[int] = []
    params: dict[str, float] = {}
    for letter, value in words:
        if letter == "G":
            if value not in KNOWN_G:
                problems.append(f"{UNKNOWN_WORD} {letter}{format_number(value)}")
            else:
                g_codes.append(int(value) if value == int(value) else value)
        elif letter == "M":
            if value != int(value) or int(value) not in KNOWN_M:
                problems.append(f"{UNKNOWN_WORD} {letter}{format_number(value)}")
            else:
                m_codes.append(int(value))
        elif letter not in PARAMETERS:
            problems.append(f"{UNKNOWN_WORD} {letter}{format_number(value)}")
        elif letter in params:
            problems.append(f"{BAD_STATEMENT}: {letter} given twice")
        else:
            params[letter] = value
    return g_codes, m_codes, params


def _check_statement(g_codes: list, m_codes: list[int], params: dict, state: _State) -> list[str]:
    problems = []
    motion = [g for g in g_codes if g in MOTION]
    if len(motion) > 1 or (motion and (4 in g_codes or 80 in g_codes)):
        problems.append(f"{BAD_STATEMENT}: more than one motion or dwell on a line")
    if len([m for m in m_codes if m != 6]) > 1:
        problems.append(f"{BAD_STATEMENT}: more than one M code on a line")
    if 4 in g_codes and (params.get("P", -1.0) < 0 or any(axis in params for axis in AXES)):
        problems.append(f"{BAD_STATEMENT}: G4 needs a dwell P >= 0 and no axis words")
    if "P" in params and 4 not in g_codes:
        problems.append(f"{BAD_STATEMENT}: P without G4")
    if "H" in params and 43 not in g_codes:
        problems.append(f"{BAD_STATEMENT}: H without G43")
    for letter in "TH":
        if letter in params and (params[letter] != int(params[letter]) or params[letter] < 1):
            problems.append(f"{BAD_STATEMENT}: {letter} must be a tool number")
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
    problems = [] if state.modes >= _REQUIRED_MODES and state.work_offset is not None else [MODES_NOT_SET]
    start = dict(state.position)
    end = {axis: params.get(axis, start[axis]) for axis in AXES}
    state.position = end
    if state.motion == 0:
        problems.extend(_rapid_problems(start, end, limits))
        box = _line_box(end)
    else:
        problems.extend(_cut_problems(start, end, state, limits, params))
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
        # From where the machine happened to be the path is unknown: only the clearance plane is safe.
        floor = limits.safe_z if start["X"] is None or start["Y"] is None else limits.retract_z
        if lowest is None or lowest < floor - TOLERANCE_MM:
            plane = "safe Z" if floor == limits.safe_z else "retract plane Z"
            problems.append(f"{RAPID_XY_BELOW_SAFE_Z}: {_z_text(lowest)} < {plane}{format_number(floor)}")
    problems.extend(_clamp_problems(start, end, limits))
    return problems


def _clamp_problems(start: dict, end: dict, limits: _Limits) -> list[str]:
    """A rapid whose XY path crosses a clamp must stay CLAMP_CLEARANCE_MM above the clamp's top."""
    if None in (end["X"], end["Y"]):
        return []
    sx = end["X"] if start["X"] is None else start["X"]
    sy = end["Y"] if start["Y"] is None else start["Y"]
    zs = [z for z in (start["Z"], end["Z"]) if z is not None]
    lowest = min(zs) if zs else -math.inf
    problems = []
    for x_min, x_max, y_min, y_max, clear_z in limits.clamps:
        if lowest < clear_z - TOLERANCE_MM and segment_meets_box(
            sx, sy, end["X"], end["Y"], x_min, x_max, y_min, y_max
        ):
            problems.append(f"{RAPID_NEAR_CLAMP}: {_z_text(lowest if zs else None)} < Z{format_number(clear_z)}")
    return problems


def _cut_problems(start: dict, end: dict, state: _State, limits: _Limits, params: dict) -> list[str]:
    problems = []
    if state.feed is None:
        problems.append(NO_FEED)
    zs = [z for z in (start["Z"], end["Z"]) if z is not None]
    in_stock = not zs or min(zs) < -TOLERANCE_MM
    if not state.spindle_on and in_stock:
        problems.append(f"{SPINDLE_OFF_CUT}: G{state.motion} below Z0 or at an unknown Z")
    if in_stock:
        # Reported at the first cut only: every later cut has the same cause.
        if not state.tool_ready and NO_TOOL not in state.cut_reported:
            state.cut_reported.add(NO_TOOL)
            problems.append(NO_TOOL)
        short = state.spindle_on and state.waited_s < limits.spindle_ramp_s - TOLERANCE_MM
        if short and NO_SPINDLE_WAIT not in state.cut_reported:
            state.cut_reported.add(NO_SPINDLE_WAIT)
            waited, ramp = format_number(state.waited_s), format_number(limits.spindle_ramp_s)
            problems.append(f"{NO_SPINDLE_WAIT}: waited {waited} s, its ramp is {ramp} s ({limits.post.name})")
    if state.feed is not None:
        arc = state.motion in (2, 3)
        problems.extend(_feed_problems(start, end, state.feed, arc, limits, params, ccw=state.motion == 3))
    return problems


def _feed_problems(
    start: dict, end: dict, feed: float, arc: bool, limits: _Limits, params: dict, *, ccw: bool
) -> list[str]:
    # An axis whose start is unknown counts as moving: the worse case.
    moves_xy = arc or start["X"] != end["X"] or start["Y"] != end["Y"]
    problems = []
    if moves_xy and feed > limits.max_feed_xy + TOLERANCE_MM:
        problems.append(f"{FEED_ABOVE_MAX}: F{format_number(feed)} > XY {format_number(limits.max_feed_xy)}")
    if start["Z"] != end["Z"]:
        z_rate = feed
        known = None not in (*start.values(), *end.values())
        if moves_xy and known and not arc:
            # On a combined XY and Z line the Z axis moves at its share of the feed.
            dz = abs(end["Z"] - start["Z"])
            z_rate = feed * dz / math.hypot(end["X"] - start["X"], end["Y"] - start["Y"], dz)
        elif known and arc and ("I" in params or "J" in params):
            # A helix: Z moves at its share of the feed along the helix.
            cx, cy = start["X"] + params.get("I", 0.0), start["Y"] + params.get("J", 0.0)
            sweep = arc_sweep(start["X"], start["Y"], end["X"], end["Y"], cx, cy, ccw=ccw)
            planar = math.hypot(start["X"] - cx, start["Y"] - cy) * sweep
            dz = abs(end["Z"] - start["Z"])
            z_rate = feed * dz / math.hypot(planar, dz)
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
    if state.spindle_on:
        problems.append(NO_M5_BEFORE_M30)
    z = state.position["Z"]
    if z is None or z < limits.safe_z - TOLERANCE_MM:
        problems.append(f"{NOT_RETRACTED}: {_z_text(z)}")
    return problems


def _z_text(z: float | None) -> str:
    return "Z unknown" if z is None else f"Z{format_number(z)}"
