"""The shop registry the engine judges with: tools, materials and machines.

Edited in the Django admin by the ``admin`` role. Every change is kept by django-pghistory (a Postgres
trigger writes the old and new row with the request's user), so an old verdict can always be explained by
the registry as it was. Runs also snapshot the entries they used, so nothing here can change an old run.
"""

import pghistory
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from feasibility.enums import MaterialClass, ToolKind

registry_id_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_.:-]{0,63}$", "Lower-case letters, digits and _ . : - only (e.g. router:downcut_3mm)."
)
positive = MinValueValidator(0.000001)


def _choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ")) for member in enum]


@pghistory.track()
class Machine(models.Model):
    machine_id = models.CharField(max_length=64, unique=True, validators=[registry_id_validator])
    name = models.CharField(max_length=120)
    travel_x_mm = models.FloatField(validators=[positive])
    travel_y_mm = models.FloatField(validators=[positive])
    travel_z_mm = models.FloatField(validators=[positive])
    rpm_min = models.PositiveIntegerField()
    rpm_max = models.PositiveIntegerField()
    max_feed_xy_mm_min = models.FloatField(validators=[positive])
    max_feed_z_mm_min = models.FloatField(validators=[positive])
    spindle_power_w = models.FloatField(validators=[positive])

    class Meta:
        ordering = ["machine_id"]
        constraints = [
            models.CheckConstraint(condition=Q(rpm_max__gte=F("rpm_min")), name="machine_rpm_range"),
            models.CheckConstraint(
                condition=Q(travel_x_mm__gt=0, travel_y_mm__gt=0, travel_z_mm__gt=0), name="machine_travel_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_feed_xy_mm_min__gt=0, max_feed_z_mm_min__gt=0, spindle_power_w__gt=0),
                name="machine_limits_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.machine_id


@pghistory.track()
class Tool(models.Model):
    tool_id = models.CharField(max_length=64, unique=True, validators=[registry_id_validator])
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=_choices(ToolKind))
    diameter_mm = models.FloatField(validators=[positive])
    flutes = models.PositiveSmallIntegerField(help_text="Flutes; teeth for saw blades.")
    flute_length_mm = models.FloatField(validators=[positive], help_text="Cutting length; saws: maximum depth.")
    shank_mm = models.FloatField(validators=[positive])
    stickout_mm = models.FloatField(default=0, help_text="Collet face to tip; 0 for saw blades.")
    kerf_mm = models.FloatField(null=True, blank=True, help_text="Saw blades only.")
    max_rpm = models.PositiveIntegerField()
    chipload_min_mm = models.FloatField(validators=[positive])
    chipload_max_mm = models.FloatField(validators=[positive])
    vbit_angle_deg = models.FloatField(null=True, blank=True, help_text="V-bits only: included angle.")
    tool_material = models.CharField(max_length=16, choices=[("carbide", "carbide"), ("hss", "HSS")])

    class Meta:
        ordering = ["tool_id"]
        constraints = [
            models.CheckConstraint(condition=Q(chipload_max_mm__gte=F("chipload_min_mm")), name="tool_chipload_band"),
            models.CheckConstraint(condition=Q(flutes__gte=1), name="tool_flutes_positive"),
            models.CheckConstraint(condition=~Q(kind=ToolKind.SAW) | Q(kerf_mm__gt=0), name="tool_saw_has_kerf"),
            models.CheckConstraint(
                condition=~Q(kind=ToolKind.VBIT) | Q(vbit_angle_deg__gt=0, vbit_angle_deg__lt=180),
                name="tool_vbit_has_angle",
            ),
        ]

    def __str__(self) -> str:
        return self.tool_id


@pghistory.track()
class Material(models.Model):
    material_id = models.CharField(max_length=64, unique=True, validators=[registry_id_validator])
    name = models.CharField(max_length=120)
    material_class = models.CharField(max_length=16, choices=_choices(MaterialClass))
    janka_lbf = models.FloatField(validators=[positive])
    density_kg_m3 = models.FloatField(validators=[positive])
    oily = models.BooleanField(default=False, help_text="Oily or resinous: gums and burns when hot.")

    class Meta:
        ordering = ["material_id"]
        constraints = [
            models.CheckConstraint(condition=Q(janka_lbf__gt=0, density_kg_m3__gt=0), name="material_positive"),
        ]

    def __str__(self) -> str:
        return self.material_id
