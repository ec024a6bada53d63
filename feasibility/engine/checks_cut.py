"""Checks of the resolved cut: speeds, chips, heat, feeds, passes, deflection and power."""

from __future__ import annotations

import math

from feasibility.engine.common import (
    STATUS_RANK,
    Check,
    clamp,
    finite,
    fmt,
    grade_max,
    grade_min,
    grade_soft_band,
    ratio,
)
from feasibility.engine.job import Job, passes_for
from feasibility.engine.physics import available_power_w, deflection_mm, hardness_factor, rpm_for_speed, thinning
from feasibility.engine.tables import (
    CHIP_OVERLOAD_FAIL,
    CHIP_RUBBING_FAIL,
    DEFLECTION_FAIL_MM,
    DEFLECTION_WARN_MM,
    DEPTH_PER_PASS_FAIL_D,
    DEPTH_PER_PASS_WARN_D,
    HEAT_INDEX_WARN,
    HEAT_INDEX_WARN_SENSITIVE,
    MAX_PASSES,
    MICRO_TOOL_MM,
    MIN_FEED_MM_MIN,
    POCKET_STEPOVER_SHARE,
    POWER_FAIL_SHARE,
    POWER_WARN_SHARE,
    SAW_DEPTH_WARN_SHARE,
    SAW_SPEED_FAIL_SHARE,
    STEPOVER_FAIL_SHARE,
    STEPOVER_WARN_SHARE,
)
from feasibility.enums import CheckStatus, MaterialClass, ToolKind


def _rpm_range(job: Job) -> tuple[float, float]:
    return job.machine.rpm_min, min(job.machine.rpm_max, job.tool.max_rpm)


def _stepdown_for(job: Job, pass_depth: float) -> str:
    pass_depth = max(math.floor(pass_depth * 100) / 100, 0.01)
    return f"stepdown_mm {fmt(pass_depth)} ({passes_for(job.depth, pass_depth)} passes)"


def _feed_for_chip(job: Job, chip: float) -> float:
    """The feed that gives an effective chip ``chip`` at the job's rpm and largest engagement."""
    largest = job.cutting_diameter if job.tool.kind != ToolKind.SAW else job.pass_depth
    return ratio(chip, thinning(largest, job.cutting_diameter)) * job.tool.flutes * job.rpm


def check_rpm_tool(job: Job) -> Check:
    status, severity = grade_max(job.rpm, job.tool.max_rpm, job.tool.max_rpm)
    source = job.sources["rpm"]
    if status == CheckStatus.PASS:
        message = f"{fmt(job.rpm)} rpm ({source}) is within the tool's rated {fmt(job.tool.max_rpm)} rpm"
    else:
        message = f"{fmt(job.rpm)} rpm ({source}) exceeds the tool's rated maximum {fmt(job.tool.max_rpm)} rpm"
    suggestions = (f"rpm at most {fmt(job.tool.max_rpm)}",)
    return Check("RPM_TOOL_MAX", status, message, job.rpm, job.tool.max_rpm, severity, "rpm", suggestions)


def check_rpm_machine(job: Job) -> Check:
    low, high = job.machine.rpm_min, job.machine.rpm_max
    inside = low <= job.rpm <= high
    status = CheckStatus.PASS if inside else CheckStatus.FAIL
    where = "within" if inside else "outside"
    message = f"{fmt(job.rpm)} rpm is {where} the spindle's range {fmt(low)}-{fmt(high)} rpm"
    if job.tool.max_rpm < low:
        suggestions = (
            f"a tool rated for at least {fmt(low)} rpm, or a spindle that turns as slowly as {fmt(job.tool.max_rpm)}",
        )
    else:
        suggestions = (f"rpm within {fmt(low)}-{fmt(min(high, job.tool.max_rpm))}",)
    limit = f"{fmt(low)}-{fmt(high)}"
    return Check("RPM_MACHINE_RANGE", status, message, job.rpm, limit, 0.0 if inside else 1.0, "rpm", suggestions)


def check_surface_speed(job: Job) -> Check:
    band = job.speed_band
    speed = job.surface_speed
    saw = job.tool.kind == ToolKind.SAW
    status, severity = grade_soft_band(speed, band.low, band.high)
    name = "rim speed" if saw else "cutting speed"
    klass = job.material.material_class.value
    low, high = _rpm_range(job)
    diameter = job.cutting_diameter
    shown = f"pi x {fmt(diameter)} mm x {fmt(job.rpm)} rpm" + (
        " (V width at depth)" if job.tool.kind == ToolKind.VBIT else ""
    )
    message = f"{name} {fmt(speed)} m/min = {fmt(speed / 60)} m/s ({shown})"
    band_text = f"{fmt(band.low)}-{fmt(band.high)} m/min ({fmt(band.low / 60)}-{fmt(band.high / 60)} m/s)"
    at_top = job.rpm >= high - 1e-9
    if status == CheckStatus.PASS:
        message += f" is inside the {klass} band {band_text}"
    elif speed > band.high:
        message += f" is above the {klass} band {band_text}: heat and burning"
    elif saw and speed < SAW_SPEED_FAIL_SHARE * band.low:
        status, severity = CheckStatus.FAIL, 1.0
        message += (
            f" is far below the {klass} band {band_text}: the teeth hammer and grab instead of cutting "
            f"(fails below {fmt(SAW_SPEED_FAIL_SHARE * band.low / 60)} m/s)"
        )
    elif not saw and diameter < MICRO_TOOL_MM and at_top:
        status, severity = CheckStatus.PASS, 0.0
        message += (
            f" is below the {klass} band {band_text}, at the top speed tool and spindle allow: a "
            f"{fmt(diameter)} mm cutter cannot reach the band, and is judged by its chip load"
        )
    else:
        message += f" is below the {klass} band {band_text}: poor cut, tear-out"
    wanted = rpm_for_speed(band.target, diameter)
    best = clamp(wanted, low, high) if low <= high else high
    suggestions = [f"rpm {fmt(round(best, -2) or best)} ({fmt(math.pi * diameter * best / 1000)} m/min)"]
    if abs(best - wanted) > 1:
        suggestions.append(f"a tool and spindle that reach {fmt(wanted)} rpm at this diameter")
    limit = f"{fmt(band.low)}-{fmt(band.high)}"
    return Check("SURFACE_SPEED", status, message, speed, limit, severity, "m/min", tuple(suggestions))


def check_chip_load(job: Job) -> Check:
    low, high = job.chip_band
    limit = f"{fmt(low)}-{fmt(high)}"
    over_status, over_severity = grade_max(job.chip_max, high, CHIP_OVERLOAD_FAIL * high)
    under_status, under_severity = grade_min(job.chip_min, low, CHIP_RUBBING_FAIL * low)
    detail = (
        f"feed per tooth {fmt(job.feed_per_tooth)} mm = {fmt(job.feed)} / ({fmt(job.rpm)} rpm x "
        f"{job.tool.flutes}); effective chip {fmt(job.chip_min)}-{fmt(job.chip_max)} mm"
    )
    if job.chip_min < job.chip_max or job.tool.kind == ToolKind.SAW:
        detail += f" after radial chip thinning at {fmt(job.min_engagement)} mm engagement"
    scaled = f"band {limit} mm (registry band x {fmt(hardness_factor(job.material))} for hardness"
    if job.derating < 1:
        scaled += f" x {fmt(job.derating)} for a pass {fmt(job.pass_depth / job.tool.diameter)} x D deep"
    scaled += ")"
    target_feed = min(_feed_for_chip(job, (low + high) / 2), job.machine.max_feed_xy)
    suggestions = [f"feed_mm_min {fmt(math.floor(target_feed))} at {fmt(job.rpm)} rpm"]
    if over_status != CheckStatus.PASS and STATUS_RANK[over_status] >= STATUS_RANK[under_status]:
        message = f"{detail} is above the {scaled}: overload, chipping, bit breakage"
        return Check("CHIP_LOAD", over_status, message, job.chip_max, limit, over_severity, "mm", tuple(suggestions))
    if under_status != CheckStatus.PASS:
        message = f"{detail} is below the {scaled}: rubbing, heat, burning"
        if target_feed >= job.machine.max_feed_xy - 1e-9:
            rpm = ratio(job.machine.max_feed_xy * job.rpm, _feed_for_chip(job, (low + high) / 2))
            suggestions.append(f"rpm {fmt(round(rpm, -2))} at the machine's {fmt(job.machine.max_feed_xy)} mm/min")
        if job.clearing:
            suggestions.append(f"stepover_mm {fmt(min(job.cut_width / 2, job.stepover * 2))} (less chip thinning)")
        return Check("CHIP_LOAD", under_status, message, job.chip_min, limit, under_severity, "mm", tuple(suggestions))
    return Check("CHIP_LOAD", CheckStatus.PASS, f"{detail} is inside the {scaled}", job.chip_max, limit, unit="mm")


def heat_index(job: Job) -> float:
    target_chip = (job.chip_band[0] + job.chip_band[1]) / 2.0
    return ratio(job.surface_speed, job.speed_band.target) * ratio(target_chip, job.chip_min)


def check_heat(job: Job) -> Check:
    sensitive = job.material.oily or job.material.material_class == MaterialClass.PLASTIC
    threshold = HEAT_INDEX_WARN_SENSITIVE if sensitive else HEAT_INDEX_WARN
    index = heat_index(job)
    status, severity = grade_max(index, threshold, math.inf)
    if status == CheckStatus.WARN:
        severity = clamp(index / threshold - 1.0, 0.0, 1.0)
    why = (
        "oily wood gums the flutes and burnishes"
        if job.material.oily
        else "plastic melts and welds chips to the cutter"
        if sensitive
        else "rubbing scorches the wood"
    )
    message = (
        f"heat index {fmt(index)} (speed / target speed x target chip / thinnest chip); "
        f"{'above' if status != CheckStatus.PASS else 'within'} {fmt(threshold)}"
    )
    suggestions: tuple[str, ...] = ()
    if status != CheckStatus.PASS:
        message += f": {why}; raise the feed or lower the rpm"
        feed = min(_feed_for_chip(job, job.chip_band[1]), job.machine.max_feed_xy)
        rpm = clamp(job.rpm * threshold / index, *_rpm_range(job)) if finite(index) and index > 0 else job.rpm
        suggestions = (f"feed_mm_min {fmt(math.floor(feed))}", f"rpm {fmt(round(rpm, -2) or rpm)}")
    return Check("HEAT_RISK", status, message, index, threshold, severity, "ratio", suggestions)


def check_feed_xy(job: Job) -> Check:
    limit = job.machine.max_feed_xy
    status, severity = grade_max(job.feed, limit, limit)
    relation = "within" if status == CheckStatus.PASS else "above"
    message = f"feed {fmt(job.feed)} mm/min ({job.sources['feed_mm_min']}) is {relation} the machine's {fmt(limit)}"
    suggestions = (f"feed_mm_min at most {fmt(limit)}",)
    if job.feed < MIN_FEED_MM_MIN:
        status, severity = CheckStatus.FAIL, 1.0
        message = f"feed {fmt(job.feed)} mm/min is below {fmt(MIN_FEED_MM_MIN)} mm/min: not a usable feed"
        suggestions = (f"feed_mm_min at least {fmt(MIN_FEED_MM_MIN)}",)
    return Check("FEED_XY", status, message, job.feed, limit, severity, "mm/min", suggestions)


def check_feed_z(job: Job) -> Check:
    max_z = job.machine.max_feed_z
    comfortable = min(job.feed, max_z)
    status, severity = grade_max(job.plunge, comfortable, max_z)
    message = f"plunge {fmt(job.plunge)} mm/min ({job.sources['plunge_mm_min']})"
    suggestions = (f"plunge_mm_min at most {fmt(math.floor(comfortable))}",)
    if job.plunge < MIN_FEED_MM_MIN:
        status, severity = CheckStatus.FAIL, 1.0
        message += f" is below {fmt(MIN_FEED_MM_MIN)} mm/min: not a usable feed"
        suggestions = (f"plunge_mm_min at least {fmt(MIN_FEED_MM_MIN)}",)
    elif status == CheckStatus.FAIL:
        message += f" is above the machine's Z limit {fmt(max_z)} mm/min"
    elif status == CheckStatus.WARN:
        message += f" is faster than the cutting feed {fmt(job.feed)}: bits cut poorly straight down"
    else:
        message += f" is within the Z limit {fmt(max_z)} and the cutting feed"
    return Check("FEED_Z", status, message, job.plunge, comfortable, severity, "mm/min", suggestions)


def check_depth_per_pass(job: Job) -> Check:
    tool = job.tool
    depth = job.pass_depth
    if tool.kind == ToolKind.SAW:
        warn_at = SAW_DEPTH_WARN_SHARE * tool.flute_length
        fail_at = tool.flute_length
        rule = f"saw: warn above {fmt(warn_at)}, fail above its {fmt(fail_at)} mm depth of cut"
    else:
        warn_at = min(DEPTH_PER_PASS_WARN_D * tool.diameter, tool.flute_length)
        fail_at = min(DEPTH_PER_PASS_FAIL_D * tool.diameter, tool.flute_length)
        rule = f"warn above 1 x D ({fmt(warn_at)}), fail above 2 x D or the flute length ({fmt(fail_at)})"
    status, severity = grade_max(depth, warn_at, fail_at)
    message = f"{fmt(depth)} mm per pass ({job.sources['stepdown_mm']}), {job.passes} pass(es); {rule}"
    suggestions = (_stepdown_for(job, warn_at),)
    if job.passes > MAX_PASSES:
        status, severity = CheckStatus.FAIL, 1.0
        message += f"; more than {MAX_PASSES} passes is not a real cut"
        suggestions = (_stepdown_for(job, max(job.depth / MAX_PASSES, warn_at / 2)),)
    return Check("DEPTH_PER_PASS", status, message, depth, warn_at, severity, "mm", suggestions)


def check_stepover(job: Job) -> Check | None:
    if not job.clearing or job.tool.kind == ToolKind.SAW:
        return None
    warn_at = STEPOVER_WARN_SHARE * job.cut_width
    fail_at = STEPOVER_FAIL_SHARE * job.cut_width
    status, severity = grade_max(job.stepover, warn_at, fail_at)
    message = f"stepover {fmt(job.stepover)} mm ({job.sources['stepover_mm']}) for a {fmt(job.cut_width)} mm cut"
    if status == CheckStatus.FAIL:
        message += ": wider than the cut, leaves ridges of uncut material"
    elif status == CheckStatus.WARN:
        message += ": above half the cut width, full side load"
    suggestions = (f"stepover_mm {fmt(round(POCKET_STEPOVER_SHARE * job.cut_width, 3))}",)
    return Check("STEPOVER", status, message, job.stepover, warn_at, severity, "mm", suggestions)


def check_deflection(job: Job) -> Check | None:
    if job.tool.kind == ToolKind.SAW:
        return None  # a blade on an arbor does not bend like a cantilevered bit
    force = job.cutting_force_n
    deflection = deflection_mm(force, job.tool)
    status, severity = grade_max(deflection, DEFLECTION_WARN_MM, DEFLECTION_FAIL_MM)
    message = (
        f"tip deflection {fmt(deflection)} mm under {fmt(force)} N (kc {fmt(job.kc)} N/mm2 at a {fmt(job.chip_max)} mm "
        f"chip x {fmt(job.pass_depth)} mm x {fmt(job.chip_max)} mm) over {fmt(job.tool.stickout)} mm stickout; "
        f"warn above {fmt(DEFLECTION_WARN_MM)}, fail above {fmt(DEFLECTION_FAIL_MM)} mm"
    )
    # Deflection is proportional to the pass depth, so the pass that stays at the warn limit is closed-form.
    suggestions = (_stepdown_for(job, job.pass_depth * ratio(DEFLECTION_WARN_MM, deflection)),)
    return Check("DEFLECTION", status, message, deflection, DEFLECTION_WARN_MM, severity, "mm", suggestions)


def check_power(job: Job) -> Check:
    available = available_power_w(job.machine, job.rpm)
    needed = job.cutting_power_w
    share = ratio(needed, available)
    status, severity = grade_max(share, POWER_WARN_SHARE, POWER_FAIL_SHARE)
    message = (
        f"cutting needs {fmt(needed)} W (kc {fmt(job.kc)} N/mm2 x {fmt(job.cut_width)} x {fmt(job.pass_depth)} mm x "
        f"{fmt(job.feed)} mm/min) of {fmt(available)} W available at {fmt(job.rpm)} rpm "
        f"({fmt(100 * share) if finite(share) else 'inf'} %; warn above {fmt(100 * POWER_WARN_SHARE)} %)"
    )
    scale = ratio(POWER_WARN_SHARE * available, needed)
    suggestions = (
        _stepdown_for(job, job.pass_depth * scale),
        f"feed_mm_min {fmt(math.floor(job.feed * min(scale, 1)))}",
    )
    return Check("SPINDLE_POWER", status, message, needed, POWER_WARN_SHARE * available, severity, "W", suggestions)


def job_checks(job: Job) -> list[Check]:
    checks = [
        check_rpm_tool(job),
        check_rpm_machine(job),
        check_surface_speed(job),
        check_chip_load(job),
        check_heat(job),
        check_feed_xy(job),
        check_feed_z(job),
        check_depth_per_pass(job),
        check_stepover(job),
        check_deflection(job),
        check_power(job),
    ]
    return [check for check in checks if check is not None]
