"""Receiving the drawing an outline design sends: checked, kept once by hash, and named by reference.

A design validated by ``feasibility.serializers.DesignField`` may carry a drawing's text (``source.data``).
``receive`` turns it into the reference every design, session and artifact keeps (``{"format", "sha256",
"bytes"}``, with the file's ``name`` if given), after checking the file can be read at all: a file over the
size limit is a 413 ``DRAWING_TOO_LARGE``, one that does not parse a 400 ``DRAWING_MALFORMED``; a reference to
a drawing never received is a 400 ``DRAWING_NOT_FOUND``. What is wrong *inside* a readable drawing (an open
contour, a feature narrower than the tool) is the engine's to judge: a check, never a refusal here.

``recordable`` is what the ledger keeps of any body that carried a drawing: the text replaced by its hash and
size, so a refused 5 MB file leaves a small row.
"""

from __future__ import annotations

from dataclasses import dataclass

from runs import drawings as store


@dataclass(frozen=True)
class DrawingRefused(Exception):
    """The drawing cannot be received; the job answers ``status`` with ``error`` and ``detail``."""

    status: int
    error: str
    detail: str
    field: str = "design.source"


def _source(design):
    if not isinstance(design, dict) or design.get("shape") != "outline":
        return None
    source = design.get("source")
    return source if isinstance(source, dict) else None


def receive(design, *, actor) -> object:
    """The design with its drawing received (stored, named by reference); other designs as they are. Raises
    ``DrawingRefused``."""
    source = _source(design)
    if source is None:
        return design
    fmt = source["format"]
    if "data" not in source:
        sha256 = source["sha256"]
        text = store.text_of(sha256)
        if text is None:
            raise DrawingRefused(400, "DRAWING_NOT_FOUND", f"No drawing with sha256 {sha256} has been received.")
        _readable(text, fmt, design.get("layer"))
        size = store.digest(text)[1]
        if source.get("bytes") is not None and source["bytes"] != size:
            detail = f"The drawing {sha256[:12]} is {size} bytes, not {source['bytes']}."
            raise DrawingRefused(400, "DRAWING_MISMATCH", detail)
        ref = {"format": fmt, "sha256": sha256, "bytes": size}
    else:
        _readable(source["data"], fmt, design.get("layer"))
        ref = store.store(text=source["data"], fmt=fmt, actor=actor)
    if source.get("name"):
        ref["name"] = source["name"]
    return {**design, "source": ref}


def _readable(text: str, fmt: str, layer) -> None:
    """Read as the verdict will (its layer, the geometry's tolerance), so the verdict reuses this reading."""
    from feasibility import geometry, outlines  # the readers load with the first drawing

    try:
        outlines.read_source(
            {"format": fmt, "data": text},
            layer=layer,
            tolerances=outlines.Tolerances(chord_mm=geometry.OUTLINE_CHORD_MM),
        )
    except outlines.DrawingError as exc:
        raise DrawingRefused(exc.http_status, exc.code, exc.message) from exc


def recordable(body):
    """The body with any outline design's drawing text replaced by its reference (hash and size): what the
    ledger keeps of a body, accepted or refused. Anything else is returned as it is."""
    if not isinstance(body, dict):
        return body
    design = body.get("design")
    source = _source(design)
    if source is None or not isinstance(source.get("data"), str):
        return body
    ref = store.reference(source["data"], source.get("format") if isinstance(source.get("format"), str) else "")
    kept = {key: value for key, value in source.items() if key != "data"}
    return {**body, "design": {**design, "source": {**kept, "sha256": ref["sha256"], "bytes": ref["bytes"]}}}
