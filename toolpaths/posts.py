"""Post-processors: the text one controller dialect reads for a typed operation list of ``toolpaths.gcode``.

A post is data (``Post``): its comment width and line limit, whether the controller has a tool table, the units
of its dwell word, its program end. ``render`` turns the generator's operations into text with one formatter for
all of them, so a new dialect is a new ``Post`` entry, not new code (docs/toolpaths.md, "Adding a post"). Pure:
no Django, no I/O.

A post never alters a job to make it fit: what it cannot express (a word its controller rejects, a line longer
than it reads) raises ``PostRefused`` with the reason, and the caller refuses the job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from feasibility.enums import Controller


class GenerationRefused(ValueError):
    """The job cannot be written as asked (a post that cannot express it, a tool that cannot enter the cut); the
    message says why, for an operator. The job is refused (409), never altered to fit."""


class PostRefused(GenerationRefused):
    """The post cannot express the job as asked."""


@dataclass(frozen=True)
class Post:
    name: str
    version: str
    description: str
    file_extension: str
    # A tool table: `Tn M6 G43 Hn` loads and measures a numbered tool. Without one, the program stops (M0) for the
    # operator to load the tool and touch Z0 off by hand.
    tool_table: bool
    # Dwell word units: "s" (LinuxCNC, GRBL) or "ms" (Mach3 with "G4 dwell param in ms").
    dwell_unit: str
    # Longest line the controller reads, newline excluded (GRBL's line buffer is 80 bytes).
    max_line: int
    program_end: str = "M30"


# The modal safety line: the same words for every dialect here (each reads them all), in two lines so that cutter
# compensation is off before the plane is set (RS274NGC executes G40 after G17 within one line), and nothing an
# earlier program left (G20, G91, G93, G90.1, G41/42, G43, a canned cycle, another work offset) survives.
SAFETY_LINES = ("G40 G49 G80", "G21 G90 G91.1 G94 G17 {work_offset}")

POSTS: dict[str, Post] = {
    Controller.LINUXCNC: Post(
        name="linuxcnc",
        version="1.0.0",
        description="LinuxCNC 2.8+ (RS274NGC): tool table, G4 P in seconds, M2/M30.",
        file_extension="ngc",
        tool_table=True,
        dwell_unit="s",
        max_line=255,
    ),
    Controller.GRBL: Post(
        name="grbl",
        version="1.0.0",
        description="GRBL 1.1: no tool changer (M6 rejected) and no tool table (G43 H rejected), G4 P in seconds, "
        "80-byte lines.",
        file_extension="nc",
        tool_table=False,
        dwell_unit="s",
        max_line=70,
    ),
    Controller.MACH3: Post(
        name="mach3",
        version="1.0.0",
        description="Mach3 configured with 'G4 dwell param in ms' (General Config) so G4 P is milliseconds, as on "
        "Fanuc-style controls; tool table, M30.",
        file_extension="tap",
        tool_table=True,
        dwell_unit="ms",
        max_line=255,
    ),
}
if set(POSTS) != set(Controller):  # a controller the registry offers must have a post
    raise ImportError("every Controller needs a post in toolpaths.posts.POSTS")


def get(name: str) -> Post:
    try:
        return POSTS[name]
    except KeyError:
        raise PostRefused(f"unknown post {name!r}; known posts: {', '.join(POSTS)}") from None


def file_extension(post_name: str) -> str:
    """The file extension (no dot) an operator's controller expects for a program of this post: for downloads."""
    return get(post_name).file_extension


def post_for(machine: dict, requested: str | None) -> Post:
    """The requested post, else the machine's controller (LinuxCNC for entries recorded before controllers)."""
    return get(requested or machine.get("controller") or Controller.LINUXCNC)


def dwell_words(post: Post, seconds: float) -> str:
    value = seconds * 1000 if post.dwell_unit == "ms" else seconds
    return f"G4 P{format_number(value)}"


def dwell_seconds(post: Post, p_word: float) -> float:
    """What a `G4 P` of this post means in seconds (the verifier's reading)."""
    return p_word / 1000 if post.dwell_unit == "ms" else p_word


# --- formatting ----------------------------------------------------------------------------------------------

DECIMALS = 3


# A program repeats its numbers (depth levels, feeds, the same coordinates on every pass): each is formatted once.
@lru_cache(maxsize=1 << 16)
def format_number(value: float) -> str:
    text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# Anything but printable ASCII, and the characters that end a comment or start another.
_COMMENT_UNSAFE = re.compile(r"[^ -~]|[();]")


def comment_lines(post: Post, text: str) -> list[str]:
    """``text`` as parenthesised comments no longer than the post's line limit, wrapped at spaces (never cut).

    Registry names are free text: parentheses, ';' or control characters would end the comment early and turn
    the rest into words the controller executes, so they become spaces."""
    words = _COMMENT_UNSAFE.sub(" ", text).split()
    width = post.max_line - 2
    lines: list[str] = []
    current = ""
    for word in words:
        while len(word) > width:  # a single word longer than a line (never in practice): split it
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current or not lines:
        lines.append(current)
    return [f"({line})" for line in lines]


def render(post: Post, ops: Iterable) -> Iterator[str]:
    """The program's lines (without newlines) for the operations of ``toolpaths.gcode`` in this dialect.

    Feeds are modal: written on a cutting move only when they change. Raises ``PostRefused`` for an operation the
    dialect cannot express."""
    # Imported here: gcode imports this module for the post of a program.
    from toolpaths.gcode import ARC_CCW, ARC_CW, FEED, RAPID, Move

    codes = {RAPID: "G0", FEED: "G1", ARC_CW: "G2", ARC_CCW: "G3"}
    fmt = format_number
    modal_feed = None
    for op in ops:
        if type(op) is Move:
            parts = [codes[op.kind]]
            if op.x is not None:
                parts.append(f"X{fmt(op.x)}")
            if op.y is not None:
                parts.append(f"Y{fmt(op.y)}")
            if op.z is not None:
                parts.append(f"Z{fmt(op.z)}")
            if op.i is not None:
                parts.append(f"I{fmt(op.i)}")
            if op.j is not None:
                parts.append(f"J{fmt(op.j)}")
            if op.feed is not None and op.feed != modal_feed:
                parts.append(f"F{fmt(op.feed)}")
                modal_feed = op.feed
            line = " ".join(parts)
            if len(line) > post.max_line:
                raise PostRefused(f"the {post.name} post reads lines of at most {post.max_line} characters")
            yield line
            continue
        yield from _event(post, op)


def _event(post: Post, event) -> Iterator[str]:
    kind = event.kind
    if kind == "comment":
        yield from comment_lines(post, event.text)
    elif kind == "safety":
        for line in SAFETY_LINES:
            yield line.format(work_offset=event.text)
    elif kind == "tool":
        if post.tool_table and event.number is not None:
            yield f"T{event.number} M6 G43 H{event.number}"
        else:
            # Without a tool table (or a numbered tool) the operator loads the tool and sets Z0 with it: the
            # program says which tool and where Z0 is, then stops until cycle start.
            yield from comment_lines(post, f"LOAD TOOL: {event.text}")
            yield from comment_lines(post, f"TOUCH OFF Z0: {event.detail}, then press cycle start")
            yield "M0"
    elif kind == "spindle_on":
        yield f"M3 S{format_number(event.value)}"
    elif kind == "dwell":
        yield dwell_words(post, event.value)
    elif kind == "spindle_off":
        yield "M5"
    elif kind == "end":
        yield post.program_end
    else:
        raise PostRefused(f"the {post.name} post cannot express a {kind!r} operation")
