"""The default shop's machines with their soft limits, tool holding and fixtures, and the luthier tools added with
them (feasibility/shop_data.py). Entries the shop has edited since keep their ids; their values are set to the
defaults, as 0002 did."""

from django.db import migrations

from feasibility import shop_data


def load(apps, schema_editor):
    Machine = apps.get_model("feasibility", "Machine")
    Fixture = apps.get_model("feasibility", "Fixture")
    Tool = apps.get_model("feasibility", "Tool")
    # Only the fields this migration's models have: later migrations add fields and load their values.
    machine_fields = {field.name for field in Machine._meta.concrete_fields}
    tool_fields = {field.name for field in Tool._meta.concrete_fields}
    fixture_fields = {field.name for field in Fixture._meta.concrete_fields}
    for row in shop_data.MACHINES:
        values = {k: v for k, v in row.items() if k not in ("machine_id", "fixtures") and k in machine_fields}
        machine, _ = Machine.objects.update_or_create(machine_id=row["machine_id"], defaults=values)
        for fixture in row["fixtures"]:
            values = {k: v for k, v in fixture.items() if k != "fixture_id" and k in fixture_fields}
            Fixture.objects.update_or_create(machine=machine, fixture_id=fixture["fixture_id"], defaults=values)
    for row in shop_data.TOOLS:
        values = {k: v for k, v in row.items() if k != "tool_id" and k in tool_fields}
        Tool.objects.update_or_create(tool_id=row["tool_id"], defaults=values)


def unload(apps, schema_editor):
    Fixture = apps.get_model("feasibility", "Fixture")
    for row in shop_data.MACHINES:
        ids = [fixture["fixture_id"] for fixture in row["fixtures"]]
        Fixture.objects.filter(machine__machine_id=row["machine_id"], fixture_id__in=ids).delete()
    added_tools = ["router:fret_0_58mm", "router:upcut_1_16in"]
    apps.get_model("feasibility", "Tool").objects.filter(tool_id__in=added_tools).delete()
    apps.get_model("feasibility", "Machine").objects.filter(machine_id="fret_saw").delete()


class Migration(migrations.Migration):
    dependencies = [("feasibility", "0003_work_coordinates")]
    operations = [migrations.RunPython(load, unload)]
