"""Outline jobs over the API: the drawing received once by hash, judged, generated, refused where it must be.

Real engine, real registry, real ledger and the real drawing store (``runs.DrawingFile``). The drawings are made
with ezdxf (``tests/drawings.py``).
"""

import hashlib
import json
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from runs.models import DrawingFile, RunArtifact
from tests.conftest import client_for
from tests.drawings import dxf_text, rounded_rect

FEASIBILITY = "/api/rmos/feasibility"
TOOLPATHS = "/api/rmos/toolpaths"
SESSIONS = "/api/rmos/workflow/sessions"
PANEL = dxf_text(lambda m, doc: rounded_rect(m, 0, 0, 120, 80, 10))
PANEL_SHA = hashlib.sha256(PANEL.encode()).hexdigest()
TABS = {"count": 4, "width": 8, "height": 2}


def job(data: str | None = PANEL, **design) -> dict:
    source = {"format": "dxf", "data": data, "name": "panel.dxf"} if data is not None else design.pop("source")
    return {
        "tool_id": "router:upcut_1_4in",
        "material_id": "walnut",
        "machine_id": "router_a",
        "design": {
            "shape": "outline",
            "operation": "profile_outside",
            "depth": 6,
            "stock_thickness": 6,
            "x": 50,
            "y": 50,
            "tabs": TABS,
            "source": source,
            **design,
        },
    }


def _no_text_in(value) -> None:
    """The ledger row names the drawing; it never holds the file."""
    assert PANEL[:200] not in json.dumps(value)


def test_feasibility_of_an_inline_drawing_is_judged_and_the_file_stored_once(operator, operator_client):
    response = operator_client.post(FEASIBILITY, job(), format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["safety"]["risk_level"] == "GREEN"
    source = body["design"]["source"]
    assert source == {"format": "dxf", "sha256": PANEL_SHA, "bytes": len(PANEL.encode()), "name": "panel.dxf"}
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert artifact.request["design"]["source"]["sha256"] == PANEL_SHA
    assert "data" not in artifact.request["design"]["source"]
    _no_text_in(artifact.request)
    _no_text_in(artifact.feasibility)
    assert artifact.feasibility["outline"]["drawing"]["stats"]["sha256"] == PANEL_SHA
    stored = DrawingFile.objects.get()
    assert (stored.sha256, stored.size_bytes, stored.text, stored.format) == (PANEL_SHA, len(PANEL), PANEL, "dxf")
    assert stored.received_by == operator.username
    # Sent again, by text or by reference: one file, the same verdict.
    again = operator_client.post(FEASIBILITY, job(), format="json").json()
    by_hash = operator_client.post(
        FEASIBILITY, job(None, source={"format": "dxf", "sha256": PANEL_SHA, "name": "panel.dxf"}), format="json"
    ).json()
    assert DrawingFile.objects.count() == 1
    assert again["feasibility_sha256"] == body["feasibility_sha256"] == by_hash["feasibility_sha256"]


def test_toolpaths_of_an_outline_release_a_program_naming_the_drawing(operator_client):
    response = operator_client.post(TOOLPATHS, job(), format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    text = body["gcode_text"]
    assert f"sha256 {PANEL_SHA}" in text
    assert "(tabs: 4 per outer edge, 8 mm wide, 2 mm high)" in text
    assert body["toolpaths"]["moves"]["total"] > 100
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert artifact.status == "OK"
    _no_text_in(artifact.request)
    # The G-code download is the program, byte for byte.
    download = operator_client.get(f"/api/rmos/runs/{body['run_id']}/gcode")
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == body["_hashes"]["gcode_sha256"]


def test_an_open_contour_is_red_from_feasibility_and_409_from_toolpaths(operator_client):
    text = dxf_text(lambda m, doc: m.add_lwpolyline([(0, 0), (80, 0), (80, 50), (0, 50)], dxfattribs={"layer": "CUT"}))
    body = operator_client.post(FEASIBILITY, job(text), format="json").json()
    assert body["safety"]["risk_level"] == "RED"
    reason = body["safety"]["block_reason"]
    assert reason.startswith("OUTLINE_DRAWING: the drawing cannot be cut as drawn: open contour")
    assert "layer CUT" in reason
    response = operator_client.post(TOOLPATHS, job(text), format="json")
    assert response.status_code == 409
    assert response.json()["error"] == "SAFETY_BLOCKED"
    assert RunArtifact.objects.get(run_id=response.json()["run_id"]).gcode_text is None


def test_a_malformed_file_is_400_recorded_by_hash_and_not_stored(operator_client):
    broken = "0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n0\n10\nnot-a-number\n"
    response = operator_client.post(FEASIBILITY, job(broken), format="json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["error"] == "DRAWING_MALFORMED"
    assert problem["errors"] == {"design": {"source": [problem["detail"].split(": ", 1)[1]]}}
    artifact = RunArtifact.objects.get(run_id=problem["run_id"])
    assert artifact.status == "ERROR"
    source = artifact.request["design"]["source"]
    assert source["sha256"] == hashlib.sha256(broken.encode()).hexdigest()
    assert source["bytes"] == len(broken)
    assert "data" not in source
    assert not DrawingFile.objects.exists()


def test_an_svg_declaring_entities_is_refused(operator_client):
    bomb = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'
    request = job(None, source={"format": "svg", "data": bomb})
    response = operator_client.post(FEASIBILITY, request, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "DRAWING_MALFORMED"


def test_a_drawing_over_the_readers_limit_is_413_and_recorded(operator_client):
    # 5,000,001 bytes of comments: a DXF the reader refuses before parsing.
    big = PANEL + "999\n" + "x" * (5_000_001 - len(PANEL) - 4)
    response = operator_client.post(FEASIBILITY, job(big), format="json")
    assert response.status_code == 413
    problem = response.json()
    assert problem["error"] == "DRAWING_TOO_LARGE"
    artifact = RunArtifact.objects.get(run_id=problem["run_id"])
    assert artifact.request["design"]["source"]["bytes"] == len(big)
    assert len(json.dumps(artifact.request)) < 2000
    assert not DrawingFile.objects.exists()


def test_bodies_over_the_drawing_limit_and_large_bodies_elsewhere_are_413(operator_client, settings):
    settings.RMOS_MAX_DRAWING_BODY_BYTES = 300_000
    response = operator_client.post(FEASIBILITY, job(PANEL + "999\n" + "x" * 400_000), format="json")
    assert response.status_code == 413
    assert response.json()["error"] == "PAYLOAD_TOO_LARGE"
    # The job endpoints take a drawing far over the ordinary limit (256 KiB); other endpoints do not.
    settings.RMOS_MAX_DRAWING_BODY_BYTES = 12_000_000
    assert operator_client.post(FEASIBILITY, job(PANEL + "999\n" + "x" * 400_000), format="json").status_code == 200
    note = {"note": "x" * 300_000}
    response = operator_client.post(f"{SESSIONS}/1/archive", note, format="json")
    assert response.status_code == 413
    assert response.json()["error"] == "PAYLOAD_TOO_LARGE"


def test_an_unknown_reference_is_400_naming_it(operator_client):
    missing = "0" * 64
    response = operator_client.post(FEASIBILITY, job(None, source={"format": "dxf", "sha256": missing}), format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "DRAWING_NOT_FOUND"
    assert missing in response.json()["detail"]


@pytest.mark.parametrize(
    ("source", "field"),
    [
        ({"format": "dwg", "data": PANEL}, "format"),
        ({"format": "dxf"}, "data"),
        ({"format": "dxf", "data": PANEL, "sha256": PANEL_SHA}, "data"),
        ({"format": "dxf", "data": "0\nSECTION\x00"}, "data"),
        ({"format": "dxf", "data": 12}, "data"),
        ({"format": "dxf", "sha256": "abc"}, "sha256"),
        ({"format": "dxf", "data": PANEL, "extra": 1}, "extra"),
    ],
)
def test_malformed_sources_are_400_naming_the_field(operator_client, source, field):
    response = operator_client.post(FEASIBILITY, job(None, source=source), format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]["design"]["source"]
    assert not DrawingFile.objects.exists()


@pytest.mark.parametrize(
    "design",
    [
        {"operation": "engrave"},
        {"direction": "sideways"},
        {"tabs": {"count": -1}},
        {"tabs": {"count": 2, "wide": 3}},
        {"layer": ["BODY"]},
        {"layer": 12},
        {"depth": "6"},
    ],
)
def test_malformed_outline_designs_are_400(operator_client, design):
    response = operator_client.post(FEASIBILITY, job(**design), format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "VALIDATION_ERROR"


def test_missing_operation_or_stock_is_unknown_not_a_guess(operator_client):
    request = job()
    del request["design"]["operation"], request["design"]["stock_thickness"]
    body = operator_client.post(FEASIBILITY, request, format="json").json()
    assert body["safety"]["risk_level"] == "UNKNOWN"
    assert "operation" in body["safety"]["block_reason"]
    assert "stock_thickness" in body["safety"]["block_reason"]


def test_tabs_on_a_pocket_are_refused(operator_client):
    body = operator_client.post(FEASIBILITY, job(operation="pocket", stock_thickness=12), format="json").json()
    assert body["safety"]["risk_level"] == "RED"
    assert "tabs hold a part" in body["safety"]["block_reason"]


def test_only_operators_send_drawings_and_a_refused_call_stores_nothing(approver_client, auditor_client):
    for client in (approver_client, auditor_client):
        response = client.post(FEASIBILITY, job(), format="json")
        assert response.status_code == 403
        _no_text_in(RunArtifact.objects.get(run_id=response.json()["run_id"]).request)
    assert not DrawingFile.objects.exists()


def test_a_session_keeps_its_drawing_by_reference_judges_it_and_cuts_it_once_approved(operator_client, approver_client):
    request = job()
    created = operator_client.post(
        SESSIONS,
        {"design": request["design"], "context": {k: request[k] for k in ("tool_id", "material_id", "machine_id")}},
        format="json",
    )
    assert created.status_code == 201, created.json()
    session = created.json()
    assert session["design"]["source"] == {
        "format": "dxf", "sha256": PANEL_SHA, "bytes": len(PANEL), "name": "panel.dxf",
    }  # fmt: skip
    sid = session["session_id"]
    judged = operator_client.post(f"{SESSIONS}/{sid}/feasibility", {}, format="json")
    assert judged.status_code == 200, judged.json()
    assert judged.json()["feasibility"]["risk_level"] == "GREEN"
    approved = approver_client.post(f"{SESSIONS}/{sid}/approve", {"note": "cut it"}, format="json")
    assert approved.status_code == 200, approved.json()
    cut = operator_client.post(f"{SESSIONS}/{sid}/toolpaths", {}, format="json")
    assert cut.status_code == 200, cut.json()
    program = cut.json()["toolpaths"]
    assert f"sha256 {PANEL_SHA}" in program["gcode_text"]
    assert program["_hashes"]["feasibility_sha256"] == approved.json()["approval"]["feasibility_sha256"]
    # The session's events and artifacts name the drawing; none holds it.
    events = operator_client.get(f"{SESSIONS}/{sid}/events").json()["events"]
    _no_text_in(events)
    for artifact in RunArtifact.objects.filter(session_id=str(sid)):
        _no_text_in(artifact.request)
        _no_text_in(artifact.feasibility)
    # A malformed drawing on the design step is a 400 naming the source; the design stays as it was.
    broken = {**request["design"], "source": {"format": "dxf", "data": "0\nSECTION\n2\nENTITIES\n0\nLINE\n10\nx\n"}}
    response = operator_client.post(f"{SESSIONS}/{sid}/design", {"design": broken}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "DRAWING_MALFORMED"
    assert "source" in response.json()["errors"]["design"]


def test_a_drawing_counts_by_its_hash_not_the_name_it_was_sent_under(operator_client, approver_client):
    hashes = set()
    for source in (
        {"format": "dxf", "data": PANEL, "name": "panel.dxf"},
        {"format": "dxf", "data": PANEL, "name": "panel v2 (final).dxf"},
        {"format": "dxf", "sha256": PANEL_SHA},
    ):
        response = operator_client.post(FEASIBILITY, job(data=None, source=source), format="json")
        assert response.status_code == 200, response.json()
        hashes.add(response.json()["feasibility_sha256"])
        assert response.json()["design"]["source"].get("name") == source.get("name")
    assert len(hashes) == 1
    # So a session approved with the file sent by name is cut by an integrator naming the file by its hash.
    request = job()
    ids = {key: request[key] for key in ("tool_id", "material_id", "machine_id")}
    sid = operator_client.post(SESSIONS, {"design": request["design"], "context": ids}, format="json").json()[
        "session_id"
    ]
    assert operator_client.post(f"{SESSIONS}/{sid}/feasibility", {}, format="json").status_code == 200
    approved = approver_client.post(f"{SESSIONS}/{sid}/approve", {}, format="json").json()["approval"]
    assert approved["feasibility_sha256"] in hashes
    by_hash = job(data=None, source={"format": "dxf", "sha256": PANEL_SHA})
    cut = operator_client.post(TOOLPATHS, {**by_hash, "session_id": sid}, format="json")
    assert cut.status_code == 200, cut.json()
    assert cut.json()["state"] == "toolpaths_ready"
    # A different file is a different job: another drawing under the approved name is refused.
    other = dxf_text(lambda m, doc: rounded_rect(m, 0, 0, 121, 80, 10))
    renamed = job(data=None, source={"format": "dxf", "data": other, "name": "panel.dxf"})
    sid2 = operator_client.post(SESSIONS, {"design": request["design"], "context": ids}, format="json").json()[
        "session_id"
    ]
    operator_client.post(f"{SESSIONS}/{sid2}/feasibility", {}, format="json")
    assert approver_client.post(f"{SESSIONS}/{sid2}/approve", {}, format="json").status_code == 200
    refused = operator_client.post(TOOLPATHS, {**renamed, "session_id": sid2}, format="json")
    assert refused.status_code == 409, refused.json()


@pytest.mark.django_db
def test_the_drawing_store_is_immutable_and_keyed_by_the_hash_of_its_text(operator_client):
    operator_client.post(FEASIBILITY, job(), format="json")
    with connection.cursor() as cursor:
        for statement in (
            "UPDATE runs_drawingfile SET text = 'x'",
            "DELETE FROM runs_drawingfile",
            "TRUNCATE runs_drawingfile",
        ):
            with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
                cursor.execute(statement)
        with pytest.raises(IntegrityError, match="sha256_of_text"), transaction.atomic():
            cursor.execute(
                "INSERT INTO runs_drawingfile (sha256, format, size_bytes, text, received_at, received_by) "
                "VALUES (%s, 'dxf', 4, 'evil', now(), '')",
                [PANEL_SHA.replace(PANEL_SHA[0], "f" if PANEL_SHA[0] != "f" else "e", 1)],
            )
    assert DrawingFile.objects.get().text == PANEL


@pytest.mark.django_db(transaction=True)
def test_the_same_new_drawing_sent_at_once_is_stored_once(operator):
    racers = 6
    clients = [client_for(operator) for _ in range(racers)]
    barrier = threading.Barrier(racers)
    codes, failures = [], []

    def racer(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            codes.append(clients[index].post(FEASIBILITY, job(), format="json").status_code)
        except Exception as exc:  # asserted on in the main thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(index,)) for index in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    assert codes == [200] * racers
    assert DrawingFile.objects.count() == 1
    assert RunArtifact.objects.filter(kind="feasibility", status="OK").count() == racers


def test_a_received_drawing_downloads_as_the_file_it_was(operator_client, auditor_client, anon_client):
    operator_client.post(FEASIBILITY, job(), format="json")
    response = auditor_client.get(f"/api/rmos/drawings/{PANEL_SHA}")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == PANEL_SHA
    assert response["Content-Type"] == "image/vnd.dxf"
    assert response["Content-Disposition"] == f'attachment; filename="{PANEL_SHA[:16]}.dxf"'
    assert response["ETag"] == f'"{PANEL_SHA}"'
    assert "sandbox" in response["Content-Security-Policy"]
    assert auditor_client.get(f"/api/rmos/drawings/{PANEL_SHA}", HTTP_IF_NONE_MATCH=f'"{PANEL_SHA}"').status_code == 304
    assert anon_client.get(f"/api/rmos/drawings/{PANEL_SHA}").status_code == 401
    missing = auditor_client.get(f"/api/rmos/drawings/{'0' * 64}")
    assert (missing.status_code, missing.json()["error"]) == (404, "DRAWING_NOT_FOUND")
    for bad in ("abc", PANEL_SHA.upper(), PANEL_SHA + "0", "..%2F" + PANEL_SHA):
        invalid = auditor_client.get(f"/api/rmos/drawings/{bad}")
        assert (invalid.status_code, invalid.json()["error"]) == (400, "INVALID_DRAWING_ID")


FANNED = {
    "shape": "fret_slots", "scale_length_bass": 648, "scale_length_treble": 628, "perpendicular_fret": 7,
    "frets": 22, "nut_width": 43, "board_width": 58, "depth": 2,
}  # fmt: skip


def test_a_fret_boards_outline_drawing_is_cut_as_an_outline_in_register_with_its_slots(operator_client):
    slots = {"tool_id": "router:fret_0_58mm", "material_id": "ebony", "machine_id": "router_a", "design": FANNED}
    run = operator_client.post(FEASIBILITY, slots, format="json").json()
    assert run["safety"]["risk_level"] in ("GREEN", "YELLOW"), run["safety"]["block_reason"]
    response = operator_client.get(f"/api/rmos/runs/{run['run_id']}/board.dxf")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{run["run_id"]}-board.dxf"'
    board = response.content.decode()
    # The taper, cut with a 1/4 in bit at the same fixture and datum as the slots.
    outline = job(board, layer="BOARD", depth=6.35, stock_thickness=6.35, x=0, y=0,
                  tabs={"count": 4, "width": 10, "height": 1.5})  # fmt: skip
    outline["material_id"] = "ebony"
    cut = operator_client.post(TOOLPATHS, outline, format="json")
    assert cut.status_code == 200, cut.json()
    assert "(layer: BOARD)" in cut.json()["gcode_text"]
    other = operator_client.post(FEASIBILITY, job(), format="json").json()
    refused = operator_client.get(f"/api/rmos/runs/{other['run_id']}/board.dxf")
    assert (refused.status_code, refused.json()["error"]) == (404, "NO_FRET_BOARD")
    assert operator_client.get("/api/rmos/runs/run_x/board.dxf").json()["error"] == "INVALID_RUN_ID"
