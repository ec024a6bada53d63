"""Reads of the shop registry, as the plain dicts the pure engine takes (docs/interfaces.md)."""

from django.db import connection, models

from feasibility.models import Machine, Material, Tool
from rmos_site.core.problems import ProblemError

TOOL_KEYS = (
    "tool_id", "name", "kind", "diameter_mm", "flutes", "flute_length_mm", "shank_mm", "stickout_mm", "kerf_mm",
    "max_rpm", "chipload_min_mm", "chipload_max_mm", "vbit_angle_deg", "tool_material",
)  # fmt: skip
MATERIAL_KEYS = ("material_id", "name", "material_class", "janka_lbf", "density_kg_m3", "oily")
MACHINE_KEYS = (
    "machine_id", "name", "travel_x_mm", "travel_y_mm", "travel_z_mm", "rpm_min", "rpm_max",
    "max_feed_xy_mm_min", "max_feed_z_mm_min", "spindle_power_w",
)  # fmt: skip

# registry name in URLs -> (model, id field, keys)
REGISTRIES: dict[str, tuple[type[models.Model], str, tuple[str, ...]]] = {
    "tools": (Tool, "tool_id", TOOL_KEYS),
    "materials": (Material, "material_id", MATERIAL_KEYS),
    "machines": (Machine, "machine_id", MACHINE_KEYS),
}


def _entries(model, keys, **filters) -> list[dict]:
    # values() skips model instantiation: the engine wants plain dicts anyway.
    return list(model.objects.filter(**filters).values(*keys))


def registry_list(registry: str) -> list[dict]:
    model, _, keys = REGISTRIES[registry]
    return _entries(model, keys)


def registry_get(registry: str, entry_id: str) -> dict:
    model, id_field, keys = REGISTRIES[registry]
    found = _entries(model, keys, **{id_field: entry_id})
    if not found:
        raise ProblemError(
            status=404,
            error="REGISTRY_ENTRY_NOT_FOUND",
            title="Registry entry not found",
            detail=f"No {registry[:-1]} with id {entry_id!r}.",
            registry=registry,
            id=entry_id,
        )
    return found[0]


def registry_lookup(*, tool_id: str, material_id: str, machine_id: str) -> dict[str, dict | None]:
    """The entries a verdict needs, ``None`` for an unknown id (the engine turns that into UNKNOWN).

    One query for all three (every feasibility and toolpaths request pays it): a left join of each table on its
    id, so an unknown or empty id leaves that entry's columns NULL. The values are exactly those ``values()``
    returns (none of these fields has a database converter), so the verdict and its hash are unchanged.
    """
    wanted = {"tool": ("tools", tool_id), "material": ("materials", material_id), "machine": ("machines", machine_id)}
    columns, joins, params, offsets = [], [], [], {}
    quote = connection.ops.quote_name
    for alias, (registry, entry_id) in wanted.items():
        model, id_field, keys = REGISTRIES[registry]
        offsets[alias] = len(columns)
        columns += [f"{alias}.{quote(model._meta.get_field(key).column)}" for key in keys]
        id_column = quote(model._meta.get_field(id_field).column)
        joins.append(f"LEFT JOIN {quote(model._meta.db_table)} AS {alias} ON {alias}.{id_column} = %s")
        params.append(entry_id or None)  # NULL matches nothing: an empty id is unknown, as before
    sql = f"SELECT {', '.join(columns)} FROM (SELECT 1) AS one {' '.join(joins)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    found: dict[str, dict | None] = {}
    for alias, (registry, _) in wanted.items():
        keys = REGISTRIES[registry][2]
        values = row[offsets[alias] : offsets[alias] + len(keys)]
        # The id column (first key) is NOT NULL in the table: NULL means no such entry.
        found[alias] = dict(zip(keys, values, strict=True)) if values[0] is not None else None
    return found
