import json

import pytest

from feasibility.models import Fixture, Machine, Tool
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


def test_registry_machine_shows_soft_limits_holding_and_fixtures(auditor_client):
    body = auditor_client.get("/api/rmos/registry/machines/router_a").json()
    assert (body["soft_x_min_mm"], body["soft_x_max_mm"]) == (0.0, 800.0)
    assert (body["soft_z_min_mm"], body["soft_z_max_mm"]) == (-120.0, 0.0)
    assert (body["spindle_orientation"], body["collet_min_mm"], body["collet_max_mm"]) == ("vertical", 1.0, 13.0)
    assert (body["saw_mount"], body["saw_max_blade_mm"], body["saw_blade_plane"]) == ("none", 0.0, "")
    jig, spoilboard = body["fixtures"]
    assert (jig["fixture_id"], jig["work_offset"], jig["is_default"]) == ("fretboard_jig", "G54", True)
    assert (spoilboard["fixture_id"], spoilboard["work_offset"]) == ("spoilboard", "G55")
    assert spoilboard["is_default"] is False
    assert jig["clamps"][0]["name"] == "tail toggle clamp"
    # A through cut may go half a millimetre into the spoilboard, and not at all into the jig.
    assert (jig["through_allowance_mm"], spoilboard["through_allowance_mm"]) == (0.0, 0.5)
    saw = auditor_client.get("/api/rmos/registry/machines/fret_saw").json()
    assert (saw["saw_mount"], saw["saw_max_blade_mm"], saw["saw_blade_plane"]) == ("arbor", 150.0, "YZ")


def test_registry_machines_with_fixtures_cost_one_query(operator_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        items = operator_client.get("/api/rmos/registry/machines").json()["items"]
    assert all(item["fixtures"] for item in items)


def _admin(client, admin_user):
    from django.contrib.auth.models import Permission

    admin_user.user_permissions.set(Permission.objects.filter(content_type__app_label="feasibility"))
    client.force_login(admin_user)


def _change_form_data(response) -> dict:
    """The machine's change form and its fixture inline as the browser would post them back."""
    data = {}
    form = response.context["adminform"].form
    for name, value in form.initial.items():
        data[name] = "" if value is None else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for index, inline_form in enumerate(formset.forms):
            for name, field in inline_form.fields.items():
                value = inline_form.initial.get(name, field.initial)
                if name == "clamps":
                    value = json.dumps(value)
                elif hasattr(value, "pk"):
                    value = value.pk
                data[f"{formset.prefix}-{index}-{name}"] = "" if value is None else value
    return data


def _post_machine_form(client, admin_user, **changes):
    """router_a's change form posted back as the browser would, with ``changes`` to its fields; (machine,
    response)."""
    _admin(client, admin_user)
    machine = Machine.objects.get(machine_id="router_a")
    url = f"/admin/feasibility/machine/{machine.pk}/change/"
    data = _change_form_data(client.get(url))
    data.update({name.replace("__", "-"): value for name, value in changes.items()})
    return machine, client.post(url, data)


def _inline_errors(response, index: int, field: str) -> str:
    return " ".join(response.context["inline_admin_formsets"][0].formset.errors[index][field])


def test_registry_admin_edits_a_fixture_inline_and_keeps_its_history(client, admin_user):
    _admin(client, admin_user)
    machine = Machine.objects.get(machine_id="router_a")
    url = f"/admin/feasibility/machine/{machine.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    data = _change_form_data(response)
    data["fixtures-0-origin_x_mm"] = 160.0
    response = client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    jig = Fixture.objects.get(machine=machine, fixture_id="fretboard_jig")
    assert jig.origin_x_mm == 160.0
    event = jig.events.order_by("-pgh_id").first()
    assert (event.pgh_label, event.origin_x_mm) == ("update", 160.0)
    assert event.pgh_context.metadata["user"] == admin_user.pk


@pytest.mark.parametrize(
    ("clamps", "message"),
    [
        ("{}", "Clamps must be a list"),
        ('[{"name": "c"}]', "Clamp 1 must have exactly the keys"),
        (
            '[{"name": "c", "x_min_mm": 5, "x_max_mm": 1, "y_min_mm": 0, "y_max_mm": 1, "height_mm": 2}]',
            "Clamp 1: a max is below its min",
        ),
        (
            '[{"name": "c", "x_min_mm": 0, "x_max_mm": 1, "y_min_mm": 0, "y_max_mm": 1, "height_mm": "tall"}]',
            "Clamp 1: height_mm must be a number",
        ),
    ],
)
def test_registry_admin_refuses_malformed_clamps_naming_the_field(client, admin_user, clamps, message):
    machine, response = _post_machine_form(client, admin_user, fixtures__0__clamps=clamps)
    assert response.status_code == 200
    assert message in _inline_errors(response, 0, "clamps")
    assert Fixture.objects.get(machine=machine, fixture_id="fretboard_jig").clamps[0]["name"] == "tail toggle clamp"


def test_registry_refuses_a_second_default_fixture_and_inconsistent_limits(db):
    from django.db import IntegrityError, transaction

    machine = Machine.objects.get(machine_id="router_a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Fixture.objects.create(
            machine=machine, fixture_id="second", name="x", work_offset="G56", origin_x_mm=0, origin_y_mm=0,
            origin_z_mm=0, is_default=True,
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Machine.objects.filter(pk=machine.pk).update(soft_x_max_mm=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Machine.objects.filter(pk=machine.pk).update(saw_mount="arbor")


@pytest.mark.parametrize(
    ("value", "message"), [("4", "less than or equal to 3"), ("-0.1", "greater than or equal to 0")]
)
def test_registry_admin_bounds_a_fixtures_through_allowance(client, admin_user, value, message):
    machine, response = _post_machine_form(client, admin_user, fixtures__1__through_allowance_mm=value)
    assert response.status_code == 200
    assert message in _inline_errors(response, 1, "through_allowance_mm")
    assert Fixture.objects.get(machine=machine, fixture_id="spoilboard").through_allowance_mm == 0.5
    # Below the forms, PostgreSQL refuses it too.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Fixture.objects.filter(machine=machine, fixture_id="spoilboard").update(through_allowance_mm=float(value))


def test_registry_admin_sets_a_fixtures_through_allowance(client, admin_user):
    machine, response = _post_machine_form(client, admin_user, fixtures__1__through_allowance_mm="0.3")
    assert response.status_code == 302
    spoilboard = Fixture.objects.get(machine=machine, fixture_id="spoilboard")
    assert spoilboard.through_allowance_mm == 0.3
    assert spoilboard.events.order_by("-pgh_id").first().through_allowance_mm == 0.3
