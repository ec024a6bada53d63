import pytest
from django.contrib.admin.utils import quote

from tests.runs.factories import record


@pytest.fixture
def staff_client(client, auditor):
    client.force_login(auditor)
    return client


def test_admin_changelist_is_read_only_with_filters_and_search(staff_client, db):
    first = record(tool_id="saw:thin_140", session_id="sess_a")
    record(tool_id="router:flat_3mm", status="BLOCKED")
    response = staff_client.get("/admin/runs/runartifact/")
    assert response.status_code == 200
    html = response.content.decode()
    assert first.run_id in html
    assert "Add run artifact" not in html
    assert "action-select" not in html
    filtered = staff_client.get("/admin/runs/runartifact/?status__exact=BLOCKED").content.decode()
    assert first.run_id not in filtered
    assert first.run_id in staff_client.get("/admin/runs/runartifact/?q=saw:").content.decode()
    assert first.run_id in staff_client.get(f"/admin/runs/runartifact/?q={first.run_id}").content.decode()


def test_admin_detail_shows_everything_read_only(staff_client, db):
    artifact = record(gcode_text="G21\nG0 Z5\n", request={"note": "carve", "safety": {"risk_level": "GREEN"}})
    response = staff_client.get(f"/admin/runs/runartifact/{quote(artifact.run_id)}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    for value in (artifact.chain_sha256, artifact.content_sha256, "carve", "G0 Z5", "chip_load"):
        assert value in html
    assert 'name="status"' not in html
    assert "Save" not in html
    assert "deletelink" not in html


def test_admin_auditor_cannot_add_change_or_delete(staff_client, db):
    artifact = record()
    base = f"/admin/runs/runartifact/{quote(artifact.run_id)}"
    assert staff_client.get("/admin/runs/runartifact/add/").status_code == 403
    assert staff_client.post(f"{base}/change/", {"status": "ERROR"}).status_code == 403
    assert staff_client.get(f"{base}/delete/").status_code == 403
