"""The authorization matrix of docs/security.md, as data: every row is sent as every persona.

The table is read from the document itself, so the document cannot drift from what the server does; and every
operation of the OpenAPI document must have a row, so a new endpoint cannot ship without one.
"""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from rmos_site.core.enums import Role
from tests.conftest import client_for, make_user
from tests.reliability.conftest import ROUTER_RING
from tests.runs.factories import record
from workflow import services as workflow_services

DOC = Path(settings.BASE_DIR) / "docs" / "security.md"
PERSONAS = ("operator", "approver", "auditor", "admin", "no role", "anonymous")
CELLS = {"allowed", "401", "403", "405", "login"}


def matrix_rows() -> list[tuple[str, str, dict[str, str]]]:
    text = DOC.read_text()
    block = re.search(r"<!-- authz-matrix.*?-->\n(.*?)<!-- /authz-matrix -->", text, re.S)
    assert block, "docs/security.md has lost its authz-matrix markers"
    rows = []
    for line in block.group(1).strip().splitlines()[2:]:
        method, path, *cells = (cell.strip() for cell in line.strip("|").split("|"))
        assert len(cells) == len(PERSONAS), line
        assert set(cells) <= CELLS, line
        rows.append((method, path, dict(zip(PERSONAS, cells, strict=True))))
    return rows


ROWS = matrix_rows()

BODIES = {
    "/api/rmos/feasibility": ROUTER_RING,
    "/api/rmos/toolpaths": ROUTER_RING,
    "/api/rmos/workflow/sessions": {},
    "/design": {"design": {"shape": "ring", "od": 100, "width": 4, "depth": 1.5}},
    "/context": {"tool_id": "router:downcut_1_8in", "material_id": "ebony", "machine_id": "router_a"},
    "/approve": {"note": "looks right"},
    "/reject": {"reason": "no"},
    "/revise": {"reason": "again"},
    "/archive": {"note": "done"},
}


def _body(path: str, session_id: str) -> dict:
    if path == "/api/rmos/workflow/approve":
        return {"session_id": session_id, "note": "ok"}
    return BODIES.get(path) or next((body for end, body in BODIES.items() if path.endswith(end)), {})


def test_matrix_covers_every_operation_of_the_schema():
    document = SchemaGenerator().get_schema(request=None, public=True)
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    covered = {(method, path) for method, path, _ in ROWS}
    assert operations - covered == set()


@pytest.mark.parametrize(("method", "path", "expected"), ROWS, ids=[f"{m} {p}" for m, p, _ in ROWS])
def test_authz_matrix_row(db, method, path, expected):
    users = {
        "operator": make_user("m-operator", Role.OPERATOR),
        "approver": make_user("m-approver", Role.APPROVER),
        "auditor": make_user("m-auditor", Role.AUDITOR),
        "admin": make_user("m-admin", Role.ADMIN),
        "no role": make_user("m-norole"),
        "anonymous": None,
    }
    run_id = record().run_id
    other = record(score=80.0).run_id
    for persona, cell in expected.items():
        # A fresh session per cell, created by the operator: an earlier cell's action must not change what
        # the next one is judged on, and the approver is never its creator.
        session_id = ""
        if "{session_id}" in path or path == "/api/rmos/workflow/approve":
            session_id = str(workflow_services.session_create(actor=users["operator"]).session.pk)
        url = path.format(
            run_id=run_id, a_id=run_id, b_id=other, session_id=session_id, entry_id=_entry_id(path), sha256="0" * 64
        )
        response = _send(users[persona], method, url, _body(path, session_id), login=path == "/api/docs")
        status = response.status_code
        where = f"{persona}: {method} {url} -> {status} {response.content[:200]!r}"
        if cell == "allowed":
            assert status not in (401, 403), where
            assert status < 500, where
        elif cell == "login":
            assert status == 302, where
            assert response["Location"].startswith(reverse(settings.LOGIN_URL)), where
        else:
            assert status == int(cell), where
            if path != "/api/docs":
                assert response["Content-Type"] == "application/problem+json", where


def _entry_id(path: str) -> str:
    return {"tools": "router:downcut_1_8in", "materials": "ebony", "machines": "router_a"}.get(
        path.split("/")[4] if path.startswith("/api/rmos/registry/") else "", ""
    )


def _send(user, method: str, url: str, body: dict, *, login: bool):
    if login:
        # /api/docs is a page behind Django's login, not the API: it knows the browser session only.
        from django.test import Client

        client = Client()
        if user is not None:
            client.force_login(user)
    else:
        client = client_for(user)
    payload = json.dumps(body) if method in ("POST", "PUT", "PATCH") else None
    kwargs = {"data": payload, "content_type": "application/json"} if payload is not None else {}
    return getattr(client, method.lower())(url, **kwargs)
