"""Vocabularies of the feasibility engine. Pure Python (no Django) so the engine stays importable anywhere.

Members are ``StrEnum`` values, so they compare equal to, hash like and serialise as their plain strings.
"""

from enum import StrEnum, nonmember


class RiskLevel(StrEnum):
    GREEN = "GREEN"
    YELLOW = "YELLOW"
    RED = "RED"
    UNKNOWN = "UNKNOWN"

    # Fail closed: toolpaths proceed on this allow-list only, never on "not RED".
    ALLOWS_TOOLPATHS = nonmember(frozenset({GREEN, YELLOW}))


class CheckStatus(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"


class ToolKind(StrEnum):
    ROUTER = "router"
    VBIT = "vbit"
    SAW = "saw"

    # Rotary bits cut with their side and tip and can follow any path; saws cut a straight kerf.
    ROTARY = nonmember(frozenset({ROUTER, VBIT}))


class MaterialClass(StrEnum):
    HARDWOOD = "hardwood"
    SOFTWOOD = "softwood"
    COMPOSITE = "composite"
    PLASTIC = "plastic"


class Shape(StrEnum):
    RING = "ring"
    SLOT = "slot"
    FRET_SLOTS = "fret_slots"
    POCKET_CIRCLE = "pocket_circle"
    POCKET_RECT = "pocket_rect"
    OUTLINE = "outline"


class WorkOffset(StrEnum):
    """The work offsets (fixture coordinate systems) RS274NGC controllers store: a fixture names one."""

    G54 = "G54"
    G55 = "G55"
    G56 = "G56"
    G57 = "G57"
    G58 = "G58"
    G59 = "G59"


class ValueSource(StrEnum):
    REGISTRY = "registry"
    CLIENT = "client"


class Controller(StrEnum):
    """The G-code dialect a machine's controller reads; each has a post-processor in ``toolpaths.posts``."""

    LINUXCNC = "linuxcnc"
    GRBL = "grbl"
    MACH3 = "mach3"
