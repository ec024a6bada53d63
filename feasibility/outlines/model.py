"""Plain data shared by the reader, the preflight and the toolpath planner.

Every length is in millimetres in the drawing's own frame (its origin is the part datum), after the unit
conversion the reader records in ``Drawing.units``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FindingStatus = Literal["fail", "warn", "info"]
FAIL: FindingStatus = "fail"
WARN: FindingStatus = "warn"
INFO: FindingStatus = "info"

Point = tuple[float, float]


def mm(value: float) -> float:
    """A length as reported: 4 decimals (0.1 µm), never ``-0.0``."""
    return round(float(value), 4) + 0.0


def mm_point(point: tuple[float, float]) -> list[float]:
    return [mm(point[0]), mm(point[1])]


class DrawingError(Exception):
    """The file cannot be judged at all: not parseable, of an unknown format, or too large to open.

    Unlike a finding (the drawing was read and something in it is wrong), this is the client's request being
    unusable; ``http_status`` is what the API answers (400, or 413 for a file over the size limit).
    """

    def __init__(self, code: str, message: str, *, http_status: int = 400, value=None, limit=None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.value = value
        self.limit = limit

    def as_dict(self) -> dict:
        return {
            "error": self.code,
            "detail": self.message,
            "status": self.http_status,
            "value": self.value,
            "limit": self.limit,
        }


@dataclass(frozen=True)
class Tolerances:
    """How exactly the drawing is followed.

    ``chord_mm``: how far the tool's path may stray from the exact offset of the drawn curves. Half of it goes
    to flattening the drawing (arcs, ellipses, splines and Béziers become chords at most ``flatten_mm`` from
    the curve), half to the offsets' round joins. ``join_mm``: two ends closer than this are one point;
    a contour whose ends are farther apart is open. ``gap_search_mm``: an open end with another open end within
    this distance is reported as a gap (a near miss) rather than as a contour left open.
    """

    chord_mm: float = 0.01
    join_mm: float = 0.01
    gap_search_mm: float = 2.0

    def __post_init__(self) -> None:
        # Shop settings, not client input: a zero tolerance would divide curves without end, so fail loudly.
        if not (self.chord_mm > 0 and self.join_mm > 0 and self.gap_search_mm >= self.join_mm):
            raise ValueError(f"tolerances must be positive, the gap search at least the join: {self}")

    @property
    def flatten_mm(self) -> float:
        return self.chord_mm / 2.0

    @property
    def offset_mm(self) -> float:
        return self.chord_mm / 2.0

    def as_dict(self) -> dict:
        return {
            "chord_mm": self.chord_mm,
            "flatten_mm": self.flatten_mm,
            "offset_mm": self.offset_mm,
            "join_mm": self.join_mm,
            "gap_search_mm": self.gap_search_mm,
        }


@dataclass(frozen=True)
class Limits:
    """The shop's limits on what it accepts; each one crossed is a finding (the file size is an error)."""

    max_bytes: int = 5_000_000
    max_entities: int = 20_000
    max_points: int = 500_000
    max_width_mm: float = 1200.0
    max_height_mm: float = 800.0
    max_insert_depth: int = 4
    max_moves: int = 1_000_000  # the largest toolpath planned
    max_rings: int = 2_000  # pocket rings per depth level

    def __post_init__(self) -> None:
        values = (self.max_bytes, self.max_entities, self.max_points, self.max_moves, self.max_rings)
        if min(values) <= 0 or self.max_width_mm <= 0 or self.max_height_mm <= 0 or self.max_insert_depth < 0:
            raise ValueError(f"limits must be positive: {self}")

    def as_dict(self) -> dict:
        return {
            "max_bytes": self.max_bytes,
            "max_entities": self.max_entities,
            "max_points": self.max_points,
            "max_width_mm": self.max_width_mm,
            "max_height_mm": self.max_height_mm,
            "max_moves": self.max_moves,
            "max_rings": self.max_rings,
        }


@dataclass
class Finding:
    """One thing the preflight found, with the place in the drawing it is about."""

    code: str
    status: FindingStatus
    message: str
    place: dict = field(default_factory=dict)
    value: float | int | str | None = None
    limit: float | int | str | None = None
    unit: str | None = None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "status": self.status,
            "message": self.message,
            "place": self.place,
            "value": self.value,
            "limit": self.limit,
            "unit": self.unit,
        }


@dataclass
class Piece:
    """One drawn entity (or one sub-path of an SVG element) flattened to a polyline in millimetres.

    ``closed`` means the entity itself is a closed figure (a circle, a closed polyline, an SVG sub-path ending
    in ``Z``); open pieces are chained end to end into loops.
    """

    points: list[Point]
    closed: bool
    layer: str | None
    entity: str  # DXF type ("LWPOLYLINE", "ARC", ...) or SVG tag ("path", "circle", ...)
    handle: str  # DXF handle, or the SVG element's id, or "#<n>" (document order)
    index: int  # position in the drawing's entity order (0-based), stable for the same file

    def place(self) -> dict:
        return {"layer": self.layer, "entity": self.entity, "handle": self.handle, "index": self.index}


@dataclass
class Drawing:
    """What the reader made of a file: pieces in millimetres, the units it used and why, and its findings."""

    format: str
    pieces: list[Piece]
    units: dict
    tolerances: Tolerances
    findings: list[Finding]
    layers: list[str | None]
    stats: dict

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "units": self.units,
            "tolerances": self.tolerances.as_dict(),
            "layers": self.layers,
            "stats": self.stats,
        }


@dataclass
class Loop:
    """A closed contour: the pieces it was chained from, in order, and its points (first point not repeated)."""

    points: list[Point]
    pieces: list[Piece]
    layer: str | None

    def place(self) -> dict:
        first = self.pieces[0]
        place = {"layer": self.layer, "entity": first.entity, "handle": first.handle, "index": first.index}
        if len(self.pieces) > 1:
            place["entities"] = [{"entity": p.entity, "handle": p.handle, "index": p.index} for p in self.pieces]
        return place
