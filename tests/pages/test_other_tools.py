"""The run page's "Other tools": for a job that was not GREEN, the tools of today's registry that would pass it,
judged on asking by the same engine, and nothing recorded."""

import pytest

from feasibility.services import feasibility_evaluate
from runs.models import RunArtifact
from tests.drawings import dxf_text, rounded_rect
from tests.pages.conftest import CONTEXT, RING, drive, job, visible
from workflow import services

TOO_WIDE = "router:upcut_1_4in"  # 6.35 mm across, for a ring channel 4 mm wide


def _section(html: str) -> str:
    return html.split('id="other-tools"', 1)[1].split("</section>", 1)[0]


def test_a_red_job_lists_the_tools_that_would_pass_it_best_first(
    operator, operator_page, django_assert_max_num_queries
):
    run = job(operator, tool_id=TOO_WIDE)
    assert (run.status, run.risk_level) == ("BLOCKED", "RED")
    page = operator_page.get(f"/runs/{run.run_id}").content.decode()
    assert f'href="/runs/{run.run_id}?alternatives=1#other-tools"' in _section(page)
    before = RunArtifact.objects.count()
    with django_assert_max_num_queries(12):  # the page's own reads, plus one for the registry and one for its tools
        response = operator_page.get(f"/runs/{run.run_id}", {"alternatives": "1"})
    section = _section(response.content.decode())
    listed = [cell.split("</span>", 1)[0] for cell in section.split('<td data-label="Tool"><span class="mono">')[1:]]
    assert listed, section
    assert TOO_WIDE not in listed
    assert "router:downcut_1_8in" in listed
    # Each is what the engine says of the job with that tool: allowed, and in the order shown.
    request = {key: run.request[key] for key in ("material_id", "machine_id", "design")}
    judged = [feasibility_evaluate(inputs={**request, "tool_id": tool_id}).result for tool_id in listed]
    assert all(result["risk_level"] in ("GREEN", "YELLOW") for result in judged)
    order = [(result["risk_level"] != "GREEN", -result["score"]) for result in judged]
    assert order == sorted(order)
    assert RunArtifact.objects.count() == before  # advice, not a verdict: nothing recorded


def test_a_green_run_has_no_other_tools(operator, operator_page):
    run = job(operator)
    assert run.risk_level == "GREEN"
    html = operator_page.get(f"/runs/{run.run_id}", {"alternatives": "1"}).content.decode()
    assert 'id="other-tools"' not in html


def test_a_job_no_tool_would_pass_says_so(operator, operator_page):
    # A ring channel 0.3 mm wide: narrower than any cutter in the registry.
    run = job(operator, tool_id=TOO_WIDE, design={"shape": "ring", "od": 100, "width": 0.3, "depth": 1.5})
    assert run.risk_level == "RED"
    response = operator_page.get(f"/runs/{run.run_id}", {"alternatives": "1"})
    assert "in today's registry would pass this job as it is" in visible(response)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"material_id": "unobtanium"}, "The job's material or machine is not in today's registry."),
        (
            {
                "machine_id": "router_a",
                "fixture": "spoilboard",
                "design": {
                    "shape": "outline",
                    "operation": "profile_outside",
                    "depth": 8,
                    "stock_thickness": 6,
                    "source": {"format": "dxf", "data": dxf_text(lambda m, doc: rounded_rect(m, 0, 0, 80, 60, 8))},
                },
            },
            "Other tools are not tried for drawings",
        ),
    ],
)
def test_other_tools_are_not_tried_where_they_cannot_be(operator, operator_page, changes, words):
    run = job(operator, **changes)
    assert run.risk_level in ("RED", "UNKNOWN")
    response = operator_page.get(f"/runs/{run.run_id}", {"alternatives": "1"})
    assert words in visible(response)


def test_a_session_whose_verdict_is_not_green_links_to_the_tools_that_would_pass(operator, operator_page):
    session = services.session_create(actor=operator, design=RING, context={**CONTEXT, "tool_id": TOO_WIDE}).session
    services.session_request_feasibility(session=session, actor=operator)
    session.refresh_from_db()
    assert session.risk_level == "RED"
    link = f'href="/runs/{session.feasibility_run_id}?alternatives=1#other-tools"'
    assert link in operator_page.get(f"/sessions/{session.pk}").content.decode()
    listed = operator_page.get(f"/runs/{session.feasibility_run_id}", {"alternatives": "1"})
    assert "router:downcut_1_8in" in _section(listed.content.decode())
    green = drive("feasibility_ready", creator=operator)
    assert "Which tools would pass?" not in operator_page.get(f"/sessions/{green.pk}").content.decode()
