"""The one cursor helper (rmos_site/core/cursors.py) both lists page with."""

import pytest

from rmos_site.core.cursors import CURSOR_MAX_LENGTH, cursor_read, cursor_sign
from rmos_site.core.problems import ProblemError


def _refusal(cursor, *, salt="a", filters=None) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        cursor_read(cursor, salt=salt, filters=filters or {})
    assert (caught.value.status, caught.value.error) == (400, "INVALID_CURSOR")
    return caught.value


def test_a_cursor_reads_back_its_position_for_the_same_filters():
    cursor = cursor_sign(salt="a", position={"seq": 7}, filters={"status": ["OK"]})
    assert cursor_read(cursor, salt="a", filters={"status": ["OK"]}) == {"seq": 7}


def test_a_cursor_of_one_list_is_refused_by_another():
    cursor = cursor_sign(salt="a", position={"seq": 7}, filters={})
    assert "not one this server issued" in _refusal(cursor, salt="b").detail


def test_a_cursor_for_other_filters_is_refused_naming_why():
    cursor = cursor_sign(salt="a", position={"seq": 7}, filters={"status": ["OK"]})
    assert "other filters" in _refusal(cursor, filters={"status": ["ERROR"]}).detail


@pytest.mark.parametrize("cursor", ["", "garbage", "a:b:c", "x" * (CURSOR_MAX_LENGTH + 1), None])
def test_anything_this_server_did_not_sign_is_refused(cursor):
    _refusal(cursor)


def test_a_tampered_cursor_is_refused():
    cursor = cursor_sign(salt="a", position={"seq": 7}, filters={})
    payload, signature = cursor.rsplit(":", 1)
    _refusal(f"{payload}x:{signature}")
