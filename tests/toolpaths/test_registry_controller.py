"""The registry fields programs are written from: a machine's controller (its default post) and spindle ramp, a
tool's tool-table number and whether it cuts at its centre. Served by the registry API, edited in the admin with
their history, refused by the database when impossible, and loaded for the default shop by migration 0005."""

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from feasibility.models import Machine, Tool
from tests.feasibility.test_registry_api import _change_form_data


def test_registry_api_serves_controller_ramp_tool_number_and_centre_cutting(auditor_client):
    router = auditor_client.get("/api/rmos/registry/machines/router_a").json()
    assert (router["controller"], router["spindle_ramp_s"]) == ("linuxcnc", 5.0)
    desktop = auditor_client.get("/api/rmos/registry/machines/desktop_4040").json()
    assert desktop["controller"] == "grbl"
    bit = auditor_client.get("/api/rmos/registry/tools/router:upcut_1_4in").json()
    assert (bit["tool_number"], bit["centre_cutting"]) == (5, True)
    saw = auditor_client.get("/api/rmos/registry/tools/saw:thin_140").json()
    assert saw["centre_cutting"] is False


def _admin_form(client, admin_user, path):
    admin_user.user_permissions.set(Permission.objects.filter(content_type__app_label="feasibility"))
    client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code == 200
    return _change_form_data(response)


def test_registry_admin_edits_the_controller_and_keeps_its_history(client, admin_user):
    machine = Machine.objects.get(machine_id="desktop_3018")
    path = f"/admin/feasibility/machine/{machine.pk}/change/"
    data = _admin_form(client, admin_user, path)
    data.update(controller="mach3", spindle_ramp_s=4.5)
    response = client.post(path, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    machine.refresh_from_db()
    assert (machine.controller, machine.spindle_ramp_s) == ("mach3", 4.5)
    event = machine.events.order_by("-pgh_id").first()
    assert (event.controller, event.spindle_ramp_s) == ("mach3", 4.5)
    assert event.pgh_context.metadata["user"] == admin_user.pk


def test_registry_admin_refuses_an_unknown_controller_naming_the_field(client, admin_user):
    machine = Machine.objects.get(machine_id="desktop_3018")
    path = f"/admin/feasibility/machine/{machine.pk}/change/"
    data = _admin_form(client, admin_user, path)
    data["controller"] = "fanuc"
    response = client.post(path, data)
    assert response.status_code == 200
    assert "controller" in response.context["adminform"].form.errors
    machine.refresh_from_db()
    assert machine.controller == "grbl"


def test_registry_refuses_a_negative_spindle_ramp_and_tool_number_zero(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Machine.objects.filter(machine_id="router_a").update(spindle_ramp_s=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tool.objects.filter(tool_id="router:flat_3mm").update(tool_number=0)
    # No number at all is allowed: the program stops for a touch-off instead.
    Tool.objects.filter(tool_id="router:flat_3mm").update(tool_number=None)


@pytest.mark.django_db(transaction=True)
def test_controller_migration_loads_the_default_shop_and_defaults_a_shops_own_machine():
    executor = MigrationExecutor(connection)
    # Before 0004 as well, so that the default shop is loaded again on the way up (another test may have
    # emptied the tables).
    before = [("feasibility", "0003_work_coordinates")]
    latest = executor.loader.graph.leaf_nodes("feasibility")
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old_apps.get_model("feasibility", "Machine").objects.create(
        machine_id="shop_router", name="The shop's own router", travel_x_mm=1200, travel_y_mm=900, travel_z_mm=150,
        rpm_min=8000, rpm_max=24000, max_feed_xy_mm_min=12000, max_feed_z_mm_min=3000, spindle_power_w=3000,
        soft_x_max_mm=1200, soft_y_max_mm=900, soft_z_min_mm=-150,
    )  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)
    apps = executor.loader.project_state(latest).apps
    Machine = apps.get_model("feasibility", "Machine")
    own = Machine.objects.get(machine_id="shop_router")
    assert (own.controller, own.spindle_ramp_s) == ("linuxcnc", 3.0)
    assert Machine.objects.get(machine_id="desktop_3018").controller == "grbl"
    fret = apps.get_model("feasibility", "Tool").objects.get(tool_id="router:fret_0_58mm")
    assert fret.tool_number is not None
    assert fret.centre_cutting is True
    own.delete()
