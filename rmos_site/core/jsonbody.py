"""The one JSON reader for what clients send: the API's request bodies and the pages' JSON form fields.

Python's ``json`` accepts things RMOS cannot keep: ``NaN``/``Infinity`` literals, numbers that overflow a
float to infinity (``1e400``), and nesting deep enough to exhaust the interpreter's recursion limit, either
in the decoder itself (a ``RecursionError``, not a ``ValueError``, so it escaped as a 500) or later in code
that walks the value recursively (the ledger's canonical JSON, the storable copy of a refused body). Each of
them is refused here, at the door, as a ``ValueError`` naming what is wrong, so every caller turns it into
the same 400 it gives any malformed body.

``MAX_DEPTH`` is far above any real design (a few levels) and far below the recursion limit of every walk
that follows.
"""

import json
import math
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 64


class JSONBodyError(ValueError):
    """A body RMOS refuses to read; the message says why, for the client."""


def _refuse_constant(name: str):
    raise JSONBodyError(f"{name} is not a JSON number.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONBodyError(f"The number {text[:40]} is too large.")
    return value


def _bounded_int(text: str) -> int:
    value = int(text)  # Python refuses more than 4,300 digits with a ValueError of its own
    try:
        float(value)
    except OverflowError:
        raise JSONBodyError(f"The number {text[:40]}... is too large.") from None
    return value


_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_int=_bounded_int, parse_constant=_refuse_constant)


def depth_of(value: Any) -> int:
    """Nesting depth of a decoded value (a scalar is 0, ``[]`` is 1), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def loads(text: str | bytes) -> Any:
    """Decode ``text`` strictly; ``JSONBodyError`` (a ``ValueError``) for anything RMOS will not read."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    try:
        value, end = _DECODER.raw_decode(text, _skip_space(text, 0))
    except RecursionError:
        raise JSONBodyError(f"JSON nested deeper than {MAX_DEPTH} levels.") from None
    except json.JSONDecodeError as exc:
        raise JSONBodyError(f"JSON parse error - {exc}") from None
    if _skip_space(text, end) != len(text):
        raise JSONBodyError("JSON parse error - Extra data after the value.")
    if depth_of(value) > MAX_DEPTH:
        raise JSONBodyError(f"JSON nested deeper than {MAX_DEPTH} levels.")
    return value


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\n\r":
        index += 1
    return index


class StrictJSONDecoder(json.JSONDecoder):
    """``loads`` as a decoder class, for APIs that take one (Django's ``forms.JSONField(decoder=...)``): a
    refused text is a ``json.JSONDecodeError``, which they already handle."""

    def decode(self, s, _w=None):
        try:
            return loads(s)
        except JSONBodyError as exc:
            raise json.JSONDecodeError(str(exc), s if isinstance(s, str) else "", 0) from None


class StrictJSONParser(JSONParser):
    """DRF's JSON parser reading through ``loads``: a refused body is DRF's ``ParseError`` (400), which the
    job endpoints record like any other malformed body."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", "utf-8")
        try:
            return loads(stream.read().decode(encoding))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(str(exc)) from None
