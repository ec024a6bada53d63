"""Resolving the cut: the client's values where given, the registry's otherwise (docs/feasibility.md,
"Resolving the cut"), and the path it makes on the machine."""

from __future__ import annotations

import math
from dataclasses import dataclass

from feasibility import geometry
from feasibility.engine.common import clamp, floor_to, out, ratio
from feasibility.engine.physics import (
    available_power_w,
    deflection_mm,
    depth_derating,
    hardness_factor,
    kc,
    round_rpm,
    rpm_for_speed,
    surface_speed,
    thinning,
)
from feasibility.engine.registry import Fixture, Machine, Material, Tool
from feasibility.engine.tables import (
    CLAMP_CLEARANCE_MM,
    CLASS_CHIP_FACTOR,
    CUT_KEYS,
    DEFLECTION_WARN_MM,
    DEPTH_PER_PASS_WARN_D,
    MAX_PASSES,
    MICRO_STEPDOWN_D,
    MICRO_TOOL_MM,
    MIN_STEPDOWN_MM,
    PLUNGE_SHARE_OF_FEED,
    POCKET_STEPOVER_SHARE,
    RESOLVE_DEFLECTION_SHARE,
    RESOLVE_POWER_SHARE,
    SAFE_Z_MM,
    SAW_DEPTH_WARN_SHARE,
    SPEED_BANDS,
    STEPDOWN_FACTOR_D,
    SpeedBand,
)
from feasibility.enums import ToolKind, ValueSource


def safe_z(fixture: Fixture | None, stock_thickness: float) -> float:
    """The clearance plane for rapids above the stock top: SAFE_Z_MM, and CLAMP_CLEARANCE_MM above every clamp
    the fixture declares (clamp heights are above the support surface, the stock top is stock_thickness above it)."""
    if fixture is None or not fixture.clamps:
        return SAFE_Z_MM
    return max(SAFE_Z_MM, round(fixture.clamp_top - stock_thickness + CLAMP_CLEARANCE_MM, 3))


def path_bounds(
    tool: Tool, design: dict, fixture: Fixture | None, xy: tuple[float, float, float, float] | None = None
) -> tuple[float, float, float, float, float, float]:
    """(x_min, x_max, y_min, y_max, z_min, z_max) of the tool's controlled point in part coordinates: the XY
    extremes of the path the generator emits (``geometry.plan``, or ``xy`` for an outline's planned toolpath),
    from the deepest level up to the clearance plane."""
    top = safe_z(fixture, design["stock_thickness"])
    if xy is not None:
        return (*(geometry.quantise(v) for v in xy), geometry.quantise(geometry.deepest_level(design["depth"])), top)
    plan = geometry.plan(design, tool.shape)
    x_min, x_max, y_min, y_max = plan.bounds()
    # On a radiused board the deepest level follows the top down to its lowest point.
    bottom = geometry.quantise(geometry.deepest_level(design["depth"]) + plan.lowest_surface())
    return x_min, x_max, y_min, y_max, bottom, top


@dataclass(frozen=True)
class Job:
    """Everything the cut checks need, resolved once."""

    tool: Tool
    material: Material
    machine: Machine
    fixture: Fixture | None
    design: dict
    rpm: float
    feed: float
    plunge: float
    stepdown: float
    stepover: float
    passes: int
    cut_width: float
    cutting_diameter: float  # the diameter that cuts: a V-bit's effective diameter at depth, else D
    clearing: bool
    chip_band: tuple[float, float]  # scaled for hardness and derated for the pass depth
    derating: float
    feed_per_tooth: float
    chip_max: float  # effective (thinned) chip at the largest engagement
    chip_min: float  # effective chip at the smallest engagement
    min_engagement: float
    speed_band: SpeedBand
    sources: dict[str, str]
    # An outline's planned job (``geometry.outline_plan``), once planned with this cut.
    outline: dict | None = None

    @property
    def outline_xy(self) -> tuple[float, float, float, float] | None:
        """An outline's toolpath XY extremes in part coordinates; None before it is planned or if it failed."""
        if self.outline is None or self.outline.get("toolpath") is None:
            return None
        return geometry.outline_bounds(self.design, self.outline)

    @property
    def depth(self) -> float:
        return self.design["depth"]

    @property
    def pass_depth(self) -> float:
        return min(self.stepdown, self.depth)

    @property
    def surface_speed(self) -> float:
        return surface_speed(self.cutting_diameter, self.rpm)

    @property
    def kc(self) -> float:
        return kc(self.material, self.chip_max)

    @property
    def cutting_force_n(self) -> float:
        return self.kc * self.pass_depth * self.chip_max

    @property
    def cutting_power_w(self) -> float:
        removal_mm3_s = self.cut_width * self.pass_depth * self.feed / 60.0
        return self.kc * removal_mm3_s / 1000.0

    @property
    def safe_z(self) -> float:
        return safe_z(self.fixture, self.design["stock_thickness"])

    def as_cut(self) -> dict:
        cut = {
            "rpm": self.rpm,
            "feed_mm_min": out(self.feed, 1),
            "plunge_mm_min": out(self.plunge, 1),
            "stepdown_mm": out(self.stepdown, 3),
            "passes": self.passes,
            "stepover_mm": out(self.stepover, 3),
            "chip_load_mm": out(self.feed_per_tooth, 4),
            "safe_z_mm": self.safe_z,
            "depth_mm": out(self.depth, 3),
            "stock_thickness_mm": out(self.design["stock_thickness"], 3),
            "cut_width_mm": out(self.cut_width, 3),
            "cutting_diameter_mm": out(self.cutting_diameter, 3),
            "surface_speed_m_min": out(self.surface_speed, 1),
            "source": dict(self.sources),
        }
        if self.fixture is not None and (self.design["shape"] != "outline" or self.outline_xy is not None):
            x_min, x_max, y_min, y_max, z_min, z_max = path_bounds(
                self.tool, self.design, self.fixture, self.outline_xy
            )
            cut["fixture_id"] = self.fixture.fixture_id
            cut["work_offset"] = self.fixture.work_offset
            cut["bounds_mm"] = {
                "x_min": x_min, "x_max": x_max, "y_min": y_min, "y_max": y_max, "z_min": z_min, "z_max": z_max,
            }  # fmt: skip
        return cut


def engagements(tool: Tool, diameter: float, stepdown: float, depth: float, stepover: float, clearing: bool):
    """(largest, smallest) radial engagement. A saw engages by its depth of cut; a bit's first pass is
    always a full-width slot, and clearing passes engage by the stepover."""
    if tool.kind == ToolKind.SAW:
        engagement = min(stepdown, depth)
        return engagement, engagement
    smallest = min(stepover, diameter) if clearing else diameter
    return diameter, smallest


def passes_for(depth: float, stepdown: float) -> int:
    """ceil(depth / stepdown), at least 1; absurd counts are reported as MAX_PASSES + 1 (and fail)."""
    quotient = ratio(depth, stepdown)
    if not quotient <= MAX_PASSES:  # also catches infinity
        return MAX_PASSES + 1
    # The epsilon keeps 3 / 0.1 = 30.000000000000004 from becoming 31 passes.
    return max(1, math.ceil(quotient - 1e-9))


def resolve_job(
    tool: Tool, material: Material, machine: Machine, fixture: Fixture | None, design: dict, client: dict[str, float]
) -> Job:
    depth = design["depth"]
    cut_width = geometry.cut_width(tool.shape, depth)
    diameter = tool.diameter if tool.kind == ToolKind.SAW else geometry.effective_diameter(tool.shape, depth)
    clearing = geometry.needs_clearing(design, cut_width)
    factor = hardness_factor(material)
    speed_band = SPEED_BANDS[(tool.family, material.material_class)]
    sources = {key: (ValueSource.CLIENT if key in client else ValueSource.REGISTRY).value for key in CUT_KEYS}
    sources["safe_z_mm"] = ValueSource.REGISTRY.value

    if "stepover_mm" in client:
        stepover = client["stepover_mm"]
    elif tool.kind == ToolKind.SAW:
        stepover = cut_width  # a saw never steps sideways; the kerf is the whole cut
    else:
        stepover = round(POCKET_STEPOVER_SHARE * cut_width, 3)

    # A saw's chip thickness depends on its depth of cut, so its stepdown is settled first.
    # Client stepdowns are floored to the 0.001 mm output grid, so the passes reported are the passes cut.
    client_stepdown = floor_to(client["stepdown_mm"], 0.001) if "stepdown_mm" in client else None
    if client_stepdown is not None:
        stepdown = client_stepdown
    elif tool.kind == ToolKind.SAW:
        stepdown = min(depth, SAW_DEPTH_WARN_SHARE * tool.flute_length)
    else:
        stepdown = 0.0  # settled below, once the feed is known; never deeper than 1 x D, so no derating
    derating = depth_derating(tool, min(stepdown, depth)) if client_stepdown is not None else 1.0
    band = (tool.chipload_min * factor * derating, tool.chipload_max * factor * derating)
    chip_target = (band[0] + band[1]) / 2.0
    largest, _ = engagements(tool, diameter, stepdown, depth, stepover, clearing)
    feed_per_tooth_target = ratio(chip_target, thinning(largest, diameter))

    rpm_low, rpm_high = machine.rpm_min, min(machine.rpm_max, tool.max_rpm)
    if "rpm" in client:
        rpm = client["rpm"]
    elif rpm_high < rpm_low:
        rpm = rpm_high  # no common speed: the tool's rating wins and RPM_MACHINE_RANGE fails
    else:
        target_rpm = rpm_for_speed(speed_band.target, diameter)
        rpm = round_rpm(clamp(target_rpm, rpm_low, rpm_high), rpm_low, rpm_high)

    if "feed_mm_min" in client:
        feed = client["feed_mm_min"]
    else:
        feed = feed_per_tooth_target * tool.flutes * rpm
        if feed > machine.max_feed_xy:
            feed = machine.max_feed_xy
            if "rpm" not in client and rpm_low <= rpm_high:
                # Slow the spindle rather than thin the chip (rubbing burns, a slower cutter does not), but not
                # below the speed band: a blade or bit far below it hammers instead of cutting.
                wanted = max(ratio(feed, feed_per_tooth_target * tool.flutes), rpm_for_speed(speed_band.low, diameter))
                rpm = round_rpm(clamp(wanted, rpm_low, rpm_high), rpm_low, rpm_high)
        feed = floor_to(feed, 1.0)
    feed_per_tooth = ratio(feed, rpm * tool.flutes)

    plunge = client.get("plunge_mm_min", floor_to(min(feed * PLUNGE_SHARE_OF_FEED, machine.max_feed_z), 1.0))

    if tool.kind != ToolKind.SAW and client_stepdown is None:
        stepdown = registry_stepdown(tool, material, machine, depth, cut_width, rpm, feed, feed_per_tooth)

    passes = passes_for(depth, stepdown)
    largest, smallest = engagements(tool, diameter, stepdown, depth, stepover, clearing)
    return Job(
        tool=tool,
        material=material,
        machine=machine,
        fixture=fixture,
        design=design,
        rpm=rpm,
        feed=feed,
        plunge=plunge,
        stepdown=stepdown,
        stepover=stepover,
        passes=passes,
        cut_width=cut_width,
        cutting_diameter=diameter,
        clearing=clearing,
        chip_band=band,
        derating=derating,
        feed_per_tooth=feed_per_tooth,
        chip_max=feed_per_tooth * thinning(largest, diameter),
        chip_min=feed_per_tooth * thinning(smallest, diameter),
        min_engagement=smallest,
        speed_band=speed_band,
        sources=sources,
    )


def registry_stepdown(
    tool: Tool,
    material: Material,
    machine: Machine,
    depth: float,
    cut_width: float,
    rpm: float,
    feed: float,
    feed_per_tooth: float,
) -> float:
    """Class share of D (scaled by hardness; 1 x D for micro tools, as their makers size them), then shrunk
    until deflection and power keep a margin. Force and power are proportional to the pass depth (kc depends
    on the chip, not the depth), so each limit is a closed-form scale."""
    if tool.diameter < MICRO_TOOL_MM:
        stepdown = MICRO_STEPDOWN_D * tool.diameter
    else:
        factor = 1.0 if material.material_class in CLASS_CHIP_FACTOR else hardness_factor(material)
        stepdown = tool.diameter * STEPDOWN_FACTOR_D[material.material_class] * factor
    stepdown = min(stepdown, DEPTH_PER_PASS_WARN_D * tool.diameter, tool.flute_length)
    specific = kc(material, feed_per_tooth)
    deflection = deflection_mm(specific * stepdown * feed_per_tooth, tool)
    deflection_cap = RESOLVE_DEFLECTION_SHARE * DEFLECTION_WARN_MM
    if deflection > deflection_cap:
        stepdown *= deflection_cap / deflection
    power = specific * cut_width * stepdown * feed / 60.0 / 1000.0
    power_cap = RESOLVE_POWER_SHARE * available_power_w(machine, rpm)
    if power > power_cap:
        stepdown *= ratio(power_cap, power)
    if math.isfinite(stepdown):
        stepdown = max(floor_to(stepdown, 0.01), min(MIN_STEPDOWN_MM, tool.diameter))
    else:
        stepdown = MIN_STEPDOWN_MM
    return min(stepdown, depth)
