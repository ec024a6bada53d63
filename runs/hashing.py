"""Canonical JSON and the ledger's hash definitions. Pure Python: no ORM, so verifiers can reuse it as is.

Canonical JSON here is "RFC 8785 style", defined exactly as Python's
``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)`` encoded as
UTF-8. It differs from strict RFC 8785 (JCS) in two corners: keys sort by code point rather than by UTF-16
unit (only keys mixing astral characters with U+E000..U+FFFF differ), and numbers use Python's ``repr``
(``1e-07``, ``1.5``) rather than ECMAScript's. ``docs/ledger.md`` gives the same definitions for auditors.
"""

import hashlib
import json
import math
from datetime import UTC, datetime
from decimal import Decimal

# prev_sha256 of the first artifact: the chain has to start from a value nobody can choose.
GENESIS_SHA256 = "0" * 64

# The columns covered by content_sha256, by name. seq, created_at and prev_sha256 are bound by chain_sha256
# instead: they are assigned under the ledger lock, and keeping them out of the content hash keeps that lock
# free of hashing a large payload. A column added later must join this list only when not at its default
# value, so that every artifact written before it still verifies.
CONTENT_FIELDS = (
    "run_id",
    "kind",
    "status",
    "mode",
    "tool_id",
    "material_id",
    "machine_id",
    "session_id",
    "actor",
    "risk_level",
    "score",
    "request",
    "discarded_client_fields",
    "feasibility",
    "registry_snapshot",
    "gcode_text",
    "toolpaths",
    "errors",
    "engine_version",
    "request_sha256",
    "feasibility_sha256",
    "toolpaths_sha256",
    "gcode_sha256",
)


# The content fields stored as jsonb (the rest are text, numbers or NULL).
JSON_FIELDS = ("request", "discarded_client_fields", "feasibility", "registry_snapshot", "toolpaths", "errors")


def canonical_json(obj) -> bytes:
    """The canonical UTF-8 bytes of ``obj``. NaN and Infinity raise ValueError (they are not JSON), and so
    does a lone surrogate (it has no UTF-8 encoding)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def sha256_of(obj) -> str:
    """SHA-256 (hex) of the canonical JSON of ``obj``."""
    return sha256_hex(canonical_json(obj))


def json_value(value, path: str = "$"):
    """``value`` as PostgreSQL ``jsonb`` will hand it back, or ValueError/TypeError naming the bad path.

    Hashes are computed before storage but recomputed from what the database returns, so the two must be
    the same JSON: jsonb rejects ``\\u0000``, has no ``-0``, and prints a float such as ``1e+16`` as the
    integer ``10000000000000000``. Tuples become lists and enum members their plain values.
    """
    try:
        return _json_value_fast(value)
    except (TypeError, ValueError):
        # Walk again, keeping the path, only to say where the bad value is.
        return _json_value(value, path)


def _json_value_fast(value):
    """``_json_value`` for the plain types every payload is made of, without building paths (this runs over
    every node of every artifact); anything else goes to the general walk."""
    kind = type(value)
    if kind is str:
        if "\x00" in value:
            raise ValueError("NUL")
        return value
    if kind is dict:
        result = {}
        for key, item in value.items():
            if type(key) is not str or "\x00" in key:
                raise TypeError("key")
            result[key] = _json_value_fast(item)
        return result
    if kind is list or kind is tuple:
        return [_json_value_fast(item) for item in value]
    if kind is float:
        if value != value or value in (math.inf, -math.inf) or value == 0 or abs(value) >= 1e16:
            return _json_value(value, "$")
        return value
    if value is None or kind is int or kind is bool:
        return value
    return _json_value(value, "$")


def _json_value(value, path: str):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _plain_str(value, path)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path}: {value!r} is not JSON (NaN and Infinity are rejected)")
        if value == 0:
            return 0.0
        if abs(value) >= 1e16:
            # Every float this large is integral; jsonb keeps the decimal digits of repr() and prints them
            # without an exponent, which Python then reads back as an int.
            return int(Decimal(repr(value)))
        return value
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: object keys must be strings, not {type(key).__name__}")
            key = _plain_str(key, path)
            result[key] = _json_value(item, f"{path}.{key}")
        return result
    if isinstance(value, (list, tuple)):
        return [_json_value(item, f"{path}[{index}]") for index, item in enumerate(value)]
    raise TypeError(f"{path}: {type(value).__name__} is not JSON")


def _plain_str(value: str, path: str) -> str:
    if "\x00" in value:
        raise ValueError(f"{path}: strings may not contain NUL (\\u0000); PostgreSQL cannot store it")
    return str.__str__(value)


def iso_utc(moment: datetime) -> str:
    """``2025-01-31T09:30:00.000000Z``: always six fraction digits, so the text (and every hash over it)
    is one fixed function of the stored microsecond timestamp."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content_of(fields: dict) -> dict:
    """The content object of an artifact, from a mapping holding at least ``CONTENT_FIELDS``."""
    return {name: fields[name] for name in CONTENT_FIELDS}


def content_sha256(fields: dict, *, encoded: dict[str, bytes] | None = None) -> str:
    """SHA-256 of the canonical JSON of the content object. ``encoded`` may give the canonical bytes of some
    fields already made (each JSON column is encoded once for its own hash or for storage): the object is then
    encoded with a placeholder for each of those members and their bytes are put in its place. The result is
    the same bytes, because canonical JSON nests (a member's value is its own canonical text), and a
    placeholder cannot be mistaken for content: it holds a NUL, which no stored value may."""
    if not encoded:
        return sha256_of(content_of(fields))
    content = content_of(fields)
    for name in encoded:
        content[name] = _PLACEHOLDER + name
    text = canonical_json(content)
    for name, data in encoded.items():
        text = text.replace(_placeholder_json(name), data, 1)
    return sha256_hex(text)


_PLACEHOLDER = "\x00rmos:"


def _placeholder_json(name: str) -> bytes:
    return canonical_json(_PLACEHOLDER + name)


def chain_sha256(*, seq: int, created_at: datetime, prev_sha256: str, content_sha256: str) -> str:
    """The link: binds an artifact's content to its place in the ledger and to everything before it."""
    return sha256_of(
        {
            "seq": seq,
            "created_at": iso_utc(created_at),
            "prev_sha256": prev_sha256,
            "content_sha256": content_sha256,
        }
    )
