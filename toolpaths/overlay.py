"""What an outline run's drawings show over its moves: the drawn outline, its islands, the path the tool's
centre follows and the tabs, in part coordinates.

Read from the ledger as the generator cut it: the verdict's own design and cut, the tool of the run's registry
snapshot, and the drawing its design names (``runs.drawings.text_of``), planned by the one planner the engine
and the generator use (``feasibility.geometry.outline_plan``, cached: one call per drawing rendered).
"""

from feasibility import geometry
from runs.drawings import text_of

Ring = tuple[tuple[float, float], ...]
LAYERS = ("outline", "islands", "offset", "tabs")


def _plan_inputs(artifact) -> tuple[dict, dict, dict] | None:
    feasibility = artifact.feasibility if isinstance(artifact.feasibility, dict) else {}
    snapshot = artifact.registry_snapshot if isinstance(artifact.registry_snapshot, dict) else {}
    design, cut, tool = feasibility.get("design"), feasibility.get("cut"), snapshot.get("tool")
    if not all(isinstance(part, dict) for part in (design, cut, tool)) or design.get("shape") != "outline":
        return None
    return design, cut, tool


def drawing_text(artifact) -> str | None:
    """The text of the drawing an outline run's design names; None for other runs or an unknown drawing."""
    inputs = _plan_inputs(artifact)
    source = inputs[0].get("source") if inputs else None
    return text_of(source.get("sha256")) if isinstance(source, dict) else None


def outline_geometry(artifact) -> dict[str, tuple[Ring, ...]] | None:
    """``{"outline", "islands", "offset", "tabs"}`` (rings, or polylines for tabs, of (x, y) in part
    coordinates) of an outline run; None for other runs and for a drawing that failed its checks."""
    inputs = _plan_inputs(artifact)
    text = drawing_text(artifact)
    if inputs is None or text is None:
        return None
    design, cut, tool = inputs
    try:
        result = geometry.outline_cut_plan(design, text, tool_diameter=float(tool["diameter_mm"]), cut=cut)
        dx, dy = float(design.get("x") or 0.0), float(design.get("y") or 0.0)
    except (KeyError, TypeError, ValueError):
        return None
    toolpath = result.get("toolpath")
    if not toolpath:
        return None
    drawn = toolpath.get("geometry") or {}
    return {
        layer: tuple(tuple((float(x) + dx, float(y) + dy) for x, y in ring) for ring in drawn.get(layer) or ())
        for layer in LAYERS
    }
