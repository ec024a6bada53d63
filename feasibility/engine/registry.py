"""Registry entries read into small typed views; anything unusable makes its *_KNOWN check unknown."""

from __future__ import annotations

from dataclasses import dataclass

from feasibility.engine.common import Check, fmt, id_text, num
from feasibility.engine.tables import DEFAULT_YOUNGS_MODULUS_N_MM2, MAX_THROUGH_ALLOWANCE_MM, YOUNGS_MODULUS_N_MM2
from feasibility.enums import CheckStatus, MaterialClass, ToolKind, WorkOffset
from feasibility.geometry import ToolShape

SPINDLE_ORIENTATIONS = ("vertical", "horizontal")
SAW_MOUNTS = ("none", "arbor", "angle_head")
SAW_PLANES = ("XZ", "YZ")


@dataclass(frozen=True)
class Tool:
    tool_id: str
    kind: ToolKind
    diameter: float
    flutes: int
    flute_length: float
    shank: float  # saws: the arbor bore
    stickout: float
    kerf: float | None
    max_rpm: float
    chipload_min: float
    chipload_max: float
    vbit_angle: float | None
    youngs_modulus: float

    @property
    def family(self) -> str:
        return "rotary" if self.kind in ToolKind.ROTARY else "saw"

    @property
    def shape(self) -> ToolShape:
        return ToolShape(self.kind.value, self.diameter, self.kerf, self.vbit_angle)


@dataclass(frozen=True)
class Material:
    material_id: str
    material_class: MaterialClass
    janka: float
    density: float
    oily: bool


@dataclass(frozen=True)
class Clamp:
    name: str
    x_min: float
    x_max: float
    y_min: float
    y_max: float
    height: float  # above the fixture's support surface


@dataclass(frozen=True)
class Fixture:
    """A work offset: where the part's datum sits in machine coordinates, and what holds the part.

    ``origin`` is the machine position of the part's X0 Y0 and, in Z, of the surface the stock rests on (the
    jig bed or the spoilboard): work Z0 is the stock top, ``stock_thickness`` above it (touched off per job).
    """

    fixture_id: str
    name: str
    work_offset: str
    origin: tuple[float, float, float]
    clamps: tuple[Clamp, ...]
    is_default: bool
    # How far a cut through the stock may go into the surface below it (a spoilboard's allowance; 0: not at all).
    through_allowance: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.fixture_id} ({self.work_offset})"

    @property
    def clamp_top(self) -> float:
        """The tallest clamp, above the support surface."""
        return max((clamp.height for clamp in self.clamps), default=0.0)

    def work_zero(self, stock_thickness: float) -> tuple[float, float, float]:
        """Machine coordinates of work zero: the datum in XY, the stock top in Z."""
        x, y, z = self.origin
        return x, y, z + stock_thickness


@dataclass(frozen=True)
class Machine:
    machine_id: str
    rpm_min: float
    rpm_max: float
    max_feed_xy: float
    max_feed_z: float
    spindle_power: float
    # Soft limits in machine coordinates: (low, high) per axis.
    limits_x: tuple[float, float]
    limits_y: tuple[float, float]
    limits_z: tuple[float, float]
    spindle_orientation: str
    collet_range: tuple[float, float]  # shank diameters the collet holds; (0, 0) when there is none
    saw_mount: str
    saw_max_blade: float
    saw_blade_plane: str | None
    fixtures: tuple[Fixture, ...]

    def fixture(self, fixture_id: str) -> Fixture | None:
        return next((f for f in self.fixtures if f.fixture_id == fixture_id), None)

    @property
    def default_fixture(self) -> Fixture | None:
        return next((f for f in self.fixtures if f.is_default), None)


def _positive(entry: dict, key: str, problems: list[str], *, allow_zero: bool = False) -> float:
    value = num(entry.get(key))
    if value is None or value < 0 or (value == 0 and not allow_zero):
        problems.append(f"{key} must be a {'non-negative' if allow_zero else 'positive'} number")
        return 0.0
    return value


def _signed(entry: dict, key: str, problems: list[str]) -> float:
    value = num(entry.get(key))
    if value is None:
        problems.append(f"{key} must be a number")
        return 0.0
    return value


def read_tool(entry: dict) -> tuple[Tool | None, list[str]]:
    problems: list[str] = []
    try:
        kind = ToolKind(entry.get("kind"))
    except ValueError:
        return None, [f"unsupported tool kind {id_text(entry.get('kind'))}"]
    diameter = _positive(entry, "diameter_mm", problems)
    flutes = _positive(entry, "flutes", problems)
    if flutes and flutes != int(flutes):
        problems.append("flutes must be a whole number")
    flute_length = _positive(entry, "flute_length_mm", problems)
    max_rpm = _positive(entry, "max_rpm", problems)
    chip_min = _positive(entry, "chipload_min_mm", problems)
    chip_max = _positive(entry, "chipload_max_mm", problems)
    if chip_max < chip_min:
        problems.append("chipload_max_mm is below chipload_min_mm")
    kerf = vbit_angle = None
    stickout = 0.0
    shank = _positive(entry, "shank_mm", problems)
    if kind == ToolKind.SAW:
        kerf = _positive(entry, "kerf_mm", problems)
    else:
        stickout = _positive(entry, "stickout_mm", problems)
    if kind == ToolKind.VBIT:
        vbit_angle = _positive(entry, "vbit_angle_deg", problems)
        if vbit_angle >= 180:
            problems.append("vbit_angle_deg must be below 180")
    if problems:
        return None, problems
    modulus = YOUNGS_MODULUS_N_MM2.get(entry.get("tool_material"), DEFAULT_YOUNGS_MODULUS_N_MM2)
    tool = Tool(
        tool_id=id_text(entry.get("tool_id")),
        kind=kind,
        diameter=diameter,
        flutes=int(flutes),
        flute_length=flute_length,
        shank=shank,
        stickout=stickout,
        kerf=kerf,
        max_rpm=max_rpm,
        chipload_min=chip_min,
        chipload_max=chip_max,
        vbit_angle=vbit_angle,
        youngs_modulus=modulus,
    )
    return tool, []


def read_material(entry: dict) -> tuple[Material | None, list[str]]:
    try:
        material_class = MaterialClass(entry.get("material_class"))
    except ValueError:
        return None, [f"unsupported material_class {id_text(entry.get('material_class'))}"]
    problems: list[str] = []
    density = _positive(entry, "density_kg_m3", problems)
    # Plastics have no Janka figure; their chip band uses a class factor instead.
    janka = 0.0 if material_class == MaterialClass.PLASTIC else _positive(entry, "janka_lbf", problems)
    if problems:
        return None, problems
    material = Material(
        material_id=id_text(entry.get("material_id")),
        material_class=material_class,
        janka=janka,
        density=density,
        oily=entry.get("oily") is True,
    )
    return material, []


def _read_clamp(raw: object, where: str, problems: list[str]) -> Clamp | None:
    if not isinstance(raw, dict):
        problems.append(f"{where} is not an object")
        return None
    found: list[str] = []
    values = {key: _signed(raw, f"{key}_mm", found) for key in ("x_min", "x_max", "y_min", "y_max")}
    height = _positive(raw, "height_mm", found, allow_zero=True)
    if not found and (values["x_max"] < values["x_min"] or values["y_max"] < values["y_min"]):
        found.append("a max is below its min")
    if found:
        problems.append(f"{where}: {'; '.join(found)}")
        return None
    return Clamp(name=id_text(raw.get("name", "")), height=height, **values)


def read_fixture(entry: object, where: str, problems: list[str]) -> Fixture | None:
    if not isinstance(entry, dict):
        problems.append(f"{where} is not an object")
        return None
    found: list[str] = []
    fixture_id = entry.get("fixture_id")
    if not isinstance(fixture_id, str) or not fixture_id:
        found.append("fixture_id must be a non-empty string")
    offset = entry.get("work_offset")
    if offset not in set(WorkOffset):
        found.append(f"work_offset must be one of {', '.join(WorkOffset)}")
    origin = tuple(_signed(entry, f"origin_{axis}_mm", found) for axis in "xyz")
    clamps_raw = entry.get("clamps") or []
    if not isinstance(clamps_raw, list):
        found.append("clamps must be a list")
        clamps_raw = []
    clamps = [_read_clamp(raw, f"clamp {index + 1}", found) for index, raw in enumerate(clamps_raw)]
    # A snapshot from before fixtures had an allowance has none: nothing below the stock may be cut.
    allowance = 0.0
    if "through_allowance_mm" in entry:
        allowance = _positive(entry, "through_allowance_mm", found, allow_zero=True)
    if allowance > MAX_THROUGH_ALLOWANCE_MM:
        found.append(f"through_allowance_mm must be at most {MAX_THROUGH_ALLOWANCE_MM:g}")
    if found:
        problems.append(f"{where}: {'; '.join(found)}")
        return None
    return Fixture(
        fixture_id=fixture_id,
        name=id_text(entry.get("name", "")),
        work_offset=offset,
        origin=origin,
        clamps=tuple(clamp for clamp in clamps if clamp is not None),
        is_default=entry.get("is_default") is True,
        through_allowance=allowance,
    )


def read_machine(entry: dict) -> tuple[Machine | None, list[str]]:
    problems: list[str] = []
    rpm_min = _positive(entry, "rpm_min", problems, allow_zero=True)
    rpm_max = _positive(entry, "rpm_max", problems)
    if rpm_max < rpm_min:
        problems.append("rpm_max is below rpm_min")
    limits = {}
    for axis in "xyz":
        low = _signed(entry, f"soft_{axis}_min_mm", problems)
        high = _signed(entry, f"soft_{axis}_max_mm", problems)
        if high <= low and not problems:
            problems.append(f"soft_{axis}_max_mm must be above soft_{axis}_min_mm")
        limits[axis] = (low, high)
    orientation = entry.get("spindle_orientation")
    if orientation not in SPINDLE_ORIENTATIONS:
        problems.append(f"spindle_orientation must be one of {', '.join(SPINDLE_ORIENTATIONS)}")
    collet = (
        _positive(entry, "collet_min_mm", problems, allow_zero=True),
        _positive(entry, "collet_max_mm", problems, allow_zero=True),
    )
    if collet[1] < collet[0]:
        problems.append("collet_max_mm is below collet_min_mm")
    mount = entry.get("saw_mount")
    if mount not in SAW_MOUNTS:
        problems.append(f"saw_mount must be one of {', '.join(SAW_MOUNTS)}")
    blade = _positive(entry, "saw_max_blade_mm", problems, allow_zero=True)
    plane = entry.get("saw_blade_plane") or None
    if mount in ("arbor", "angle_head") and (plane not in SAW_PLANES or blade <= 0):
        problems.append("a saw arbor or angle head needs saw_blade_plane (XZ or YZ) and saw_max_blade_mm")
    fixtures_raw = entry.get("fixtures") or []
    if not isinstance(fixtures_raw, list):
        problems.append("fixtures must be a list")
        fixtures_raw = []
    fixtures = [read_fixture(raw, f"fixture {index + 1}", problems) for index, raw in enumerate(fixtures_raw)]
    ids = [f.fixture_id for f in fixtures if f is not None]
    if len(set(ids)) != len(ids):
        problems.append("fixture ids repeat")
    if sum(1 for f in fixtures if f is not None and f.is_default) > 1:
        problems.append("more than one default fixture")
    values = {
        "max_feed_xy": _positive(entry, "max_feed_xy_mm_min", problems),
        "max_feed_z": _positive(entry, "max_feed_z_mm_min", problems),
        "spindle_power": _positive(entry, "spindle_power_w", problems),
    }
    if problems:
        return None, problems
    machine = Machine(
        machine_id=id_text(entry.get("machine_id")),
        rpm_min=rpm_min,
        rpm_max=rpm_max,
        limits_x=limits["x"],
        limits_y=limits["y"],
        limits_z=limits["z"],
        spindle_orientation=orientation,
        collet_range=collet,
        saw_mount=mount,
        saw_max_blade=blade,
        saw_blade_plane=plane if mount != "none" else None,
        fixtures=tuple(f for f in fixtures if f is not None),
        **values,
    )
    return machine, []


def known_check(code: str, label: str, requested: object, entry: object, reader) -> tuple[object, Check]:
    shown = id_text(requested) if requested is not None else None
    if requested is None or (isinstance(requested, str) and not requested):
        return None, Check(code, CheckStatus.UNKNOWN, f"no {label} given", shown, suggestions=(f"give a {label}",))
    if not isinstance(entry, dict):
        suggestion = f"use a {label} from the registry (GET /api/rmos/registry/...)"
        return None, Check(code, CheckStatus.UNKNOWN, f"unknown {label} {shown!r}", shown, suggestions=(suggestion,))
    view, problems = reader(entry)
    if view is None:
        reason = "; ".join(problems)
        message = f"registry entry for {label} {shown!r} is unusable: {reason}"
        return None, Check(code, CheckStatus.UNKNOWN, message, shown, suggestions=("fix the entry in the admin",))
    name = entry.get("name")
    named = f" ({name})" if isinstance(name, str) and name else ""
    return view, Check(code, CheckStatus.PASS, f"{label} {shown!r} found in the registry{named}", shown)


def fixture_check(machine: Machine, requested: object) -> tuple[Fixture | None, Check]:
    """The fixture the job names, or the machine's default; unknown when there is none to use."""
    code = "FIXTURE_KNOWN"
    names = ", ".join(f.label for f in machine.fixtures) or "none"
    if requested is None or requested == "":
        fixture = machine.default_fixture
        if fixture is None:
            message = f"machine {machine.machine_id!r} has no default fixture; its fixtures: {names}"
            suggestion = "name a fixture" if machine.fixtures else "add a fixture to the machine in the admin"
            return None, Check(code, CheckStatus.UNKNOWN, message, None, suggestions=(suggestion,))
        message = f"{fixture.label} {fixture.name}: the machine's default fixture, datum at machine " + _at(fixture)
        return fixture, Check(code, CheckStatus.PASS, message, fixture.fixture_id)
    shown = id_text(requested)
    fixture = machine.fixture(requested) if isinstance(requested, str) else None
    if fixture is None:
        message = f"unknown fixture {shown!r} on machine {machine.machine_id!r}; its fixtures: {names}"
        suggestions = tuple(f"fixture {f.fixture_id!r}" for f in machine.fixtures) or (
            "add a fixture to the machine in the admin",
        )
        return None, Check(code, CheckStatus.UNKNOWN, message, shown, suggestions=suggestions)
    message = f"{fixture.label} {fixture.name}: datum at machine {_at(fixture)}"
    return fixture, Check(code, CheckStatus.PASS, message, fixture.fixture_id)


def _at(fixture: Fixture) -> str:
    x, y, z = fixture.origin
    return f"X{fmt(x)} Y{fmt(y)}, stock resting at Z{fmt(z)}"
