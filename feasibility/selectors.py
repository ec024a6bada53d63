"""Reads of the shop registry, as the plain dicts the pure engine takes (docs/interfaces.md)."""

import json

from django.db import connection, models
from django.db.models.expressions import RawSQL

from feasibility.engine.tables import DEFAULT_POLICY, POLICY_KEYS
from feasibility.models import Fixture, Machine, Material, ShopPolicy, Tool
from rmos_site.core.problems import ProblemError

TOOL_KEYS = (
    "tool_id", "name", "kind", "diameter_mm", "flutes", "flute_length_mm", "shank_mm", "stickout_mm", "kerf_mm",
    "max_rpm", "chipload_min_mm", "chipload_max_mm", "vbit_angle_deg", "tool_material", "tool_number", "centre_cutting",
)  # fmt: skip
MATERIAL_KEYS = ("material_id", "name", "material_class", "janka_lbf", "density_kg_m3", "oily")
MACHINE_KEYS = (
    "machine_id", "name", "travel_x_mm", "travel_y_mm", "travel_z_mm", "rpm_min", "rpm_max",
    "max_feed_xy_mm_min", "max_feed_z_mm_min", "spindle_power_w",
    "soft_x_min_mm", "soft_x_max_mm", "soft_y_min_mm", "soft_y_max_mm", "soft_z_min_mm", "soft_z_max_mm",
    "spindle_orientation", "collet_min_mm", "collet_max_mm", "saw_mount", "saw_max_blade_mm", "saw_blade_plane",
    "controller", "spindle_ramp_s",
)  # fmt: skip
# A machine's entry carries its fixtures (work offsets) under "fixtures", ordered by fixture_id, so that the
# snapshot every artifact keeps says where each job sat on the machine.
FIXTURE_KEYS = (
    "fixture_id", "name", "work_offset", "origin_x_mm", "origin_y_mm", "origin_z_mm", "clamps", "is_default",
    "through_allowance_mm",
)  # fmt: skip
_FIXTURE_FLOATS = ("origin_x_mm", "origin_y_mm", "origin_z_mm", "through_allowance_mm")

# registry name in URLs -> (model, id field, keys)
REGISTRIES: dict[str, tuple[type[models.Model], str, tuple[str, ...]]] = {
    "tools": (Tool, "tool_id", TOOL_KEYS),
    "materials": (Material, "material_id", MATERIAL_KEYS),
    "machines": (Machine, "machine_id", MACHINE_KEYS),
}


def _fixture(values: dict) -> dict:
    """One fixture as the engine takes it; the same dict whether it came from the ORM or from JSON."""
    fixture = {key: values[key] for key in FIXTURE_KEYS}
    for key in _FIXTURE_FLOATS:
        fixture[key] = float(fixture[key])
    fixture["clamps"] = [{**clamp} for clamp in fixture["clamps"] or []]
    return fixture


def _fixtures_sql(machine_table: str) -> str:
    """A subquery: the fixtures of the machine row ``machine_table`` as JSON text, ordered by fixture_id. Text,
    not json: the driver would parse json itself, and the dicts must be built the one way ``_fixture`` does."""
    quote = connection.ops.quote_name
    pairs = ", ".join(f"'{key}', f.{quote(Fixture._meta.get_field(key).column)}" for key in FIXTURE_KEYS)
    machine_fk = quote(Fixture._meta.get_field("machine").column)
    return (
        f"(SELECT COALESCE(json_agg(json_build_object({pairs}) ORDER BY f.{quote('fixture_id')}), '[]')::text "
        f"FROM {quote(Fixture._meta.db_table)} AS f WHERE f.{machine_fk} = {machine_table}.{quote('id')})"
    )


def _entries(model, keys, **filters) -> list[dict]:
    # values() skips model instantiation: the engine wants plain dicts anyway.
    query = model.objects.filter(**filters)
    if model is not Machine:
        return list(query.values(*keys))
    # A machine carries its fixtures, read in the same query.
    table = connection.ops.quote_name(Machine._meta.db_table)
    entries = list(query.annotate(fixtures_json=RawSQL(_fixtures_sql(table), ())).values(*keys, "fixtures_json"))
    for entry in entries:
        entry["fixtures"] = [_fixture(fixture) for fixture in json.loads(entry.pop("fixtures_json"))]
    return entries


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


def _policy(values) -> dict:
    """The shop policy as the engine and the gates take it. The row is created by its migration and cannot be
    deleted in the admin; should it be missing all the same, the defaults apply (the stricter of any choice)."""
    if values is None:
        return dict(DEFAULT_POLICY)
    policy = dict(zip(POLICY_KEYS, values, strict=True))
    for key in ("approval_min_yellow_score", "max_cutting_time_s", "min_stepdown_mm"):
        policy[key] = float(policy[key])
    return policy


def shop_policy() -> dict:
    """The shop policy now (``ShopPolicy``): the workflow's approval rule reads it here."""
    row = ShopPolicy.objects.filter(pk=ShopPolicy.SINGLE_ROW_PK).values_list(*POLICY_KEYS).first()
    return _policy(row)


def registry_lookup(*, tool_id: str, material_id: str, machine_id: str) -> dict[str, dict | None]:
    """The entries a verdict needs, ``None`` for an unknown id (the engine turns that into UNKNOWN), and the
    shop policy under ``"policy"``: the snapshot every artifact keeps, which ``feasibility_sha256`` covers.

    One query for all of it (every feasibility and toolpaths request pays it): a left join of each table on its
    id, so an unknown or empty id leaves that entry's columns NULL, the policy's one row, and the machine's
    fixtures as one JSON array. The values are exactly those ``registry_get`` and ``shop_policy`` return, so the
    verdict and its hash do not depend on which read the registry.
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
    offsets["policy"] = len(columns)
    columns += [f"policy.{quote(ShopPolicy._meta.get_field(key).column)}" for key in POLICY_KEYS]
    joins.append(f"LEFT JOIN {quote(ShopPolicy._meta.db_table)} AS policy ON policy.{quote('id')} = %s")
    params.append(ShopPolicy.SINGLE_ROW_PK)
    columns.append(_fixtures_sql("machine"))
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
    if found["machine"] is not None:
        found["machine"]["fixtures"] = [_fixture(fixture) for fixture in json.loads(row[-1])]
    policy = row[offsets["policy"] : offsets["policy"] + len(POLICY_KEYS)]
    # approval_min_yellow_score is NOT NULL in the table: NULL means the row is missing.
    found["policy"] = _policy(policy if policy[0] is not None else None)
    return found
