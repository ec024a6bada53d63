"""Load the default shop (feasibility/shop_data.py) so a fresh install can judge real jobs at once."""

from django.db import migrations

from feasibility import shop_data


def load(apps, schema_editor):
    for model_name, rows, key in (
        ("Machine", shop_data.MACHINES, "machine_id"),
        ("Tool", shop_data.TOOLS, "tool_id"),
        ("Material", shop_data.MATERIALS, "material_id"),
    ):
        Model = apps.get_model("feasibility", model_name)
        # Only the fields this migration's models have: later migrations add fields and load their values.
        fields = {field.name for field in Model._meta.concrete_fields}
        for row in rows:
            defaults = {k: v for k, v in row.items() if k != key and k in fields}
            Model.objects.update_or_create(**{key: row[key]}, defaults=defaults)


def unload(apps, schema_editor):
    for model_name, rows, key in (
        ("Machine", shop_data.MACHINES, "machine_id"),
        ("Tool", shop_data.TOOLS, "tool_id"),
        ("Material", shop_data.MATERIALS, "material_id"),
    ):
        apps.get_model("feasibility", model_name).objects.filter(**{f"{key}__in": [r[key] for r in rows]}).delete()


class Migration(migrations.Migration):
    dependencies = [("feasibility", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
