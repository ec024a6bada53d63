"""A fret board as a drawing: its outline and its slots as a DXF file, in the design's frame.

The slots of a ``fret_slots`` design are cut with a fret bit; the board's taper is cut with a larger end mill, a
second tool. RMOS judges one tool per job, so the taper is its own job: an ``outline`` of this drawing's
``BOARD`` layer (a profile outside), at the same fixture and the same ``x``, ``y`` as the slots, registers with
them. Layers: ``BOARD`` (the closed outline, ``geometry.board_outline``), ``FRETS`` (each slot's centre line from
edge to edge), ``CENTRE`` (the centreline from the nut to the end). Units mm (``$INSUNITS`` 4). Pure but for what
ezdxf stamps on every file (its version and the time written, and the document's GUIDs): the geometry is the
same for the same design, the bytes are not.
"""

from __future__ import annotations

import io

import ezdxf

from feasibility import geometry

LAYERS = {"BOARD": 7, "FRETS": 1, "CENTRE": 8}


def fret_board_dxf(design: dict, overhang_mm: float = geometry.BOARD_END_OVERHANG_MM) -> str:
    """The DXF text of a normalised ``fret_slots`` design's board."""
    doc = ezdxf.new("R2010", units=4)
    for name, colour in LAYERS.items():
        doc.layers.add(name, color=colour)
    space = doc.modelspace()
    outline = geometry.board_outline(design, overhang_mm)
    space.add_lwpolyline(outline, close=True, dxfattribs={"layer": "BOARD"})
    board = geometry.FretBoard.of(design)
    for fret in range(1, board.frets + 1):
        bass, treble = board.slot(fret)
        space.add_line(treble, bass, dxfattribs={"layer": "FRETS"})
    nut = ((outline[0][0] + outline[1][0]) / 2, 0.0)
    tail = ((outline[2][0] + outline[3][0]) / 2, 0.0)
    space.add_line(nut, tail, dxfattribs={"layer": "CENTRE"})
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue()
