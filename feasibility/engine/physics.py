"""Cutting physics: chip thinning, hardness and depth factors, specific cutting force, deflection, power.

Every formula and constant is in docs/feasibility.md with its source.
"""

from __future__ import annotations

import itertools
import math

from feasibility.engine.common import clamp, ratio
from feasibility.engine.registry import Machine, Material, Tool
from feasibility.engine.tables import (
    CHIP_DEPTH_DERATING,
    CLASS_CHIP_FACTOR,
    FLUTED_CORE_RATIO,
    HARDNESS_FACTOR_RANGE,
    KC_CHIP_EXPONENT,
    KC_MIN_CHIP_MM,
    KC_PER_DENSITY,
    KC_REFERENCE_CHIP_MM,
    REFERENCE_JANKA_LBF,
    RPM_ROUNDING,
)
from feasibility.enums import ToolKind


def thinning(engagement: float, diameter: float) -> float:
    """Radial chip thinning: max chip = feed per tooth * this factor (1 at engagement >= D/2)."""
    if engagement >= diameter / 2:
        return 1.0
    if engagement <= 0:
        return 0.0
    return math.sqrt(1.0 - (1.0 - 2.0 * engagement / diameter) ** 2)


def hardness_factor(material: Material) -> float:
    if material.material_class in CLASS_CHIP_FACTOR:
        return CLASS_CHIP_FACTOR[material.material_class]
    return clamp(math.sqrt(ratio(REFERENCE_JANKA_LBF, material.janka)), *HARDNESS_FACTOR_RANGE)


def depth_derating(tool: Tool, pass_depth: float) -> float:
    """Chip-load factor for a pass ``pass_depth`` deep: 1 up to 1 x D, 0.75 at 2 x D, 0.5 at 3 x D and beyond
    (linear in between). Saws engage by their depth of cut and are judged by the thinned chip instead."""
    if tool.kind == ToolKind.SAW:
        return 1.0
    depth_d = ratio(pass_depth, tool.diameter)
    points = CHIP_DEPTH_DERATING
    if depth_d <= points[0][0]:
        return points[0][1]
    for (d0, f0), (d1, f1) in itertools.pairwise(points):
        if depth_d <= d1:
            return f0 + (f1 - f0) * (depth_d - d0) / (d1 - d0)
    return points[-1][1]


def kc(material: Material, chip_mm: float) -> float:
    """Specific cutting force in N/mm2 at an uncut chip ``chip_mm`` thick: grows with density and, as the chip
    gets thinner, with (h_ref / h)^m (the Kienzle form)."""
    chip = max(chip_mm, KC_MIN_CHIP_MM) if math.isfinite(chip_mm) else KC_MIN_CHIP_MM
    return (
        KC_PER_DENSITY[material.material_class] * material.density * (KC_REFERENCE_CHIP_MM / chip) ** KC_CHIP_EXPONENT
    )


def surface_speed(diameter: float, rpm: float) -> float:
    return math.pi * diameter * rpm / 1000.0


def rpm_for_speed(speed_m_min: float, diameter: float) -> float:
    return ratio(speed_m_min * 1000.0, math.pi * diameter)


def deflection_mm(force_n: float, tool: Tool) -> float:
    """Tip deflection of a stepped cantilever (fluted length at 0.8 x D, the rest at the shank).

    delta = F / (3 E) * (Lf^3 / I_flute + (L^3 - Lf^3) / I_shank), I = pi d^4 / 64, load at the tip.
    """
    length = tool.stickout
    fluted = min(tool.flute_length, length)
    i_flute = math.pi * (FLUTED_CORE_RATIO * tool.diameter) ** 4 / 64.0
    i_shank = math.pi * tool.shank**4 / 64.0
    compliance = ratio(fluted**3, i_flute) + ratio(length**3 - fluted**3, i_shank)
    return ratio(force_n, 3.0 * tool.youngs_modulus) * compliance


def available_power_w(machine: Machine, rpm: float) -> float:
    """VFD spindles give constant torque below their rated (maximum) speed: power falls with rpm."""
    return machine.spindle_power * clamp(ratio(rpm, machine.rpm_max), 0.0, 1.0)


def round_rpm(value: float, low: float, high: float) -> float:
    rounded = round(value / RPM_ROUNDING) * RPM_ROUNDING
    if rounded <= 0:
        rounded = value
    if rounded > high:
        rounded = math.floor(high / RPM_ROUNDING) * RPM_ROUNDING
    if rounded < low:
        rounded = math.ceil(low / RPM_ROUNDING) * RPM_ROUNDING
    if not low <= rounded <= high:
        rounded = clamp(value, low, high)
    return int(rounded) if rounded == int(rounded) else rounded
