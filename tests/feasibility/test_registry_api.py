import pytest

from feasibility.models import Tool
from feasibility.shop_data import MACHINES, MATERIALS, TOOLS


@pytest.mark.parametrize(("registry", "rows", "key"), [
    ("tools", TOOLS, "tool_id"), ("materials", MATERIALS, "material_id"), ("machines", MACHINES, "machine_id"),
])  # fmt: skip
def test_registry_list_matches_default_shop(operator_client, registry, rows, key):
    response = operator_client.get(f"/api/rmos/registry/{registry}")
    assert response.status_code == 200
    items = response.json()["items"]
    assert {item[key] for item in items} == {row[key] for row in rows}
    by_id = {item[key]: item for item in items}
    for row in rows:
        # JSON keeps every number as stored, so the registry reads back exactly (fixtures included).
        assert by_id[row[key]] == row


def test_registry_seed_ids_exist(auditor_client):
    for path in ("tools/saw:thin_140", "materials/ebony", "materials/maple", "machines/router_a"):
        assert auditor_client.get(f"/api/rmos/registry/{path}").status_code == 200


def test_registry_detail_unknown_is_404_problem(operator_client):
    response = operator_client.get("/api/rmos/registry/tools/router:nope")
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "REGISTRY_ENTRY_NOT_FOUND"
    assert body["id"] == "router:nope"


def test_registry_anonymous_is_401(anon_client, db):
    assert anon_client.get("/api/rmos/registry/tools").status_code == 401


def test_registry_outsider_is_403(outsider_client):
    assert outsider_client.get("/api/rmos/registry/materials").status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_registry_is_read_only_over_api(operator_client, method):
    response = getattr(operator_client, method)("/api/rmos/registry/tools/saw:thin_140", {}, format="json")
    assert response.status_code == 405
    assert response.json()["error"] == "METHOD_NOT_ALLOWED"


def test_registry_list_query_count_is_constant(operator_client, django_assert_max_num_queries):
    # Auth (token + groups) plus one query for the registry, however many rows.
    with django_assert_max_num_queries(3):
        operator_client.get("/api/rmos/registry/tools")


def test_registry_admin_edit_keeps_history_with_user(client, admin_user):
    from django.contrib.auth.models import Permission

    admin_user.user_permissions.set(Permission.objects.filter(content_type__app_label="feasibility"))
    client.force_login(admin_user)
    tool = Tool.objects.get(tool_id="router:flat_3mm")
    response = client.get(f"/admin/feasibility/tool/{tool.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data["max_rpm"] = 20000
    response = client.post(f"/admin/feasibility/tool/{tool.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    tool.refresh_from_db()
    assert tool.max_rpm == 20000
    event = tool.events.order_by("-pgh_id").first()
    assert event.pgh_label == "update"
    assert event.max_rpm == 20000
    assert event.pgh_context.metadata["user"] == admin_user.pk


def test_registry_admin_denied_to_operator(client, operator):
    client.force_login(operator)
    response = client.get("/admin/feasibility/tool/")
    assert response.status_code == 302  # operators are not staff: sent to the admin login
