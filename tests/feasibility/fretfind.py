"""An independent reading of FretFind2D's published method, for the fret-board tests: written from the method's
description, not from ``feasibility.geometry``.

Each board edge is a "string" as long as its scale (bass on +Y, treble on -Y); the board is ``nut_width`` wide at
the nut and ``board_width`` wide at the last fret; the points of the two edges at the perpendicular fret lie on
one line square to the centreline, and X0 is where the nut crosses the centreline. A fret's point on a string is
found as FretFind2D does, stepping from the previous fret towards the bridge by 1 - 2^(-1/12) of what is left.
"""

from __future__ import annotations

import math

SEMITONE_STEP = 1.0 - 2.0 ** (-1.0 / 12.0)


def _string_fraction(fret: float) -> float:
    """The share of a string from the nut to fret ``fret``, stepped fret by fret (a fractional remainder last)."""
    left = 1.0
    whole = int(fret)
    for _ in range(whole):
        left -= SEMITONE_STEP * left
    left *= 2.0 ** (-(fret - whole) / 12.0)
    return 1.0 - left


class Board:
    def __init__(self, bass, treble, frets, nut_width, board_width, perpendicular=0.0):
        self.frets = frets
        last = _string_fraction(frets)
        # The edges' sideways travel from nut to bridge: the taper from nut to last fret, continued.
        spread = (board_width - nut_width) / 2.0 / last
        self.half_nut = nut_width / 2.0
        self.spread = spread
        run_bass = math.sqrt(bass**2 - spread**2)
        run_treble = math.sqrt(treble**2 - spread**2)
        p = _string_fraction(perpendicular)
        # Solve nut_bass + p * run_bass == nut_treble + p * run_treble with (nut_bass + nut_treble) / 2 == 0.
        nut_bass = -p * (run_bass - run_treble) / 2.0
        nut_treble = -nut_bass
        self.bass = ((nut_bass, self.half_nut), (nut_bass + run_bass, self.half_nut + spread))
        self.treble = ((nut_treble, -self.half_nut), (nut_treble + run_treble, -self.half_nut - spread))

    @staticmethod
    def _along(string, fraction):
        (x0, y0), (x1, y1) = string
        return x0 + fraction * (x1 - x0), y0 + fraction * (y1 - y0)

    def fret(self, n):
        """(treble point, bass point) of fret n on the board edges."""
        fraction = _string_fraction(n)
        return self._along(self.treble, fraction), self._along(self.bass, fraction)

    def slot(self, n, lead):
        """The slot's ends, treble to bass, extended beyond both edges by ``lead`` along the slot."""
        (tx, ty), (bx, by) = self.fret(n)
        length = math.hypot(bx - tx, by - ty)
        ux, uy = (bx - tx) / length, (by - ty) / length
        return (tx - lead * ux, ty - lead * uy), (bx + lead * ux, by + lead * uy)


def radius_at(x, radius, radius_end, last_fret_x):
    """Conical compound radius: ``radius`` at the nut, ``radius_end`` at the last fret, linear in X."""
    if radius_end is None:
        return radius
    return radius + (radius_end - radius) * x / last_fret_x


def top(x, y, radius, radius_end=None, last_fret_x=1.0):
    """The radiused top's height at (x, y) below the crown (Z0 on the centreline)."""
    r = radius_at(x, radius, radius_end, last_fret_x)
    return -(r - math.sqrt(r * r - y * y))
