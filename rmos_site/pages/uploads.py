"""The drawing a page's form uploads: its text, its format from the extension, the drawing a session keeps,
and the service's refusal of it, shown beside the file field."""

import re

from ezdxf.tools import codepage

from rmos_site.core.problems import first_validation_message

DRAWING_EXTENSIONS = {".dxf": "dxf", ".svg": "svg"}
DRAWING_NAME_MAX = 255
CHOOSE_AGAIN = "Choose the file again: a form sent back cannot keep it."
# The outline's fields (``outline__<key>``) after the file, in the order the form shows them.


def current_drawing_value(source: dict) -> str:
    """The drawing a stored design names, as the form's hidden field carries it: ``format:sha256:bytes:name``."""
    size = source.get("bytes") if isinstance(source.get("bytes"), int) else ""
    return f"{source.get('format', '')}:{source['sha256']}:{size}:{source.get('name') or ''}"


def current_drawing(value: str) -> dict | None:
    """The kept drawing's reference (the service checks the hash names a drawing it has, of that size)."""
    fmt, sha256, size, name = [*(value or "").split(":", 3), "", "", ""][:4]
    if fmt not in DRAWING_EXTENSIONS.values() or len(sha256) != 64:
        return None
    source = {"format": fmt, "sha256": sha256}
    if size.isdigit():
        source["bytes"] = int(size)
    return {**source, "name": name} if name else source


def drawing_refusal(problem) -> str:
    """The message of a service's refusal of a design's drawing (``errors: {"design": {"source": [...]}}``:
    malformed, too large, unknown hash), to show beside the file field; "" for any other refusal."""
    errors = problem.extra.get("errors")
    design = errors.get("design") if isinstance(errors, dict) else None
    if not isinstance(design, dict) or "source" not in design:
        return ""
    return f"{first_validation_message(design['source'])} {CHOOSE_AGAIN}"


_DWGCODEPAGE = re.compile(rb"\$DWGCODEPAGE\s*\r?\n\s*3\s*\r?\n\s*(\S+)")


def drawing_text(data: bytes, fmt: str) -> str | None:
    """A drawing file's text: UTF-8 (a BOM tolerated); a DXF older than R2007 in the code page its header names
    (``$DWGCODEPAGE``, e.g. ANSI_1252), as AutoCAD and ezdxf read it. None when neither decodes it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    found = _DWGCODEPAGE.search(data[:65536]) if fmt == "dxf" else None
    if found is None:
        return None
    encoding = codepage.toencoding(found.group(1).decode("ascii", "replace"))
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None
