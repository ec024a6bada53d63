"""The router and machine the toolpath tests share, following docs/interfaces.md."""

MACHINE = {
    "machine_id": "router_a",
    "name": "Shop router A",
    "travel_x_mm": 800.0,
    "travel_y_mm": 600.0,
    "travel_z_mm": 120.0,
    "rpm_min": 6000,
    "rpm_max": 24000,
    "max_feed_xy_mm_min": 10000.0,
    "max_feed_z_mm_min": 3000.0,
    "spindle_power_w": 2200.0,
}
ROUTER = {
    "tool_id": "router:downcut_3mm",
    "name": "3 mm 2-flute downcut",
    "kind": "router",
    "diameter_mm": 3.0,
    "flutes": 2,
    "flute_length_mm": 12.0,
    "shank_mm": 3.175,
    "stickout_mm": 18.0,
    "kerf_mm": None,
    "max_rpm": 24000,
    "chipload_min_mm": 0.02,
    "chipload_max_mm": 0.08,
    "vbit_angle_deg": None,
    "tool_material": "carbide",
}
