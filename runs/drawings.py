"""The drawings jobs send (DXF and SVG text), kept once by hash: the one writer of ``DrawingFile`` (its read is
``runs.selectors.drawing_get``, which the download serves).

A job's design names its drawing as ``{"format", "sha256", "bytes"}``; the file itself is here. ``store`` is
idempotent: the same text is one row whoever sends it and however often.
"""

import hashlib

from django.utils import timezone

from runs.models import DrawingFile
from runs.selectors import drawing_get

FORMATS = ("dxf", "svg")


def digest(text: str) -> tuple[str, int]:
    """(SHA-256 hex, size) of the text's UTF-8 bytes: what a ``sha256sum`` of the file as sent gives."""
    data = text.encode("utf-8")
    return hashlib.sha256(data).hexdigest(), len(data)


def reference(text: str, fmt: str) -> dict:
    """How designs and artifacts name a drawing: its format, hash and size."""
    sha256, size = digest(text)
    return {"format": fmt, "sha256": sha256, "bytes": size}


def store(*, text: str, fmt: str, actor=None) -> dict:
    """Keep the drawing (once) and return its reference. Text holding a NUL cannot be stored (PostgreSQL
    text); callers refuse it before."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown drawing format {fmt!r}")
    ref = reference(text, fmt)
    username = getattr(actor, "get_username", lambda: "")() if actor is not None else ""
    DrawingFile.objects.bulk_create(
        [
            DrawingFile(
                sha256=ref["sha256"],
                format=fmt,
                size_bytes=ref["bytes"],
                text=text,
                received_at=timezone.now(),
                received_by=username or "",
            )
        ],
        ignore_conflicts=True,
    )
    return ref


def text_of(sha256: str) -> str | None:
    """The drawing's text, or ``None`` when no drawing with that hash was received."""
    if not isinstance(sha256, str) or len(sha256) != 64:
        return None
    found = drawing_get(sha256)
    return found[1] if found is not None else None


def texts_of(design) -> dict[str, str]:
    """``{sha256: text}`` for the drawing a normalised or validated design names (empty for other shapes or an
    unknown hash): what the engine and the generator are handed."""
    if not isinstance(design, dict) or design.get("shape") != "outline":
        return {}
    source = design.get("source")
    sha256 = source.get("sha256") if isinstance(source, dict) else None
    text = text_of(sha256) if sha256 else None
    return {sha256: text} if text is not None else {}
