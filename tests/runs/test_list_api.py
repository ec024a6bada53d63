import itertools
import json
import uuid
from datetime import UTC, datetime

import pytest

from runs.enums import RunKind, RunStatus
from runs.services import run_prepare, run_record_many
from tests.runs.factories import record

URL = "/api/rmos/runs"
ITEM_KEYS = {
    "run_id",
    "created_at",
    "kind",
    "status",
    "mode",
    "tool_id",
    "material_id",
    "machine_id",
    "session_id",
    "risk_level",
    "score",
    "feasibility_sha256",
    "toolpaths_sha256",
}


def run_ids(response):
    assert response.status_code == 200, response.json()
    return [item["run_id"] for item in response.json()["items"]]


def mixed_runs(count: int):
    statuses = itertools.cycle([RunStatus.OK, RunStatus.BLOCKED, RunStatus.ERROR])
    kinds = itertools.cycle([RunKind.FEASIBILITY, RunKind.TOOLPATHS, RunKind.APPROVAL, RunKind.FEASIBILITY])
    tools = itertools.cycle(["router:flat_3mm", "router:flat_6mm", "saw:thin_140", "vbit:60deg", "saw:slit_100"])
    risks = itertools.cycle(["GREEN", "YELLOW", "RED", "UNKNOWN", "GREEN", "YELLOW", "RED"])
    return [
        record(status=next(statuses), kind=next(kinds), tool_id=next(tools), risk_level=next(risks),
               session_id=f"sess_{n % 4}", material_id="ebony" if n % 2 else "maple")
        for n in range(count)
    ]  # fmt: skip


def test_list_empty(auditor_client):
    response = auditor_client.get(URL)
    assert response.json() == {"items": [], "next_cursor": None}


def test_list_newest_first_with_exact_item_shape(operator_client):
    runs = mixed_runs(3)
    response = operator_client.get(URL)
    assert run_ids(response) == [run.run_id for run in reversed(runs)]
    item = response.json()["items"][0]
    assert set(item) == ITEM_KEYS
    assert item["created_at"].endswith("Z")
    assert item["feasibility_sha256"] == runs[-1].feasibility_sha256


@pytest.mark.parametrize(
    ("query", "predicate"),
    [
        ("status=OK", lambda r: r.status == "OK"),
        ("status=OK&status=BLOCKED", lambda r: r.status in ("OK", "BLOCKED")),
        ("kind=toolpaths&status=ERROR", lambda r: r.kind == "toolpaths" and r.status == "ERROR"),
        ("risk_level=RED&risk_level=UNKNOWN", lambda r: r.risk_level in ("RED", "UNKNOWN")),
        ("tool_id=saw:thin_140", lambda r: r.tool_id == "saw:thin_140"),
        ("tool_id_prefix=saw:", lambda r: r.tool_id.startswith("saw:")),
        ("tool_id_prefix=saw:&tool_id_prefix=vbit", lambda r: r.tool_id.startswith(("saw:", "vbit"))),
        ("material_id=ebony&session_id=sess_1", lambda r: r.material_id == "ebony" and r.session_id == "sess_1"),
        ("machine_id=router_a&mode=router", lambda r: True),
        ("machine_id=elsewhere", lambda r: False),
        ("status=", lambda r: True),
    ],
)
def test_list_filters(auditor_client, query, predicate):
    runs = mixed_runs(21)
    expected = [run.run_id for run in reversed(runs) if predicate(run)]
    assert run_ids(auditor_client.get(f"{URL}?{query}&limit=200")) == expected


def test_list_tool_id_prefix_is_literal_not_a_pattern(auditor_client, db):
    record(tool_id="router_x")
    record(tool_id="routerYx")
    assert len(run_ids(auditor_client.get(f"{URL}?tool_id_prefix=router_"))) == 1
    assert run_ids(auditor_client.get(f"{URL}?tool_id_prefix=%25")) == []


def test_list_date_filters_are_inclusive_utc_days(auditor_client, db):
    days = [datetime(2025, 3, day, hour, tzinfo=UTC) for day in (1, 2, 3) for hour in (0, 23)]
    drafts = [run_prepare(kind="feasibility", status="OK", actor=None, request={}) for _ in days]
    runs = run_record_many(drafts, created_at=days)
    assert run_ids(auditor_client.get(f"{URL}?date_from=2025-03-02&date_to=2025-03-02")) == [
        runs[3].run_id,
        runs[2].run_id,
    ]
    assert len(run_ids(auditor_client.get(f"{URL}?date_from=2025-03-02"))) == 4
    assert len(run_ids(auditor_client.get(f"{URL}?date_to=2025-03-01"))) == 2
    assert run_ids(auditor_client.get(f"{URL}?date_from=2025-04-01")) == []
    assert run_ids(auditor_client.get(f"{URL}?date_to=2025-02-28")) == []


@pytest.mark.parametrize(("limit", "size"), [("1", 1), ("0", 1), ("-5", 1), ("3", 3), ("500", 5), ("", 5)])
def test_list_limit_is_clamped(auditor_client, db, limit, size):
    mixed_runs(5)
    assert len(run_ids(auditor_client.get(f"{URL}?limit={limit}"))) == size


def test_list_limit_default_is_50_and_max_200(auditor_client, db):
    drafts = [run_prepare(kind="feasibility", status="OK", actor=None, request={}) for _ in range(201)]
    run_record_many(drafts)
    assert len(run_ids(auditor_client.get(URL))) == 50
    assert len(run_ids(auditor_client.get(f"{URL}?limit=1000"))) == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=ten", "limit"),
        ("limit=1.5", "limit"),
        ("status=DONE", "status"),
        ("status=OK&status=ok", "status"),
        ("kind=painting", "kind"),
        ("risk_level=PURPLE", "risk_level"),
        ("date_from=2025-13-01", "date_from"),
        ("date_to=yesterday", "date_to"),
        ("date_from=2025-03-02T00:00:00", "date_from"),
        ("date_from=2025-03-02&date_to=2025-03-01", "date_to"),
        ("stauts=OK", "stauts"),
        ("limit=5&limit=6", "limit"),
        ("tool_id=" + "x" * 101, "tool_id"),
    ],
)
def test_list_bad_query_is_400_validation_error(auditor_client, db, query, field):
    response = auditor_client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["error"] == "VALIDATION_ERROR"
    assert field in body["errors"]


def _pages(client, query: str, limit: int, between=None):
    seen, cursor, pages = [], None, 0
    while True:
        url = f"{URL}?{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url)
        seen += run_ids(response)
        cursor, pages = response.json()["next_cursor"], pages + 1
        if cursor is None:
            return seen, pages
        if between:
            between()


def test_list_pages_return_every_match_once_while_runs_are_written(auditor_client, db):
    runs = mixed_runs(40)
    expected = [r.run_id for r in reversed(runs) if r.status in ("OK", "BLOCKED") and r.tool_id.startswith("r")]
    seen, pages = _pages(
        auditor_client,
        "status=OK&status=BLOCKED&tool_id_prefix=r",
        limit=3,
        between=lambda: mixed_runs(4),
    )
    assert seen == expected
    assert pages == -(-len(expected) // 3)


def test_list_last_full_page_has_no_dangling_cursor(auditor_client, db):
    mixed_runs(6)
    seen, pages = _pages(auditor_client, "", limit=3)
    assert (len(seen), pages) == (6, 2)


@pytest.mark.parametrize("cursor", ["garbage", "eyJ2IjoxLCJzZXEiOjJ9:forged", "", "a:b:c", "x" * 600])
def test_list_invalid_cursor_is_400(auditor_client, db, cursor):
    mixed_runs(3)
    response = auditor_client.get(f"{URL}?cursor={cursor}")
    if cursor == "":
        assert response.status_code == 200  # an empty cursor is no cursor: the first page
        return
    assert response.status_code == 400
    assert response.json()["error"] == "INVALID_CURSOR"


def test_list_tampered_cursor_is_400(auditor_client, db):
    mixed_runs(3)
    cursor = auditor_client.get(f"{URL}?limit=1").json()["next_cursor"]
    payload, signature = cursor.split(":")
    for forged in (payload[:-1] + ("A" if payload[-1] != "A" else "B") + ":" + signature, payload + ":" + "x" * 43):
        response = auditor_client.get(f"{URL}?limit=1&cursor={forged}")
        assert (response.status_code, response.json()["error"]) == (400, "INVALID_CURSOR")


def test_list_cursor_from_other_filters_is_400(auditor_client, db):
    mixed_runs(6)
    cursor = auditor_client.get(f"{URL}?status=OK&limit=1").json()["next_cursor"]
    response = auditor_client.get(f"{URL}?status=ERROR&limit=1&cursor={cursor}")
    assert (response.status_code, response.json()["error"]) == (400, "INVALID_CURSOR")
    # The same filters in another order or spelling of the query are the same query.
    assert auditor_client.get(f"{URL}?limit=2&cursor={cursor}&status=OK").status_code == 200


def test_list_query_count_is_constant_in_page_size(auditor_client, db, django_assert_num_queries):
    mixed_runs(30)
    auditor_client.get(URL)  # warm any per-process caches (content types, ...)
    # The token with its user and groups (one query), one page query: no COUNT, no per-item query, whatever the size.
    for limit in (1, 10, 30):
        with django_assert_num_queries(2):
            response = auditor_client.get(f"{URL}?limit={limit}&status=OK&status=BLOCKED&date_from=2000-01-01")
        assert response.status_code == 200
    cursor = auditor_client.get(f"{URL}?limit=2").json()["next_cursor"]
    with django_assert_num_queries(2) as captured:
        auditor_client.get(f"{URL}?limit=2&cursor={cursor}")
    page_sql = captured.captured_queries[-1]["sql"].upper()
    assert "OFFSET" not in page_sql
    assert "COUNT(" not in page_sql


def test_list_anonymous_is_401(anon_client, db):
    response = anon_client.get(URL)
    assert response.status_code == 401
    assert response.json()["error"] == "NOT_AUTHENTICATED"


def test_list_without_role_is_403(outsider_client):
    assert outsider_client.get(URL).status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_list_write_methods_are_405(operator_client, method):
    response = getattr(operator_client, method)(URL, {}, format="json")
    assert response.status_code == 405
    assert response.json()["error"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("url", [URL, "/api/rmos/workflow/sessions"])
def test_cursors_survive_a_secret_key_rotation_with_the_old_key_as_fallback(auditor_client, operator, settings, url):
    """Rotating SECRET_KEY with the old key in SECRET_KEY_FALLBACKS keeps the cursors clients hold valid;
    without the fallback they are refused as foreign (400), never misread."""
    from tests.workflow.conftest import drive

    for _ in range(3):
        record()
        drive("draft", creator=operator)
    settings.SECRET_KEY = "old-" + "k" * 50
    cursor = auditor_client.get(url, {"limit": 1}).json()["next_cursor"]
    assert cursor
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-" + "k" * 50, ["old-" + "k" * 50]
    assert auditor_client.get(url, {"limit": 1, "cursor": cursor}).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    response = auditor_client.get(url, {"limit": 1, "cursor": cursor})
    assert response.status_code == 400
    assert response.json()["error"] == "INVALID_CURSOR"


def test_a_filter_combination_matching_nothing_is_not_planned_as_a_walk_down_the_ledger(db):
    """kind, status and risk_level have extended statistics (migration runs/0006), so a combination with no
    rows is planned from the filters' indexes, not as a walk down the seq index hoping to meet matches
    (which read the whole ledger at 10^6: docs/performance.md)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from runs.hashing import content_sha256
    from runs.selectors import run_list
    from runs.services import RunDraft

    combinations = [("feasibility", "OK", "GREEN"), ("feasibility", "BLOCKED", "RED"), ("approval", "OK", "GREEN"),
                    ("approval", "BLOCKED", "RED"), ("toolpaths", "OK", "YELLOW")]  # fmt: skip
    templates = [
        run_prepare(kind=kind, status=status, actor=None, request={}, risk_level=risk, score=50.0)
        for kind, status, risk in combinations
    ]
    drafts = []
    for template in itertools.islice(itertools.cycle(templates), 20_000):  # copies with their own ids and hashes
        fields = {**template.fields, "run_id": f"run_{uuid.uuid4().hex}"}
        fields["content_sha256"] = content_sha256(fields)
        drafts.append(RunDraft(fields=fields, json_text=template.json_text))
    run_record_many(drafts, return_artifacts=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE runs_runartifact")
    filters = {"kind": ["approval"], "status": ["BLOCKED"], "risk_level": ["GREEN"]}
    with CaptureQueriesContext(connection) as captured:
        assert run_list(filters, limit=50, cursor=None)[0] == []
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + captured.captured_queries[-1]["sql"])
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    # Without the statistics the combination is estimated at ~1,300 rows here, and the plan is a backward walk
    # of the seq index stopped by the LIMIT (51 rows expected); with them, about none.
    assert plan[0]["Plan"]["Plan Rows"] < 10, plan
    assert "runs_runartifact_seq_key" not in json.dumps(plan), plan
