import hashlib
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runs import hashing


def test_canonical_json_sorts_keys_compact_utf8():
    assert hashing.canonical_json({"b": 1, "a": [1.5, "é", None, True]}) == '{"a":[1.5,"é",null,true],"b":1}'.encode()


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_canonical_json_rejects_nan_and_infinity(value):
    with pytest.raises(ValueError, match="JSON compliant"):
        hashing.canonical_json({"x": value})


def test_canonical_json_rejects_lone_surrogate():
    with pytest.raises(ValueError, match="surrogate"):
        hashing.canonical_json("\ud800")


def test_sha256_of_is_hash_of_canonical_bytes():
    assert hashing.sha256_of({"b": 2, "a": 1}) == hashlib.sha256(b'{"a":1,"b":2}').hexdigest()
    assert hashing.sha256_hex("G0\r\n") == hashlib.sha256(b"G0\r\n").hexdigest()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1e16, 10000000000000000),
        (1.2345678901234567e20, 123456789012345670000),
        (-0.0, 0.0),
        (1e-7, 1e-7),
        ((1, 2), [1, 2]),
    ],
)
def test_json_value_matches_what_jsonb_returns(value, expected):
    result = hashing.json_value(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"a": "x\x00"}, ValueError),
        ({"a\x00": 1}, ValueError),
        ({"a": math.nan}, ValueError),
        ({1: "a"}, TypeError),
        ({"a": {1, 2}}, TypeError),
    ],
)
def test_json_value_rejects_what_jsonb_cannot_store(value, error):
    with pytest.raises(error, match=r"\$"):
        hashing.json_value(value)


def test_iso_utc_always_has_microseconds_and_z():
    from datetime import UTC, datetime, timedelta, timezone

    moment = datetime(2025, 1, 2, 4, 5, 6, tzinfo=timezone(timedelta(hours=2)))
    assert hashing.iso_utc(moment) == "2025-01-02T02:05:06.000000Z"
    assert hashing.iso_utc(datetime(2025, 1, 2, tzinfo=UTC)).endswith(".000000Z")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_json)
def test_jsonb_round_trip_keeps_the_hash(value):
    """What is hashed before storage is what verify_runs reads back: the hash survives jsonb."""
    from django.db import connection

    try:
        stored = hashing.json_value(value)
    except ValueError:
        return  # NUL or a lone surrogate: refused before storage, never stored
    try:
        text = hashing.canonical_json(stored).decode()
    except ValueError:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::jsonb", [text])
        (back,) = cursor.fetchone()
    import json

    assert hashing.sha256_of(json.loads(back) if isinstance(back, str) else back) == hashing.sha256_of(stored)


_plain_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(value=_plain_json | st.tuples(_plain_json, _plain_json))
def test_json_value_fast_walk_agrees_with_the_general_walk(value):
    """``json_value`` walks plain payloads without tracking paths; the result (or the refusal) must be that
    of the general walk that does."""
    try:
        expected = hashing._json_value(value, "$")
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            hashing.json_value(value)
        return
    result = hashing.json_value(value)
    assert result == expected
    assert hashing.canonical_json(result) == hashing.canonical_json(expected)


@settings(max_examples=150, deadline=None)
@given(values=st.fixed_dictionaries({name: _plain_json for name in hashing.CONTENT_FIELDS}), data=st.data())
def test_content_hash_from_pre_encoded_members_is_the_plain_hash(values, data):
    """The writer passes the canonical bytes of the JSON columns it already encoded; the hash assembled
    around them must be the hash of the whole content object encoded at once (what verify_runs computes)."""
    try:
        plain = hashing.content_sha256(values)
    except ValueError:
        return  # a lone surrogate: refused before storage either way
    names = data.draw(st.sets(st.sampled_from(hashing.CONTENT_FIELDS)))
    encoded = {name: hashing.canonical_json(values[name]) for name in names}
    assert hashing.content_sha256(values, encoded=encoded) == plain


def test_content_hash_placeholders_cannot_be_forged_by_content():
    """Text that looks like the writer's placeholder as encoded JSON (a backslash, not a NUL) stays content."""
    values = {name: "" for name in hashing.CONTENT_FIELDS}
    values |= {"actor": "\\u0000rmos:request", "tool_id": '"\\u0000rmos:request"', "request": {"a": "\\u0000rmos:x"}}
    values |= {"errors": [], "score": None, "toolpaths": None}
    encoded = {name: hashing.canonical_json(values[name]) for name in ("request", "errors", "toolpaths")}
    assert hashing.content_sha256(values, encoded=encoded) == hashing.content_sha256(values)
