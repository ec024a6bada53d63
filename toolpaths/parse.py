"""G-code text back into moves, for drawing a stored program. Pure, like ``gcode`` and ``verify``.

The ledger keeps the exact text that was released, not the move list it came from, so a drawing of an old
run has to be made from the text. Reading it with the verifier's own tokenizer means the drawing shows what
the verifier checked, word for word. For any program ``toolpaths.gcode.generate`` writes,
``moves_from_gcode(program.gcode_text) == program.moves``.
"""

from __future__ import annotations

from toolpaths.gcode import ARC_CCW, ARC_CW, FEED, RAPID, Move
from toolpaths.verify import AXES, MOTION, _classify, _parse

_KIND = {0: RAPID, 1: FEED, 2: ARC_CW, 3: ARC_CCW}


class GcodeParseError(ValueError):
    """The text is outside the subset the verifier reads: a drawing of it would be a guess."""


def moves_from_gcode(text: str) -> tuple[Move, ...]:
    """The moves of ``text``: one per line with axis words, in the motion mode in force on that line.

    Axes a line omits stay ``None`` (modal), exactly as ``generate`` leaves them; cutting moves carry the
    modal feed, rapids none. Dwells, spindle and mode words move nothing and give no move. Raises
    ``GcodeParseError`` naming the first line it cannot read.
    """
    moves: list[Move] = []
    motion: int | None = None
    feed: float | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        words, error = _parse(raw)
        if error:
            raise GcodeParseError(f"line {number}: {error}")
        if not words:
            continue
        problems: list[str] = []
        g_codes, _, params = _classify(words, problems)
        if problems:
            raise GcodeParseError(f"line {number}: {problems[0]}")
        if "F" in params:
            feed = params["F"]
        motion = next((g for g in g_codes if g in MOTION), motion)
        if not any(axis in params for axis in AXES):
            continue
        if motion is None:
            raise GcodeParseError(f"line {number}: axis words with no motion mode")
        kind = _KIND[motion]
        moves.append(
            Move(
                kind,
                x=params.get("X"),
                y=params.get("Y"),
                z=params.get("Z"),
                feed=None if kind == RAPID else feed,
                i=params.get("I"),
                j=params.get("J"),
            )
        )
    return tuple(moves)
