"""The work-coordinates migrations on a registry that existed before them: a shop's own machine gets soft limits
from its travel (homed at a corner, Z0 on top), and the default shop gets its fixtures, tool holding and tools."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("feasibility", "0002_default_shop")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_work_coordinates_migrate_an_existing_registry():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("feasibility")
    old_apps = _migrate(BEFORE)
    old_apps.get_model("feasibility", "Machine").objects.create(
        machine_id="shop_router", name="The shop's own router", travel_x_mm=1200, travel_y_mm=900, travel_z_mm=150,
        rpm_min=8000, rpm_max=24000, max_feed_xy_mm_min=12000, max_feed_z_mm_min=3000, spindle_power_w=3000,
    )  # fmt: skip
    apps = _migrate(latest)
    Machine = apps.get_model("feasibility", "Machine")
    own = Machine.objects.get(machine_id="shop_router")
    assert (own.soft_x_min_mm, own.soft_x_max_mm, own.soft_y_min_mm, own.soft_y_max_mm) == (0, 1200, 0, 900)
    assert (own.soft_z_min_mm, own.soft_z_max_mm) == (-150, 0)
    # Without a fixture its jobs are UNKNOWN until the shop says where work zero is: no centre is assumed.
    assert not apps.get_model("feasibility", "Fixture").objects.filter(machine=own).exists()
    router_a = Machine.objects.get(machine_id="router_a")
    assert (router_a.collet_min_mm, router_a.collet_max_mm, router_a.saw_mount) == (1.0, 13.0, "none")
    jig = apps.get_model("feasibility", "Fixture").objects.get(machine=router_a, is_default=True)
    assert (jig.fixture_id, jig.work_offset) == ("fretboard_jig", "G54")
    Tool = apps.get_model("feasibility", "Tool")
    assert Tool.objects.filter(tool_id__in=["router:fret_0_58mm", "router:upcut_1_16in"]).count() == 2
