"""LinuxCNC's own interpreter as an independent reader of the programs RMOS releases.

``rs274`` (Debian package ``linuxcnc-uspace``) reads a program the way a LinuxCNC machine would and writes the
canonical motion it would run, without a machine. What it refuses, RMOS must never release. Tests call
``read_program(text)``; it skips (with the reason) where ``rs274`` is not installed, and raises ``Rs274Refused``
with the interpreter's own message when it refuses the program.

The canonical motion is in program coordinates (the active work offset is reported apart, as
``work_offset``), so bounds compare directly with the part coordinates a verdict judges.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

RS274 = "rs274"
TIMEOUT_S = 60
# Standalone rs274 reads parameter files in inches. Every work offset (G54..G59: parameters 5221 + 20 * k for X,
# 5222 + 20 * k for Y) puts program zero 1 m from machine zero, where the interpreter starts: a program's first
# moves (a retract, then a rapid to the start point) then always show as moves, even to X0 Y0.
START_OFFSET_IN = 1000 / 25.4
DEFAULT_PARAMETERS = {number: START_OFFSET_IN for k in range(6) for number in (5221 + 20 * k, 5222 + 20 * k)}

TRAVERSE = "traverse"
FEED = "feed"
ARC = "arc"
# What an earlier program could leave active: inches, incremental distances, inverse-time feed, absolute arc
# centres and another work offset. A program that depends on none of it reads the same after these lines.
HOSTILE_PREAMBLE = "(left by an earlier program)\nG20 G91 G93 G90.1 G55\n"
# Canonical coordinates are printed with 4 decimals (inch-free: the programs are in mm).
MOTION_TOLERANCE_MM = 1e-3

_TOOL_WORD = re.compile(r"^[^(;]*?\bT(\d+)\s*M0*6\b", re.MULTILINE | re.IGNORECASE)
_CANON = re.compile(r"^\s*\d+\s+N\S*\s+([A-Z_0-9]+)\((.*)\)\s*$")


class Rs274Refused(AssertionError):
    """The interpreter refused the program; the message is rs274's own."""


@dataclass(frozen=True)
class Tool:
    number: int
    diameter_mm: float
    z_offset_mm: float = 0.0
    comment: str = ""

    def line(self) -> str:
        return f"T{self.number} P{self.number} D{self.diameter_mm:.4f} Z{self.z_offset_mm:+.4f} ;{self.comment}"


@dataclass(frozen=True)
class Motion:
    """One canonical motion. The first one starts where the machine happened to be (machine zero to the
    interpreter). Arcs carry their centre and LinuxCNC's rotation count (positive CCW, negative CW)."""

    kind: str
    start: tuple[float, float, float]
    end: tuple[float, float, float]
    feed: float | None = None
    centre: tuple[float, float] | None = None
    rotation: int = 0

    @property
    def moves_xy(self) -> bool:
        return self.start[:2] != self.end[:2] or self.kind == ARC


@dataclass
class Reading:
    motions: list[Motion] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)  # every canonical call, (name, arguments)
    work_offset: tuple[float, float, float] = (0.0, 0.0, 0.0)
    spindle_speeds: list[float] = field(default_factory=list)
    dwells_s: list[float] = field(default_factory=list)
    # How many motions came before the spindle last stopped (None: it never did).
    spindle_stopped_at: int | None = None

    def feeds(self) -> set[float]:
        return {motion.feed for motion in self.motions if motion.kind != TRAVERSE and motion.feed is not None}

    def path(self) -> list[Motion]:
        """The motions of the cut: without the park, the straight lift to the top of the travel once the
        spindle has stopped (the engine judges the path up to the clearance plane; the verifier checks the park
        against the travel)."""
        motions = self.motions
        while (
            self.spindle_stopped_at is not None
            and len(motions) > self.spindle_stopped_at
            and motions[-1].kind == TRAVERSE
            and motions[-1].start[:2] == motions[-1].end[:2]
            and motions[-1].end[2] > motions[-1].start[2]
        ):
            motions = motions[:-1]
        return motions

    def bounds(self) -> tuple[float, float, float, float, float, float]:
        """(x_min, x_max, y_min, y_max, z_min, z_max) of the tool's controlled point along ``path()``, arcs
        included.

        Where the machine stood before the program is not part of the program: motions before the first one
        that moves in X or Y (a first retract) count for Z only, and the start of the first motion not at all.
        """
        xs: list[float] = []
        ys: list[float] = []
        zs: list[float] = []
        xy_known = False
        for index, motion in enumerate(self.path()):
            zs.append(motion.end[2])
            if index:
                zs.append(motion.start[2])
            if not xy_known and not motion.moves_xy:
                continue
            if xy_known:
                xs.append(motion.start[0])
                ys.append(motion.start[1])
            xy_known = True
            xs.append(motion.end[0])
            ys.append(motion.end[1])
            if motion.kind == ARC and xy_known and index:
                x0, x1, y0, y1 = arc_extent(motion)
                xs += [x0, x1]
                ys += [y0, y1]
        if not xs:
            raise AssertionError("the program never moves in XY")
        return min(xs), max(xs), min(ys), max(ys), min(zs), max(zs)


def arc_extent(motion: Motion) -> tuple[float, float, float, float]:
    """XY extent of a canonical arc (full turns included), from its start, end, centre and rotation."""
    (sx, sy, _), (ex, ey, _) = motion.start, motion.end
    cx, cy = motion.centre
    radius = math.hypot(sx - cx, sy - cy)
    ccw = motion.rotation > 0
    a0 = math.atan2(sy - cy, sx - cx)
    a1 = math.atan2(ey - cy, ex - cx)
    sweep = (a1 - a0) % math.tau if ccw else (a0 - a1) % math.tau
    if sweep < 1e-9 or abs(motion.rotation) > 1:
        sweep = math.tau
    xs, ys = [sx, ex], [sy, ey]
    for quarter in range(4):
        theta = quarter * math.pi / 2
        offset = (theta - a0) % math.tau if ccw else (a0 - theta) % math.tau
        if offset <= sweep + 1e-9:
            xs.append(cx + radius * math.cos(theta))
            ys.append(cy + radius * math.sin(theta))
    return min(xs), max(xs), min(ys), max(ys)


def same_motion(a: Reading, b: Reading) -> bool:
    """Whether two readings move the same way from the program's first motion on. Where the first motion starts
    is where the machine stood before the program, which an earlier program (its units, its offsets) decides."""
    if len(a.motions) != len(b.motions) or not a.motions:
        return len(a.motions) == len(b.motions)
    first_a, first_b = a.motions[0], b.motions[0]
    if (first_a.kind, first_a.end, first_a.feed) != (first_b.kind, first_b.end, first_b.feed):
        return False
    return a.motions[1:] == b.motions[1:]


def motion_matches(reading: Reading, moves) -> bool:
    """Whether rs274's canonical motion is ``moves`` (``toolpaths.gcode.Move``), move for move: the same kind,
    end point (axes a move leaves out keep their value; before a program sets an axis, rs274's value is where
    the machine happened to be, which is not compared), feed and arc direction. Raises AssertionError naming
    the first difference."""
    if len(reading.motions) != len(moves):
        raise AssertionError(f"rs274 read {len(reading.motions)} motions, RMOS judged {len(moves)} moves")
    known: list[float | None] = [None, None, None]
    for index, (motion, move) in enumerate(zip(reading.motions, moves, strict=True)):
        kind = TRAVERSE if move.kind == "rapid" else ARC if move.kind in ("arc_cw", "arc_ccw") else FEED
        where = f"move {index} ({move})"
        if motion.kind != kind:
            raise AssertionError(f"{where}: rs274 read a {motion.kind}")
        for axis, value in enumerate((move.x, move.y, move.z)):
            known[axis] = known[axis] if value is None else value
            if known[axis] is not None and abs(motion.end[axis] - known[axis]) > MOTION_TOLERANCE_MM:
                raise AssertionError(f"{where}: rs274 ends at {motion.end}")
        if kind != TRAVERSE and (motion.feed is None or abs(motion.feed - move.feed) > MOTION_TOLERANCE_MM):
            raise AssertionError(f"{where}: rs274 feeds at {motion.feed}")
        if kind == ARC and (motion.rotation > 0) != (move.kind == "arc_ccw"):
            raise AssertionError(f"{where}: rs274 turns the other way")
    return True


@contextlib.contextmanager
def _one_at_a_time():
    """rs274 keeps its tool table in shared memory under a fixed name, so two interpreters running at once (two
    test runs on one machine) corrupt each other's and die of SIGBUS. A lock file serialises them across
    processes; a run alone never waits."""
    with open(Path(tempfile.gettempdir()) / "rmos-rs274.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def available() -> bool:
    return shutil.which(RS274) is not None


def read_program(text: str, *, tools: list[Tool] | None = None, parameters: dict[int, float] | None = None) -> Reading:
    """Run ``rs274`` on ``text`` and parse its canonical output.

    ``tools`` make the tool table (default: one 6.35 mm tool as T1); ``parameters`` the parameter (.var) file,
    numbered parameters to values in inches (default ``DEFAULT_PARAMETERS``). Skips the test when ``rs274`` is
    missing; raises ``Rs274Refused`` with rs274's message when it refuses the program.
    """
    if not available():
        pytest.skip("LinuxCNC's rs274 is not installed (apt-get install --no-install-recommends linuxcnc-uspace)")
    tools = list(tools or [Tool(1, 6.35, comment="router")])
    # A program loads its tool by its registry number (Tn M6); a table that lacks that number gets it, with the
    # first tool's diameter, as the shop's table would have it.
    listed = {tool.number for tool in tools}
    for number in sorted({int(found) for found in _TOOL_WORD.findall(text)} - listed):
        tools.append(Tool(number, tools[0].diameter_mm, comment="from the program's tool change"))
    parameters = DEFAULT_PARAMETERS if parameters is None else parameters
    with tempfile.TemporaryDirectory(prefix="rs274-") as folder:
        where = Path(folder)
        (where / "tool.tbl").write_text("\n".join(tool.line() for tool in tools) + "\n")
        (where / "program.ngc").write_text(text)
        command = [RS274, "-g", "-t", "tool.tbl"]
        if parameters:
            lines = [f"{number} {value:.6f}" for number, value in sorted(parameters.items())]
            (where / "params.var").write_text("\n".join(lines) + "\n")
            command += ["-v", "params.var"]
        command += ["program.ngc", "out.canon"]
        with _one_at_a_time():
            done = subprocess.run(command, cwd=where, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        canon = (where / "out.canon").read_text() if (where / "out.canon").exists() else ""
    if done.returncode != 0:
        # rs274 prints its refusal on stdout, after the word "executing".
        message = " ".join(line for line in (done.stdout + done.stderr).splitlines() if line.strip() != "executing")
        raise Rs274Refused(message.strip() or f"rs274 exited with {done.returncode}")
    return parse_canon(canon)


def _numbers(arguments: str) -> list[float]:
    return [float(part) for part in re.split(r"[,\s]+", arguments.strip()) if part]


def parse_canon(canon: str) -> Reading:
    reading = Reading()
    position = (0.0, 0.0, 0.0)  # machine zero, until the work offset says where that is in program terms
    feed: float | None = None
    for line in canon.splitlines():
        found = _CANON.match(line)
        if not found:
            continue
        name, arguments = found.groups()
        reading.calls.append((name, arguments))
        if name == "SET_G5X_OFFSET":
            values = _numbers(arguments)
            reading.work_offset = (values[1], values[2], values[3])
            if not reading.motions:
                position = (-values[1], -values[2], -values[3])
        elif name == "SET_FEED_RATE":
            feed = _numbers(arguments)[0]
        elif name == "STOP_SPINDLE_TURNING":
            # The first stop after the spindle last started (the program end stops it again).
            if reading.spindle_stopped_at is None:
                reading.spindle_stopped_at = len(reading.motions)
        elif name.startswith("START_SPINDLE"):
            reading.spindle_stopped_at = None
        elif name == "SET_SPINDLE_SPEED":
            reading.spindle_speeds.append(_numbers(arguments)[-1])
        elif name == "DWELL":
            reading.dwells_s.append(_numbers(arguments)[0])
        elif name in ("STRAIGHT_TRAVERSE", "STRAIGHT_FEED"):
            values = _numbers(arguments)
            end = (values[0], values[1], values[2])
            kind = TRAVERSE if name == "STRAIGHT_TRAVERSE" else FEED
            reading.motions.append(Motion(kind, position, end, None if kind == TRAVERSE else feed))
            position = end
        elif name == "ARC_FEED":
            # ARC_FEED(first_end, second_end, first_axis, second_axis, rotation, axis_end_point, a, b, c) in XY.
            values = _numbers(arguments)
            end = (values[0], values[1], values[5])
            motion = Motion(ARC, position, end, feed, centre=(values[2], values[3]), rotation=int(values[4]))
            reading.motions.append(motion)
            position = end
    return reading
