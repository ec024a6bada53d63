from django.contrib import admin

from feasibility.models import Machine, Material, Tool


@admin.register(Tool)
class ToolAdmin(admin.ModelAdmin):
    list_display = ["tool_id", "name", "kind", "diameter_mm", "flutes", "max_rpm", "chipload_min_mm", "chipload_max_mm"]
    list_filter = ["kind", "tool_material"]
    search_fields = ["tool_id", "name"]


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ["material_id", "name", "material_class", "janka_lbf", "density_kg_m3", "oily"]
    list_filter = ["material_class", "oily"]
    search_fields = ["material_id", "name"]


@admin.register(Machine)
class MachineAdmin(admin.ModelAdmin):
    list_display = ["machine_id", "name", "travel_x_mm", "travel_y_mm", "travel_z_mm", "rpm_min", "rpm_max"]
    search_fields = ["machine_id", "name"]
