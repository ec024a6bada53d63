"""The default shop: the registry a fresh RMOS install judges with, as plain data (see docs/interfaces.md).

The dicts carry exactly the interface keys; where each number comes from is said in the comments.
Wood figures are the Wood Database's Janka side hardness (lbf) and average dried density (kg/m3, 12 % moisture),
except where a comment names another source. Chip-load bands are for 2-flute carbide router bits in hardwood, taken
from the conservative end of the common manufacturers' chip-load charts (Onsrud, Amana, Whiteside);
the engine scales them by hardness (docs/feasibility.md). Saw bands are the effective chip thickness per
tooth, which the engine corrects for the very shallow engagement of a saw (radial chip thinning).
"""

import copy

MATERIALS: list[dict] = [
    # Gaboon ebony (Diospyros crassiflora): 3080 lbf, 955 kg/m3; oily enough to gum and burnish when hot.
    {
        "material_id": "ebony",
        "name": "Gaboon ebony",
        "material_class": "hardwood",
        "janka_lbf": 3080,
        "density_kg_m3": 955,
        "oily": True,
    },
    # East Indian rosewood (Dalbergia latifolia): 2440 lbf, 830 kg/m3; natural oils.
    {
        "material_id": "east_indian_rosewood",
        "name": "East Indian rosewood",
        "material_class": "hardwood",
        "janka_lbf": 2440,
        "density_kg_m3": 830,
        "oily": True,
    },
    # Hard maple (Acer saccharum): 1450 lbf, 705 kg/m3. Not oily, but burns readily when rubbed.
    {
        "material_id": "hard_maple",
        "name": "Hard maple",
        "material_class": "hardwood",
        "janka_lbf": 1450,
        "density_kg_m3": 705,
        "oily": False,
    },
    # The seed's example id `maple`: the same figures as hard maple (necks and fingerboards use hard maple).
    {
        "material_id": "maple",
        "name": "Maple (hard)",
        "material_class": "hardwood",
        "janka_lbf": 1450,
        "density_kg_m3": 705,
        "oily": False,
    },
    # Honduran mahogany (Swietenia macrophylla): 800 lbf is the USDA Forest Products Laboratory figure for dry
    # wood (Chudnoff, Tropical Timbers of the World, fact sheet "Swietenia macrophylla"; the Wood Database gives
    # 900 lbf); 590 kg/m3 average dried weight from the Wood Database.
    {
        "material_id": "mahogany",
        "name": "Honduran mahogany",
        "material_class": "hardwood",
        "janka_lbf": 800,
        "density_kg_m3": 590,
        "oily": False,
    },
    # Sitka spruce (Picea sitchensis): 510 lbf, 425 kg/m3; the classic soundboard.
    {
        "material_id": "sitka_spruce",
        "name": "Sitka spruce",
        "material_class": "softwood",
        "janka_lbf": 510,
        "density_kg_m3": 425,
        "oily": False,
    },
    # Western red cedar (Thuja plicata): 350 lbf, 370 kg/m3; soft, tears out easily.
    {
        "material_id": "western_red_cedar",
        "name": "Western red cedar",
        "material_class": "softwood",
        "janka_lbf": 350,
        "density_kg_m3": 370,
        "oily": False,
    },
    # Black walnut (Juglans nigra): 1010 lbf, 610 kg/m3.
    {
        "material_id": "walnut",
        "name": "Black walnut",
        "material_class": "hardwood",
        "janka_lbf": 1010,
        "density_kg_m3": 610,
        "oily": False,
    },
    # Koa (Acacia koa): 1170 lbf, 610 kg/m3.
    {
        "material_id": "koa",
        "name": "Koa",
        "material_class": "hardwood",
        "janka_lbf": 1170,
        "density_kg_m3": 610,
        "oily": False,
    },
    # MDF: density 700-800 kg/m3 in manufacturers' sheets; Janka is not a standard test for MDF, so the
    # figure is an approximate mid value of published indentation comparisons (used only for chip scaling).
    {
        "material_id": "mdf",
        "name": "MDF",
        "material_class": "composite",
        "janka_lbf": 1000,
        "density_kg_m3": 750,
        "oily": False,
    },
    # Baltic birch plywood: birch faces (yellow birch 1260 lbf); ~680 kg/m3 panel density with glue lines.
    {
        "material_id": "baltic_birch_plywood",
        "name": "Baltic birch plywood",
        "material_class": "composite",
        "janka_lbf": 1260,
        "density_kg_m3": 680,
        "oily": False,
    },
]

# Tool numbers are the shop's tool table (LinuxCNC's tool.tbl, Mach3's tool table): a controller with one loads
# tool n with `Tn M6 G43 Hn`. Every spiral bit and V-bit here cuts at its centre (end-cutting flutes, a point);
# a saw blade does not, it only enters edge-first.
TOOLS: list[dict] = [
    # Thin-kerf slotting blade for fret slots: 0.6 mm kerf (fret tangs want 0.58-0.60 mm slots), carbide
    # tipped; 40 mm usable depth below the arbor flange; rated 9000 rpm (66 m/s rim speed, inside the 40-70 m/s
    # hardwood band). shank_mm holds the arbor bore. It needs a saw arbor or an angle head (TOOL_HOLDING).
    {
        "tool_id": "saw:thin_140",
        "name": "140 mm thin-kerf fret slotting blade, 0.6 mm kerf",
        "kind": "saw",
        "diameter_mm": 140.0,
        "flutes": 40,
        "flute_length_mm": 40.0,
        "shank_mm": 20.0,
        "stickout_mm": 0.0,
        "kerf_mm": 0.6,
        "max_rpm": 9000,
        "chipload_min_mm": 0.01,
        "chipload_max_mm": 0.04,
        "vbit_angle_deg": None,
        "tool_material": "carbide",
        "tool_number": 1,
        "centre_cutting": False,
    },
    # HSS slitting saw, 100 x 0.58 mm (0.023 in), 80 teeth, 22 mm bore; kept slow (6000 rpm, 31 m/s rim)
    # because an HSS slitting saw is not balanced for woodworking speeds: below the hardwood band, so its rim
    # speed warns (it cuts, poorly).
    {
        "tool_id": "saw:slit_100",
        "name": "100 mm HSS slitting saw, 0.58 mm kerf",
        "kind": "saw",
        "diameter_mm": 100.0,
        "flutes": 80,
        "flute_length_mm": 25.0,
        "shank_mm": 22.0,
        "stickout_mm": 0.0,
        "kerf_mm": 0.58,
        "max_rpm": 6000,
        "chipload_min_mm": 0.005,
        "chipload_max_mm": 0.03,
        "vbit_angle_deg": None,
        "tool_material": "hss",
        "tool_number": 2,
        "centre_cutting": False,
    },
    # 1/8 in spiral bits: 1/2 in cutting length; hardwood chip load 0.002-0.004 in (0.05-0.10 mm);
    # downcuts pack their chips into the cut, so their band is set about 20 % lower.
    {
        "tool_id": "router:upcut_1_8in",
        "name": "1/8 in 2-flute upcut spiral",
        "kind": "router",
        "diameter_mm": 3.175,
        "flutes": 2,
        "flute_length_mm": 12.7,
        "shank_mm": 3.175,
        "stickout_mm": 20.0,
        "kerf_mm": None,
        "max_rpm": 24000,
        "chipload_min_mm": 0.05,
        "chipload_max_mm": 0.10,
        "vbit_angle_deg": None,
        "tool_material": "carbide",
        "tool_number": 3,
        "centre_cutting": True,
    },
    {
        "tool_id": "router:downcut_1_8in",
        "name": "1/8 in 2-flute downcut spiral",
        "kind": "router",
        "diameter_mm": 3.175,
        "flutes": 2,
        "flute_length_mm": 12.7,
        "shank_mm": 3.175,
        "stickout_mm": 20.0,
        "kerf_mm": None,
        "max_rpm": 24000,
        "chipload_min_mm": 0.04,
        "chipload_max_mm": 0.08,
        "vbit_angle_deg": None,
        "tool_material": "carbide",
        "tool_number": 4,
        "centre_cutting": True,
    },
    # 1/4 in spiral bits: 7/8 in cutting length; hardwood chip load 0.006-0.010 in (0.15-0.25 mm).
    {
        "tool_id": "router:upcut_1_4in",
        "name": "1/4 in 2-flute upcut spiral",
        "kind": "router",
        "diameter_mm": 6.35,
        "flutes": 2,
        "flute_length_mm": 22.2,
        "shank_mm": 6.35,
        "stickout_mm": 32.0,
        "kerf_mm": None,
        "max_rpm": 24000,
        "chipload_min_mm": 0.15,
        "chipload_max_mm": 0.25,
        "vbit_angle_deg": None,
        "tool_material": "carbide",
        "tool_number": 5,
        "centre_cutting": True,
    },
    {
        "tool_id": "router:downcut_1_4in",
        "name": "1/4 in 2-flute downcut spiral",
        "kind": "router",
        "diameter_mm": 6.35,
        "flutes": 2,
        "flute_length_mm": 22.2,
        "shank_mm": 6.35,
        "stickout_mm": 32.0,
        "kerf_mm": None,
        "max_rpm": 24000,
        "chipload_min_mm": 0.12,
        "chipload_max_mm": 0.20,
        "vbit_angle_deg": None,
        "tool_material": "carbide",
        "tool_number": 6,
        "centre_cutting": True,
    },
    # Metric flat end mills (2 flutes, carbide), same chip-load class as their imperial neighbours.
    {
        "tool_id": "router:flat_3mm",
        "name": "3 mm 2-flute flat end mill",
        "kind": "router",
        "diameter_mm": 3.0,
        "flutes": 2,
        "flute_length_mm": 12.0,
        "shank_mm": 3.175,
        "stickout_mm": 20.0,
        "kerf_mm": None,
        "max_rpm": 24000,
        "chipload_min_mm": 0.05,
        "chipload_max_mm": 0.10,
        "vbit_angle_deg": None,
        "tool_material": "carbide",
        "tool_number": 7,
        "centre_cutting": True,
    },
    {
        "tool_id": "router:flat_6mm",
        "name": "6 mm 2-flute flat end mill",
        "kind": "router",
        "diameter_mm": 6.0,
        "flutes": 2,
        "flute_length_mm": 22.0,
        "shank_mm": 6.0,
        "stickout_mm": 30.0,
        "kerf_mm": None,
        "max_rpm": 24000,
        "chipload_min_mm": 0.13,
        "chipload_max_mm": 0.23,
        "vbit_angle_deg": None,
        "tool_material": "carbide",
        "tool_number": 8,
        "centre_cutting": True,
    },
    # Fret-slotting end mill, 0.023 in (0.584 mm), 3 flutes, on a 1/8 in shank: how CNC shops slot frets for
    # standard 0.023 in tangs. Precise Bits' fret-slot tutorial (precisebits.com/tutorials/cutting-fret-slot) runs
    # it at 24 000 rpm, 0.00069 in (0.0175 mm) per tooth in ebony, passes 1 x D deep, and notes 1.4-2.3 m/min
    # cuts better in all but the hardest boards: a 0.02-0.035 mm band for the reference hardwood (ebony scales it
    # to 0.012-0.021 mm). 1/8 in cutting length slots the usual 3 mm depth; 24 000 rpm is the maker's figure.
    {
        "tool_id": "router:fret_0_58mm",
        "name": "0.023 in (0.58 mm) 3-flute fret-slotting end mill",
        "kind": "router",
        "diameter_mm": 0.584,
        "flutes": 3,
        "flute_length_mm": 3.2,
        "shank_mm": 3.175,
        "stickout_mm": 16.0,
        "kerf_mm": None,
        "max_rpm": 24000,
        "chipload_min_mm": 0.02,
        "chipload_max_mm": 0.035,
        "vbit_angle_deg": None,
        "tool_material": "carbide",
        "tool_number": 9,
        "centre_cutting": True,
    },
    # 1/16 in 2-flute upcut on a 1/8 in shank, 1/4 in cutting length: inlay pockets, purfling and binding
    # detail. Hardwood chip load 0.001-0.002 in (0.025-0.05 mm), the 1/16 in row of the Onsrud and Amana charts.
    {
        "tool_id": "router:upcut_1_16in",
        "name": "1/16 in 2-flute upcut spiral",
        "kind": "router",
        "diameter_mm": 1.5875,
        "flutes": 2,
        "flute_length_mm": 6.35,
        "shank_mm": 3.175,
        "stickout_mm": 16.0,
        "kerf_mm": None,
        "max_rpm": 24000,
        "chipload_min_mm": 0.025,
        "chipload_max_mm": 0.05,
        "vbit_angle_deg": None,
        "tool_material": "carbide",
        "tool_number": 10,
        "centre_cutting": True,
    },
    # 1/2 in V-groove bits on 1/4 in shanks; flute length is the cone height r / tan(angle / 2).
    {
        "tool_id": "vbit:60deg",
        "name": "60 degree V-bit, 1/2 in",
        "kind": "vbit",
        "diameter_mm": 12.7,
        "flutes": 2,
        "flute_length_mm": 11.0,
        "shank_mm": 6.35,
        "stickout_mm": 28.0,
        "kerf_mm": None,
        "max_rpm": 24000,
        "chipload_min_mm": 0.05,
        "chipload_max_mm": 0.12,
        "vbit_angle_deg": 60.0,
        "tool_material": "carbide",
        "tool_number": 11,
        "centre_cutting": True,
    },
    {
        "tool_id": "vbit:90deg",
        "name": "90 degree V-bit, 1/2 in",
        "kind": "vbit",
        "diameter_mm": 12.7,
        "flutes": 2,
        "flute_length_mm": 6.35,
        "shank_mm": 6.35,
        "stickout_mm": 22.0,
        "kerf_mm": None,
        "max_rpm": 24000,
        "chipload_min_mm": 0.05,
        "chipload_max_mm": 0.12,
        "vbit_angle_deg": 90.0,
        "tool_material": "carbide",
        "tool_number": 12,
        "centre_cutting": True,
    },
]

# Every machine homes to machine X0 Y0 at the front left and Z0 at the top of its travel, so its soft limits are
# X 0..travel_x, Y 0..travel_y, Z -travel_z..0 (LinuxCNC's usual configuration). A fixture's origin is the machine
# position of the part's datum in XY and of the surface the stock rests on in Z; clamps are in part coordinates,
# heights above that surface (docs/feasibility.md, "Fixtures and datums").
MACHINES: list[dict] = [
    # A mid-size hobby/pro router with a 2.2 kW, 24000 rpm air-cooled VFD spindle and an ER20 collet (1-13 mm).
    # Its default fixture is the shop's fret-board jig: the nut line on a pin stop 150 mm from the X home, the
    # board's centreline at mid-travel in Y, a jig bed 90 mm below the Z home, one toggle clamp on the tail of the
    # board past the last fret. G55 is the spoilboard, work zero at the centre of the table; a profile through the
    # stock may go 0.5 mm into it (an MDF spoilboard is resurfaced; a jig or a sled allows nothing).
    {
        "machine_id": "router_a",
        "name": "Mid-size CNC router, 2.2 kW spindle",
        "travel_x_mm": 800.0,
        "travel_y_mm": 600.0,
        "travel_z_mm": 120.0,
        "rpm_min": 6000,
        "rpm_max": 24000,
        "max_feed_xy_mm_min": 10000.0,
        "max_feed_z_mm_min": 3000.0,
        "spindle_power_w": 2200.0,
        "soft_x_min_mm": 0.0,
        "soft_x_max_mm": 800.0,
        "soft_y_min_mm": 0.0,
        "soft_y_max_mm": 600.0,
        "soft_z_min_mm": -120.0,
        "soft_z_max_mm": 0.0,
        "spindle_orientation": "vertical",
        "collet_min_mm": 1.0,
        "collet_max_mm": 13.0,
        "saw_mount": "none",
        "saw_max_blade_mm": 0.0,
        "saw_blade_plane": "",
        # LinuxCNC with a VFD: its 2.2 kW spindle is set to ramp to 24 000 rpm in 5 s.
        "controller": "linuxcnc",
        "spindle_ramp_s": 5.0,
        "fixtures": [
            {
                "fixture_id": "fretboard_jig",
                "name": "Fret-board jig: nut line on the pin stop, board centreline on Y0",
                "work_offset": "G54",
                "origin_x_mm": 150.0,
                "origin_y_mm": 300.0,
                "origin_z_mm": -90.0,
                "clamps": [
                    {
                        "name": "tail toggle clamp",
                        "x_min_mm": 495.0,
                        "x_max_mm": 535.0,
                        "y_min_mm": -20.0,
                        "y_max_mm": 20.0,
                        "height_mm": 20.0,
                    }
                ],
                "is_default": True,
                "through_allowance_mm": 0.0,
            },
            {
                "fixture_id": "spoilboard",
                "name": "Spoilboard, work zero at the centre of the table",
                "work_offset": "G55",
                "origin_x_mm": 400.0,
                "origin_y_mm": 300.0,
                "origin_z_mm": -100.0,
                "clamps": [],
                "is_default": False,
                "through_allowance_mm": 0.5,
            },
        ],
    },
    # A desktop 4040-class machine with a 500 W DC spindle and an ER11 collet (0.5-7 mm).
    {
        "machine_id": "desktop_4040",
        "name": "Desktop 4040 router, 500 W DC spindle",
        "travel_x_mm": 400.0,
        "travel_y_mm": 400.0,
        "travel_z_mm": 78.0,
        "rpm_min": 3000,
        "rpm_max": 12000,
        "max_feed_xy_mm_min": 3000.0,
        "max_feed_z_mm_min": 1000.0,
        "spindle_power_w": 500.0,
        "soft_x_min_mm": 0.0,
        "soft_x_max_mm": 400.0,
        "soft_y_min_mm": 0.0,
        "soft_y_max_mm": 400.0,
        "soft_z_min_mm": -78.0,
        "soft_z_max_mm": 0.0,
        "spindle_orientation": "vertical",
        "collet_min_mm": 0.5,
        "collet_max_mm": 7.0,
        "saw_mount": "none",
        "saw_max_blade_mm": 0.0,
        "saw_blade_plane": "",
        # GRBL: its DC spindle reaches speed in about 2 s.
        "controller": "grbl",
        "spindle_ramp_s": 2.0,
        "fixtures": [
            {
                "fixture_id": "spoilboard",
                "name": "Spoilboard, work zero at the centre of the table",
                "work_offset": "G54",
                "origin_x_mm": 200.0,
                "origin_y_mm": 200.0,
                "origin_z_mm": -65.0,
                "clamps": [],
                "is_default": True,
                "through_allowance_mm": 0.5,
            }
        ],
    },
    # A 3018-class hobby machine: 775 DC motor spindle (about 10000 rpm, well under 100 W of cutting power) with
    # an ER11 collet extension.
    {
        "machine_id": "desktop_3018",
        "name": "3018 desktop router, 775 motor spindle",
        "travel_x_mm": 300.0,
        "travel_y_mm": 180.0,
        "travel_z_mm": 45.0,
        "rpm_min": 1000,
        "rpm_max": 10000,
        "max_feed_xy_mm_min": 1500.0,
        "max_feed_z_mm_min": 600.0,
        "spindle_power_w": 80.0,
        "soft_x_min_mm": 0.0,
        "soft_x_max_mm": 300.0,
        "soft_y_min_mm": 0.0,
        "soft_y_max_mm": 180.0,
        "soft_z_min_mm": -45.0,
        "soft_z_max_mm": 0.0,
        "spindle_orientation": "vertical",
        "collet_min_mm": 0.5,
        "collet_max_mm": 7.0,
        "saw_mount": "none",
        "saw_max_blade_mm": 0.0,
        "saw_blade_plane": "",
        # GRBL: its 775 motor reaches speed in about 1 s; 2 s leaves a margin.
        "controller": "grbl",
        "spindle_ramp_s": 2.0,
        "fixtures": [
            {
                "fixture_id": "spoilboard",
                "name": "Spoilboard, work zero at the centre of the table",
                "work_offset": "G54",
                "origin_x_mm": 150.0,
                "origin_y_mm": 90.0,
                "origin_z_mm": -38.0,
                "clamps": [],
                "is_default": True,
                "through_allowance_mm": 0.5,
            }
        ],
    },
    # A CNC fret-slotting saw: a horizontal arbor carrying blades up to 150 mm, the blade turning in the YZ plane so
    # it crosses the board along Y; the sled moves the board along X under it. 3000-9000 rpm puts a 140 mm blade at
    # 22-66 m/s (the hardwood band is 40-70 m/s); a 40-tooth blade at that speed needs feeds of several m/min for
    # its chips to be chips rather than dust.
    {
        "machine_id": "fret_saw",
        "name": "CNC fret-slotting saw, 150 mm arbor",
        "travel_x_mm": 700.0,
        "travel_y_mm": 200.0,
        "travel_z_mm": 60.0,
        "rpm_min": 3000,
        "rpm_max": 9000,
        "max_feed_xy_mm_min": 12000.0,
        "max_feed_z_mm_min": 2000.0,
        "spindle_power_w": 1500.0,
        "soft_x_min_mm": 0.0,
        "soft_x_max_mm": 700.0,
        "soft_y_min_mm": 0.0,
        "soft_y_max_mm": 200.0,
        "soft_z_min_mm": -60.0,
        "soft_z_max_mm": 0.0,
        "spindle_orientation": "horizontal",
        "collet_min_mm": 0.0,
        "collet_max_mm": 0.0,
        "saw_mount": "arbor",
        "saw_max_blade_mm": 150.0,
        "saw_blade_plane": "YZ",
        # LinuxCNC: the arbor and a 140 mm blade take about 6 s to reach speed.
        "controller": "linuxcnc",
        "spindle_ramp_s": 6.0,
        "fixtures": [
            {
                "fixture_id": "fretboard_sled",
                "name": "Fret-board sled: nut line on the index pin, board centreline on Y0",
                "work_offset": "G54",
                "origin_x_mm": 100.0,
                "origin_y_mm": 100.0,
                "origin_z_mm": -50.0,
                "clamps": [],
                "is_default": True,
                "through_allowance_mm": 0.0,
            }
        ],
    },
]


def tools_by_id() -> dict[str, dict]:
    """Fresh copies, so a caller mutating one cannot change the defaults."""
    return {tool["tool_id"]: dict(tool) for tool in TOOLS}


def materials_by_id() -> dict[str, dict]:
    return {material["material_id"]: dict(material) for material in MATERIALS}


def machines_by_id() -> dict[str, dict]:
    return {machine["machine_id"]: copy.deepcopy(machine) for machine in MACHINES}
