"""``/runs``, ``/runs/<run_id>``, ``/runs/diff`` and the "Run a job" form."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from runs.models import RunArtifact
from runs.services import run_prepare, run_record_many
from tests.pages.conftest import JOB, job, page_client, record, visible

RUN_ROW = re.compile(r'<a class="mono" href="/runs/(run_[0-9a-f]{32})"')
ZERO_ID = "run_" + "0" * 32


def listed(response) -> list[str]:
    table = response.content.decode().split('class="table runs-table', 1)
    return RUN_ROW.findall(table[1]) if len(table) == 2 else []


# --- access -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/runs", f"/runs/{ZERO_ID}", f"/runs/diff?a={ZERO_ID}&b={ZERO_ID}"])
def test_run_pages_anonymous_redirect_to_login(anon_page, path):
    response = anon_page.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("path", ["/runs", f"/runs/{ZERO_ID}", "/runs/diff"])
def test_run_pages_without_a_role_are_403_pages(outsider_page, path):
    response = outsider_page.get(path)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert "No RMOS role" in visible(response)


@pytest.mark.parametrize("persona", ["operator_page", "approver_page", "auditor_page"])
def test_run_list_every_role_reads(db, request, persona):
    client = request.getfixturevalue(persona)
    record()
    assert client.get("/runs").status_code == 200


def test_run_list_post_is_405(operator_page):
    assert operator_page.post("/runs").status_code == 405


# --- the list -------------------------------------------------------------------------------------------


def test_run_list_newest_first_with_status_and_risk_badges(auditor_page):
    ok = record()
    blocked = record(status="BLOCKED", risk_level="RED", score=12.0)
    failed = record(status="ERROR", risk_level="", score=None, feasibility=None)
    response = auditor_page.get("/runs")
    assert listed(response) == [failed.run_id, blocked.run_id, ok.run_id]
    html = response.content.decode()
    for css in ("status-OK", "status-BLOCKED", "status-ERROR", "risk-GREEN", "risk-RED"):
        assert f'class="badge {css}"' in html


def test_run_list_compare_form_picks_a_and_b_for_the_diff_page(auditor_page):
    run = record()
    html = auditor_page.get("/runs").content.decode()
    assert '<form method="get" action="/runs/diff"' in html
    assert f'<input type="radio" name="a" value="{run.run_id}"' in html
    assert f'<input type="radio" name="b" value="{run.run_id}"' in html


@pytest.mark.parametrize(
    ("query", "matching"),
    [
        ("status=BLOCKED", {"tool_id": "saw:thin_140", "status": "BLOCKED"}),
        ("kind=toolpaths", {"kind": "toolpaths"}),
        ("mode=saw", {"mode": "saw"}),
        ("risk_level=RED", {"risk_level": "RED"}),
        ("tool_id=saw:thin_140", {"tool_id": "saw:thin_140"}),
        ("tool_id_prefix=saw:", {"tool_id": "saw:thin_140"}),
        ("material_id=maple", {"material_id": "maple"}),
        ("machine_id=desktop_4040", {"machine_id": "desktop_4040"}),
        ("session_id=sess_1", {"session_id": "sess_1"}),
    ],
)
def test_run_list_every_api_filter(auditor_page, query, matching):
    other = record()
    wanted = record(**matching)
    response = auditor_page.get(f"/runs?{query}")
    assert response.status_code == 200
    assert wanted.run_id in listed(response)
    assert other.run_id not in listed(response)


def test_run_list_dates_filter_utc_days(auditor_page):
    old_day = timezone.now() - timedelta(days=3)
    [old] = run_record_many(
        [run_prepare(kind="feasibility", status="OK", actor=None, request={})], created_at=[old_day]
    )
    new = record()
    day = old_day.date().isoformat()
    response = auditor_page.get(f"/runs?date_from={day}&date_to={day}")
    assert listed(response) == [old.run_id]
    assert new.run_id not in listed(auditor_page.get(f"/runs?date_to={day}"))


def test_run_list_repeated_filter_means_or_and_the_form_shows_it(auditor_page):
    ok = record()
    blocked = record(status="BLOCKED")
    record(status="ERROR")
    response = auditor_page.get("/runs?status=OK&status=BLOCKED&tool_id=a&tool_id=router:flat_3mm")
    assert listed(response) == [blocked.run_id, ok.run_id]
    html = response.content.decode()
    assert 'name="status" value="OK" checked' in html
    assert 'name="status" value="BLOCKED" checked' in html
    assert 'name="status" value="ERROR">' in html
    assert html.count('name="tool_id" value="') == 2  # one box per value, so the form resubmits both


def test_run_list_blank_form_fields_redirect_to_the_clean_permalink(auditor_page):
    response = auditor_page.get("/runs?status=BLOCKED&kind=&tool_id=&date_from=&limit=")
    assert response.status_code == 302
    assert response["Location"] == "/runs?status=BLOCKED"
    assert auditor_page.get("/runs?mode=")["Location"] == "/runs"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=NOPE", 'status.0: "NOPE" is not a valid choice.'),
        ("date_from=31.01.2025", "date_from: Date has wrong format"),
        ("date_from=2025-02-01&date_to=2025-01-01", "date_to is before date_from"),
        ("colour=red", "colour: Unknown query parameter."),
        ("limit=many", "limit: A valid integer is required."),
        ("cursor=forged", "The cursor is not one this server issued"),
    ],
)
def test_run_list_bad_filters_are_a_400_page_with_the_message(auditor_page, query, message):
    record()
    response = auditor_page.get(f"/runs?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    text = visible(response)
    assert "These filters cannot be applied." in text
    assert message in text
    assert listed(response) == []


def test_run_list_next_page_links_follow_the_keyset_cursor(auditor_page):
    runs = [record(tool_id="router:flat_3mm") for _ in range(5)]
    record(tool_id="saw:thin_140")
    newest_first = [run.run_id for run in reversed(runs)]
    seen, url = [], "/runs?tool_id=router:flat_3mm&limit=2"
    while url:
        response = auditor_page.get(url)
        assert response.status_code == 200
        seen += listed(response)
        found = re.search(r'href="(\?[^"]*cursor=[^"]*)" rel="next"', response.content.decode())
        url = "/runs" + found.group(1).replace("&amp;", "&") if found else ""
        if url:
            assert "tool_id=router%3Aflat_3mm" in url
            assert "limit=2" in url
    assert seen == newest_first
    assert "« Newest" in visible(response)


def test_run_list_cursor_of_other_filters_is_a_400_page(auditor_page):
    for _ in range(3):
        record()
    first = auditor_page.get("/runs?limit=1").content.decode()
    cursor = re.search(r"cursor=([^\"&]+)", first).group(1)
    response = auditor_page.get(f"/runs?limit=1&status=OK&cursor={cursor}")
    assert response.status_code == 400
    assert "belongs to a query with other filters" in visible(response)


def test_run_list_empty_result_says_so(auditor_page):
    record()
    assert "No run matches these filters." in visible(auditor_page.get("/runs?status=ERROR"))


# --- one run --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["run_123", "RUN_" + "A" * 32, "run_" + "g" * 32, "..%2F..%2Fetc", "run_x/y"])
def test_run_detail_malformed_id_is_a_400_html_page(auditor_page, bad):
    response = auditor_page.get(f"/runs/{bad}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    text = visible(response)
    assert "Invalid run id" in text
    assert "INVALID_RUN_ID" in text


def test_run_detail_unknown_id_is_a_404_html_page(auditor_page):
    response = auditor_page.get(f"/runs/{ZERO_ID}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert f"No run {ZERO_ID}." in visible(response)


def test_run_detail_decision_and_why_with_each_check(operator, auditor_page):
    outcome = job(operator, cut={"rpm": 60000})
    response = auditor_page.get(f"/runs/{outcome.run_id}")
    assert response.status_code == 200
    text = visible(response)
    assert "BLOCKED" in text
    assert "RED" in text
    assert "Why: SAFETY_BLOCKED RPM_TOOL_MAX: 60000 rpm (client) exceeds the tool's rated maximum 24000 rpm" in text
    assert text.count("exceeds the tool's rated maximum 24000 rpm") == 2  # the reason once, and its check
    html = response.content.decode()
    row = re.search(
        r'<tr class="check-row-fail">\s*<td class="mono check-code"[^>]*>RPM_TOOL_MAX</td>(.*?)</tr>', html, re.S
    )
    assert row is not None
    assert "60000" in row.group(1)
    assert "24000" in row.group(1)
    assert 'class="badge check-fail">fail<' in row.group(1)
    assert "no G-code" not in text
    assert '<svg class="drawing"' not in html  # a blocked run has no drawing, not even a preview


def test_run_detail_hashes_in_full_with_copy_buttons(operator, auditor_page):
    outcome = job(operator)
    artifact = RunArtifact.objects.get(run_id=outcome.run_id)
    html = auditor_page.get(f"/runs/{outcome.run_id}").content.decode()
    for name in ("request_sha256", "feasibility_sha256", "toolpaths_sha256", "gcode_sha256", "content_sha256",
                 "prev_sha256", "chain_sha256"):  # fmt: skip
        value = getattr(artifact, name)
        assert f'<code class="hash" id="hash-{name}">{value}</code>' in html
        # Hidden until the static script enables it: without JavaScript the hash is selected by hand.
        assert f'data-copy="hash-{name}" hidden>' in html


def test_run_detail_gcode_head_expandable_rest_drawing_and_download(operator, auditor_page):
    outcome = job(operator, design={"shape": "pocket_circle", "d": 40, "depth": 2})
    artifact = RunArtifact.objects.get(run_id=outcome.run_id)
    lines = artifact.gcode_text.splitlines()
    assert len(lines) > 40
    html = auditor_page.get(f"/runs/{outcome.run_id}").content.decode()
    head = re.search(r'<pre class="gcode" id="gcode-head">(.*?)</pre>', html, re.S).group(1)
    assert head.splitlines() == [line.replace("&", "&amp;") for line in lines[:40]]
    assert f"Show the remaining {len(lines) - 40} lines" in html
    assert '<svg class="drawing"' in html  # drawn in the page
    assert f'href="/runs/{outcome.run_id}/drawing"' in html
    assert f'href="/api/rmos/runs/{outcome.run_id}/download"' in html
    download = auditor_page.get(f"/api/rmos/runs/{outcome.run_id}/download")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{outcome.run_id}.json"'


def test_run_detail_cut_parameters_and_design(operator, auditor_page):
    outcome = job(operator, cut={"rpm": 20000})
    text = visible(auditor_page.get(f"/runs/{outcome.run_id}"))
    assert "Spindle speed rpm 20000 rpm client" in text
    assert "Feed feed_mm_min 1440 mm/min registry" in text
    assert "Shape Ring (rosette channel) Outside diameter od 100 mm" in text  # shape first, with units


def test_run_detail_of_an_approval_without_feasibility(auditor_page):
    refusal = {"code": "APPROVAL_BLOCKED", "message": "Approval blocked: RED and overrides disabled"}
    artifact = record(kind="approval", feasibility=None, status="BLOCKED", risk_level="RED", errors=[refusal])
    text = visible(auditor_page.get(f"/runs/{artifact.run_id}"))
    assert "APPROVAL_BLOCKED Approval blocked: RED and overrides disabled" in text
    assert "carries no feasibility result" in text


def test_run_detail_shows_discarded_client_fields(operator, operator_page):
    outcome = job(operator, safety={"risk_level": "GREEN"}, risk_level="GREEN")
    text = visible(operator_page.get(f"/runs/{outcome.run_id}"))
    assert "The client also sent risk_level, safety : discarded, only the server decides." in text


def test_run_detail_escapes_stored_text(auditor_page):
    artifact = record(tool_id="<script>alert(1)</script>", errors=[{"code": "X", "message": "<b>bold</b>"}])
    html = auditor_page.get(f"/runs/{artifact.run_id}").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html


# --- diff -------------------------------------------------------------------------------------------------


def diff(client, a, b, extra=""):
    return client.get(f"/runs/diff?a={a}&b={b}{extra}")


def test_diff_changed_fields_only_by_default_with_deltas_and_hash_badges(operator, auditor_page):
    allowed, blocked = job(operator), job(operator, cut={"rpm": 60000})
    response = diff(auditor_page, allowed.run_id, blocked.run_id)
    assert response.status_code == 200
    html = response.content.decode()
    text = visible(response)
    assert allowed.run_id in text
    assert blocked.run_id in text
    assert re.search(r"\d+ differences", text)
    assert "changed" in text
    assert "added" in text
    assert "removed" in text
    rpm = re.search(r"feasibility\.cut\.rpm</td>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>",
                    html, re.S)  # fmt: skip
    assert rpm.groups() == ("24000", "60000", "+36000")
    assert "feasibility.checks[TOOL_KNOWN]" not in html  # unchanged: hidden by default
    assert "gcode_text" not in html
    assert 'feasibility_sha256</span>\n      <span class="badge hash-differs">' in html
    assert "Show all fields" in text
    assert f'href="?a={allowed.run_id}&amp;b={blocked.run_id}&amp;all=1"' in html


def test_diff_all_lists_unchanged_fields_and_toggles_back(operator, auditor_page):
    allowed, blocked = job(operator), job(operator, cut={"rpm": 60000})
    response = diff(auditor_page, allowed.run_id, blocked.run_id, "&all=1")
    html = response.content.decode()
    assert "feasibility.checks[TOOL_KNOWN].status" in html
    assert 'class="op-row-unchanged"' in html
    assert "unchanged" in visible(response)
    assert "Changed fields only" in visible(response)
    assert f'href="?a={allowed.run_id}&amp;b={blocked.run_id}"' in html


def test_diff_same_decision_is_the_empty_state(auditor_page):
    a, b = record(), record()
    response = diff(auditor_page, a.run_id, b.run_id)
    assert response.status_code == 200
    text = visible(response)
    assert "No governance-relevant differences." in text
    assert "0 changed" in text
    assert "request_sha256 = equal" in text


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("", 400, "Pick run A to compare."),
        (f"a={ZERO_ID}", 400, "Pick run B to compare."),
        (f"a={ZERO_ID}&b=run_..%2F", 400, "Run B is not a run id."),
        ("a=x&b=y", 400, "Runs A and B are not run ids."),
        (f"a={ZERO_ID}&b={ZERO_ID}&colour=1", 400, "colour: Unknown query parameter."),
        (f"a={ZERO_ID}&a={ZERO_ID}&b={ZERO_ID}", 400, "a: Give this parameter once."),
    ],
)
def test_diff_missing_or_malformed_ids_are_a_400_page(auditor_page, query, status, message):
    response = auditor_page.get(f"/runs/diff?{query}")
    assert response.status_code == status
    text = visible(response)
    assert "Cannot compare." in text
    assert message in text
    assert 'name="a"' in response.content.decode()  # a form to try again


def test_diff_unknown_id_is_a_404_page(auditor_page):
    run = record()
    response = diff(auditor_page, run.run_id, ZERO_ID)
    assert response.status_code == 404
    assert f"No run {ZERO_ID}." in visible(response)


# --- "Run a job" --------------------------------------------------------------------------------------------


def form(fields: dict) -> dict:
    data = {key: value for key, value in fields.items() if key not in ("design", "cut")}
    data["design"] = '{"shape": "ring", "od": 100, "width": 4, "depth": 1.5}'
    return data


def test_run_job_allowed_lands_on_the_new_run(operator, operator_page):
    response = operator_page.post("/runs/new", form(JOB), follow=True)
    artifact = RunArtifact.objects.get()
    assert response.redirect_chain == [(f"/runs/{artifact.run_id}", 302)]
    assert artifact.kind == "toolpaths"
    assert artifact.status == "OK"
    assert artifact.actor == "op"
    assert artifact.request == {**JOB, "design": {"shape": "ring", "od": 100, "width": 4, "depth": 1.5}}
    assert f"Run OK: verified G-code generated ({artifact.run_id})." in visible(response)


def test_run_job_blocked_by_the_server_says_why(operator_page):
    response = operator_page.post("/runs/new", {**form(JOB), "rpm": "60000"}, follow=True)
    artifact = RunArtifact.objects.get()
    assert artifact.status == "BLOCKED"
    assert artifact.request["cut"] == {"rpm": 60000}
    assert "Blocked by the server's safety policy: RPM_TOOL_MAX" in visible(response)


def test_run_job_by_a_non_operator_is_a_403_page_and_a_blocked_artifact(approver_page):
    response = approver_page.post("/runs/new", form(JOB))
    assert response.status_code == 403
    assert "Only operators may run jobs." in visible(response)
    artifact = RunArtifact.objects.get()
    assert (artifact.kind, artifact.status, artifact.actor) == ("toolpaths", "BLOCKED", "appr")
    assert artifact.errors[0]["code"] == "PERMISSION_DENIED"


def test_run_job_without_any_role_is_a_403_page_and_nothing_written(outsider_page):
    assert outsider_page.post("/runs/new", form(JOB)).status_code == 403
    assert not RunArtifact.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"design": "{not json"}, "Design (JSON): Enter valid JSON"),
        ({"design": "[1, 2]"}, "Design (JSON): Expected a JSON object"),
        ({"design": ""}, "Shape: Choose a shape, or give the design as JSON."),
        ({"tool_id": ""}, "Tool: This field is required."),
        ({"rpm": "fast"}, "Spindle speed: Enter a whole number."),
        ({"design": '{"shape": "hexagon"}'}, "Design (JSON): shape: Unknown shape 'hexagon'"),
        ({"design": '{"shape": "ring", "od": -5}'}, "Design (JSON): od: Ensure this value is greater than"),
        ({"rpm": "2000000"}, "Spindle speed: Ensure this value is less than or equal to 1000000."),
    ],
)
def test_run_job_malformed_input_is_a_message_and_nothing_written(operator_page, changes, message):
    response = operator_page.post("/runs/new", {**form(JOB), **changes, "next": "/"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert message in visible(response)
    assert not RunArtifact.objects.exists()


def test_run_job_next_never_leaves_the_site(operator_page):
    response = operator_page.post("/runs/new", {**form(JOB), "design": "{", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_run_job_anonymous_is_sent_to_log_in_and_nothing_written(anon_page):
    response = anon_page.post("/runs/new", {**form(JOB), "next": "/runs?status=OK"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/runs%3Fstatus%3DOK"
    assert not RunArtifact.objects.exists()


def test_run_job_get_is_405(operator_page):
    assert operator_page.get("/runs/new").status_code == 405


def test_run_job_needs_the_csrf_token(operator):
    client = page_client(operator, enforce_csrf_checks=True)
    response = client.post("/runs/new", form(JOB))
    assert response.status_code == 403
    assert "could not be verified" in visible(response)
    assert not RunArtifact.objects.exists()
