from django.contrib import admin

from feasibility.models import Fixture, Machine, Material, ShopPolicy, Tool


@admin.register(Tool)
class ToolAdmin(admin.ModelAdmin):
    list_display = [
        "tool_id", "name", "kind", "diameter_mm", "flutes", "max_rpm", "chipload_min_mm", "chipload_max_mm",
        "tool_number", "centre_cutting",
    ]  # fmt: skip
    list_filter = ["kind", "tool_material", "centre_cutting"]
    search_fields = ["tool_id", "name"]


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ["material_id", "name", "material_class", "janka_lbf", "density_kg_m3", "oily"]
    list_filter = ["material_class", "oily"]
    search_fields = ["material_id", "name"]


class FixtureInline(admin.StackedInline):
    """A machine's work offsets, edited with it: a job names one, or gets the default."""

    model = Fixture
    extra = 0
    fields = [
        ("fixture_id", "work_offset", "is_default"),
        "name",
        ("origin_x_mm", "origin_y_mm", "origin_z_mm"),
        "through_allowance_mm",
        "clamps",
    ]


@admin.register(Machine)
class MachineAdmin(admin.ModelAdmin):
    list_display = [
        "machine_id",
        "name",
        "travel_x_mm",
        "travel_y_mm",
        "travel_z_mm",
        "rpm_min",
        "rpm_max",
        "saw_mount",
        "controller",
    ]
    list_filter = ["controller"]
    search_fields = ["machine_id", "name"]
    inlines = [FixtureInline]
    fieldsets = [
        (None, {"fields": ["machine_id", "name"]}),
        ("Travel and soft limits (machine coordinates)", {
            "fields": [
                ("travel_x_mm", "travel_y_mm", "travel_z_mm"),
                ("soft_x_min_mm", "soft_x_max_mm"),
                ("soft_y_min_mm", "soft_y_max_mm"),
                ("soft_z_min_mm", "soft_z_max_mm"),
            ]
        }),
        ("Spindle and feeds", {
            "fields": [
                ("rpm_min", "rpm_max", "spindle_power_w", "spindle_ramp_s"),
                ("max_feed_xy_mm_min", "max_feed_z_mm_min"),
            ]
        }),
        ("Controller", {"fields": ["controller"]}),
        ("Tool holding", {
            "fields": [
                "spindle_orientation",
                ("collet_min_mm", "collet_max_mm"),
                ("saw_mount", "saw_max_blade_mm", "saw_blade_plane"),
            ]
        }),
    ]  # fmt: skip


@admin.register(ShopPolicy)
class ShopPolicyAdmin(admin.ModelAdmin):
    """The one row of the shop policy: the ``admin`` role changes it (its permissions allow no more), and
    nobody adds or deletes it here, superusers included. Every change is kept by django-pghistory with the
    user, and every job judged after it snapshots the new values (so its hashes, and approvals, change)."""

    list_display = [
        "__str__",
        "approval_min_yellow_score",
        "allow_self_approval",
        "yellow_requires_session",
        "max_moves",
        "max_gcode_bytes",
        "max_cutting_time_s",
        "min_stepdown_mm",
    ]
    fieldsets = [
        ("Approval", {"fields": ["approval_min_yellow_score", "allow_self_approval", "yellow_requires_session"]}),
        ("Bounded work (checked before any G-code is generated)", {
            "fields": ["max_moves", "max_gcode_bytes", "max_cutting_time_s", "min_stepdown_mm"]
        }),
    ]  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
