"""A deterministic stand-in for the feasibility engine, for tests about the workflow rather than physics.

The verdict depends on the material id alone (the seed's fake engine): ``ebony`` GREEN 92, ``maple`` YELLOW 74
with a heat warning, ids ending in ``_red`` RED, ``boom`` raises (an engine failure), anything else YELLOW 50.
It answers with the real engine's keys, and a normalised ring design and a plain cut, so that the G-code
generator can run on its verdicts too (ring designs only).
"""

import math

ENGINE_PATH = "tests.workflow.fake_engine.evaluate"
ENGINE_VERSION = "fake-engine/1"


def _verdict(material_id: str) -> tuple[str, float, str | None, list[str]]:
    if material_id == "ebony":
        return "GREEN", 92.0, None, []
    if material_id == "maple":
        return "YELLOW", 74.0, None, ["heat: maple burns when the feed is too slow"]
    if material_id.endswith("_red"):
        return "RED", 20.0, f"material {material_id} is blocked by the fake engine", []
    return "YELLOW", 50.0, None, [f"fake engine has no data for {material_id!r}"]


def _design(design: dict | None) -> dict | None:
    if not design or design.get("shape") != "ring":
        return design
    od = float(design.get("od", 100.0))
    width = float(design.get("width", 4.0))
    return {
        "shape": "ring",
        "x": float(design.get("x", 0.0)),
        "y": float(design.get("y", 0.0)),
        "stock_thickness": float(design.get("stock_thickness", 3.0)),
        "od": od,
        "inner_d": od - 2 * width,
        "width": width,
        "depth": float(design.get("depth", 1.5)),
    }


def evaluate(
    request: dict, *, tool: dict | None, material: dict | None, machine: dict | None, policy: dict | None = None
) -> dict:
    material_id = request.get("material_id") or ""
    if material_id == "boom":
        raise RuntimeError("fake engine exploded")
    risk_level, score, block_reason, warnings = _verdict(material_id)
    design = _design(request.get("design"))
    depth = float((design or {}).get("depth", 1.5))
    cut = {
        "rpm": 18000,
        "feed_mm_min": 1200.0,
        "plunge_mm_min": 400.0,
        "stepdown_mm": 1.0,
        "passes": math.ceil(depth / 1.0),
        "stepover_mm": 1.0,
        "chip_load_mm": 0.03,
        "safe_z_mm": 5.0,
        "depth_mm": depth,
        "stock_thickness_mm": float((design or {}).get("stock_thickness", 3.0)),
        "source": {"rpm": "registry", "feed_mm_min": "registry"},
    }
    return {
        "engine_version": ENGINE_VERSION,
        "mode": (tool or {}).get("kind") or "router",
        "risk_level": risk_level,
        "score": score,
        "block_reason": block_reason,
        "warnings": warnings,
        "checks": [
            {
                "code": "FAKE",
                "status": "pass" if risk_level == "GREEN" else "warn",
                "message": "fake verdict",
                "value": material_id,
                "limit": None,
            },
        ],
        "design": design,
        "cut": cut,
    }
