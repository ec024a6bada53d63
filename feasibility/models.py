"""The shop registry the engine judges with: tools, materials, machines and the machines' fixtures, and the
shop policy (``ShopPolicy``) every job is held to.

Edited in the Django admin by the ``admin`` role. Every change is kept by django-pghistory (a Postgres
trigger writes the old and new row with the request's user), so an old verdict can always be explained by
the registry as it was. Runs also snapshot the entries they used, so nothing here can change an old run.
"""

import math

import pghistory
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from feasibility.engine.tables import DEFAULT_POLICY, MAX_THROUGH_ALLOWANCE_MM, POLICY_BOUNDS
from feasibility.enums import Controller, MaterialClass, ToolKind, WorkOffset

registry_id_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_.:-]{0,63}$", "Lower-case letters, digits and _ . : - only (e.g. router:downcut_3mm)."
)
positive = MinValueValidator(0.000001)
non_negative = MinValueValidator(0.0)
CLAMP_KEYS = ("name", "x_min_mm", "x_max_mm", "y_min_mm", "y_max_mm", "height_mm")


def validate_clamps(value) -> None:
    """Clamps are a list of rectangles in part coordinates with a height above the fixture bed:
    ``{"name", "x_min_mm", "x_max_mm", "y_min_mm", "y_max_mm", "height_mm"}``."""
    if not isinstance(value, list):
        raise ValidationError("Clamps must be a list of objects.")
    for index, clamp in enumerate(value, start=1):
        if not isinstance(clamp, dict) or set(clamp) != set(CLAMP_KEYS):
            raise ValidationError(f"Clamp {index} must have exactly the keys {', '.join(CLAMP_KEYS)}.")
        if not isinstance(clamp["name"], str) or len(clamp["name"]) > 120:
            raise ValidationError(f"Clamp {index}: name must be text of at most 120 characters.")
        for key in CLAMP_KEYS[1:]:
            number = clamp[key]
            if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
                raise ValidationError(f"Clamp {index}: {key} must be a number.")
        if clamp["x_max_mm"] < clamp["x_min_mm"] or clamp["y_max_mm"] < clamp["y_min_mm"]:
            raise ValidationError(f"Clamp {index}: a max is below its min.")
        if clamp["height_mm"] < 0:
            raise ValidationError(f"Clamp {index}: height_mm must not be negative.")


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
    # Soft limits in machine coordinates (where the controller lets the tool's controlled point go). No check
    # assumes where work zero is: fixtures say that.
    soft_x_min_mm = models.FloatField(default=0.0, help_text="Soft limit, machine coordinates.")
    soft_x_max_mm = models.FloatField(default=0.0, help_text="Soft limit, machine coordinates.")
    soft_y_min_mm = models.FloatField(default=0.0, help_text="Soft limit, machine coordinates.")
    soft_y_max_mm = models.FloatField(default=0.0, help_text="Soft limit, machine coordinates.")
    soft_z_min_mm = models.FloatField(default=0.0, help_text="Soft limit, machine coordinates (Z up).")
    soft_z_max_mm = models.FloatField(default=0.0, help_text="Soft limit, machine coordinates (Z up).")
    # What the machine can hold.
    spindle_orientation = models.CharField(
        max_length=16, choices=[("vertical", "vertical"), ("horizontal", "horizontal")], default="vertical"
    )
    collet_min_mm = models.FloatField(default=0.0, validators=[non_negative], help_text="Smallest shank; 0 if none.")
    collet_max_mm = models.FloatField(default=0.0, validators=[non_negative], help_text="Largest shank; 0 if none.")
    saw_mount = models.CharField(
        max_length=16,
        choices=[("none", "none"), ("arbor", "saw arbor"), ("angle_head", "angle head")],
        default="none",
        help_text="A saw blade needs a saw arbor or an angle head; a collet cannot hold one.",
    )
    saw_max_blade_mm = models.FloatField(default=0.0, validators=[non_negative], help_text="0 without a saw mount.")
    saw_blade_plane = models.CharField(
        max_length=2,
        choices=[("XZ", "XZ (blade travels along X)"), ("YZ", "YZ (blade travels along Y)")],
        blank=True,
        default="",
        help_text="The plane a mounted blade turns in; it can only travel along that plane.",
    )
    # What the controller reads and how long its spindle takes to reach speed (docs/toolpaths.md).
    controller = models.CharField(
        max_length=16,
        choices=_choices(Controller),
        default=Controller.LINUXCNC,
        help_text="The G-code dialect its controller reads; the default post-processor of its jobs.",
    )
    spindle_ramp_s = models.FloatField(
        default=3.0,
        validators=[non_negative],
        help_text="Seconds the spindle takes from stop to full speed; programs wait this long after M3.",
    )

    class Meta:
        ordering = ["machine_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(soft_x_max_mm__gt=F("soft_x_min_mm"))
                & Q(soft_y_max_mm__gt=F("soft_y_min_mm"))
                & Q(soft_z_max_mm__gt=F("soft_z_min_mm")),
                name="machine_soft_limits",
            ),
            models.CheckConstraint(
                condition=Q(collet_min_mm__gte=0, collet_max_mm__gte=F("collet_min_mm")), name="machine_collet_range"
            ),
            models.CheckConstraint(
                condition=Q(saw_mount="none") | (Q(saw_max_blade_mm__gt=0) & Q(saw_blade_plane__in=["XZ", "YZ"])),
                name="machine_saw_mount",
            ),
            models.CheckConstraint(condition=Q(rpm_max__gte=F("rpm_min")), name="machine_rpm_range"),
            models.CheckConstraint(condition=Q(spindle_ramp_s__gte=0), name="machine_spindle_ramp_non_negative"),
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
    tool_number = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Number in the controller's tool table (Tn M6 G43 Hn); empty: loaded by hand at a touch-off stop.",
    )
    centre_cutting = models.BooleanField(
        default=True,
        help_text="Cuts at its centre, so it may plunge straight down; otherwise programs ramp or helix in.",
    )

    class Meta:
        ordering = ["tool_id"]
        constraints = [
            models.CheckConstraint(condition=Q(chipload_max_mm__gte=F("chipload_min_mm")), name="tool_chipload_band"),
            models.CheckConstraint(condition=Q(flutes__gte=1), name="tool_flutes_positive"),
            models.CheckConstraint(
                condition=Q(tool_number__isnull=True) | Q(tool_number__gte=1), name="tool_number_positive"
            ),
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


@pghistory.track()
class Fixture(models.Model):
    """A work offset of a machine: where the part's datum sits, what the stock rests on, and what clamps it.

    The controller holds ``origin_x_mm`` / ``origin_y_mm`` as the work offset's X and Y; ``origin_z_mm`` is the
    machine Z of the surface the stock rests on, and work Z0 (the stock top) is touched off on each job.
    """

    machine = models.ForeignKey(Machine, on_delete=models.CASCADE, related_name="fixtures")
    fixture_id = models.CharField(max_length=64, validators=[registry_id_validator])
    name = models.CharField(max_length=120)
    work_offset = models.CharField(max_length=3, choices=[(code.value, code.value) for code in WorkOffset])
    origin_x_mm = models.FloatField(help_text="Machine X of the part's X0.")
    origin_y_mm = models.FloatField(help_text="Machine Y of the part's Y0.")
    origin_z_mm = models.FloatField(help_text="Machine Z of the surface the stock rests on (jig bed, spoilboard).")
    clamps = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_clamps],
        help_text='[{"name", "x_min_mm", "x_max_mm", "y_min_mm", "y_max_mm", "height_mm"}] in part coordinates, '
        "height above the bed.",
    )
    is_default = models.BooleanField(default=False, help_text="Used when a job names no fixture.")
    through_allowance_mm = models.FloatField(
        default=0.0,
        validators=[non_negative, MaxValueValidator(MAX_THROUGH_ALLOWANCE_MM)],
        help_text="How far a profile cut through the stock may go into what the stock rests on: a spoilboard's "
        f"allowance (0.2-0.5 mm), 0 on a jig or a sled that must not be cut; at most {MAX_THROUGH_ALLOWANCE_MM:g} mm.",
    )

    class Meta:
        ordering = ["machine__machine_id", "fixture_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(through_allowance_mm__gte=0) & Q(through_allowance_mm__lte=MAX_THROUGH_ALLOWANCE_MM),
                name="fixture_through_allowance_range",
            ),
            models.UniqueConstraint(fields=["machine", "fixture_id"], name="fixture_id_per_machine"),
            models.UniqueConstraint(fields=["machine", "work_offset"], name="fixture_offset_per_machine"),
            models.UniqueConstraint(
                fields=["machine"], condition=Q(is_default=True), name="fixture_one_default_per_machine"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.machine_id}:{self.fixture_id}"

    def clean(self) -> None:
        # Field validators skip "empty" values such as {}; clamps must still be a list.
        try:
            validate_clamps(self.clamps)
        except ValidationError as error:
            raise ValidationError({"clamps": error.messages}) from error


def _policy_range(field: str) -> Q:
    low, high = POLICY_BOUNDS[field]
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


@pghistory.track()
class ShopPolicy(models.Model):
    """The shop's policy: one row (primary key 1), created by its migration, edited in the admin by the
    ``admin`` role (never added or deleted there).

    Like a registry entry it is kept by django-pghistory and snapshotted into every artifact
    (``registry_snapshot["policy"]``), so ``feasibility_sha256`` covers it: an edit changes the hash of every
    job judged after it, and an approval given before it no longer matches (the session needs revision), as
    for a registry edit. The engine judges the limits (``feasibility.engine.checks_policy``); the toolpaths gate
    applies the approval minimum and ``yellow_requires_session`` to jobs without a session; the workflow's
    approval rule reads the minimum and ``allow_self_approval``. Defaults and bounds: ``feasibility.engine.tables``.
    """

    SINGLE_ROW_PK = 1

    approval_min_yellow_score = models.FloatField(
        default=DEFAULT_POLICY["approval_min_yellow_score"],
        help_text="A YELLOW verdict needs at least this score to be approved, or released without a session.",
    )
    allow_self_approval = models.BooleanField(
        default=DEFAULT_POLICY["allow_self_approval"],
        help_text="Lets whoever created or shaped a session approve, reject or revise it (no four eyes). "
        "For a one-person shop only.",
    )
    yellow_requires_session = models.BooleanField(
        default=DEFAULT_POLICY["yellow_requires_session"],
        help_text="Every YELLOW job needs an approved workflow session; only GREEN is released without one.",
    )
    max_moves = models.PositiveIntegerField(
        default=DEFAULT_POLICY["max_moves"], help_text="Most moves one program may have (estimated before generating)."
    )
    max_gcode_bytes = models.PositiveIntegerField(
        default=DEFAULT_POLICY["max_gcode_bytes"], help_text="Largest program, in bytes of G-code text."
    )
    max_cutting_time_s = models.FloatField(
        default=DEFAULT_POLICY["max_cutting_time_s"], help_text="Longest estimated run time of one program, seconds."
    )
    min_stepdown_mm = models.FloatField(
        default=DEFAULT_POLICY["min_stepdown_mm"],
        help_text="Thinnest depth per pass a multi-pass job may ask for, mm.",
    )

    class Meta:
        verbose_name = "shop policy"
        verbose_name_plural = "shop policy"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="shop_policy_single_row"),
            *(
                models.CheckConstraint(condition=_policy_range(field), name=f"shop_policy_{field}_range")
                for field in POLICY_BOUNDS
            ),
        ]

    def __str__(self) -> str:
        return "Shop policy"

    def clean(self) -> None:
        # The admin's form says which field is out of range before the database constraint would refuse it.
        errors = {}
        for field, (low, high) in POLICY_BOUNDS.items():
            value = getattr(self, field)
            if value is not None and not low <= value <= high:
                errors[field] = f"Must be between {low:g} and {high:g}."
        if errors:
            raise ValidationError(errors)
