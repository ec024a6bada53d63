"""Drawings made with the libraries a CAD program's export resembles, for every test that needs one: ezdxf
writes the DXF files; the SVG files are written as text the way Inkscape lays them out.

A source is ``{"format": "dxf" | "svg", "data": "<file text>"}``, as an outline design sends it.
"""

import io
import math

import ezdxf
from shapely.geometry import Polygon


def dxf_text(build, units: int | None = 4) -> str:
    doc = ezdxf.new(units=units if units is not None else 0)
    if units is None:
        del doc.header["$INSUNITS"]
    build(doc.modelspace(), doc)
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue()


def dxf(build, units: int | None = 4) -> dict:
    return {"format": "dxf", "data": dxf_text(build, units)}


def svg(body: str, *, width="200mm", height="100mm", view_box="0 0 200 100") -> dict:
    size = "".join(
        f' {name}="{value}"' for name, value in (("width", width), ("height", height), ("viewBox", view_box)) if value
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"{size}>'
        f"{body}</svg>"
    )
    return {"format": "svg", "data": text}


def rounded_rect(m, x0, y0, x1, y1, r, **attribs):
    # Bulge tan(90°/4) on each corner's arc: a quarter circle, counter-clockwise.
    b = math.tan(math.pi / 8)
    points = [
        (x0 + r, y0, 0),
        (x1 - r, y0, b),
        (x1, y0 + r, 0),
        (x1, y1 - r, b),
        (x1 - r, y1, 0),
        (x0 + r, y1, b),
        (x0, y1 - r, 0),
        (x0, y0 + r, b),
    ]
    return m.add_lwpolyline(points, format="xyb", close=True, dxfattribs=attribs)


def body_point(t: float) -> tuple[float, float]:
    """A guitar-body-like closed curve, 480 mm long: lower bout, waist, upper bout."""
    x = 240.0 * math.cos(t)
    half_width = 145.0 - 30.0 * math.cos(math.pi * (x - 10.0) / 150.0) + 0.05 * x
    return x, half_width * math.sin(t)


def body_polygon(samples: int = 20000) -> Polygon:
    return Polygon([body_point(2 * math.pi * k / samples) for k in range(samples)])


def body_outline(m, pieces: int = 1, **attribs):
    """The body as ``pieces`` fit-point splines meeting end to end (one piece: a spline closing on itself)."""
    per = 24 if pieces == 1 else 5
    for k in range(pieces):
        t0, t1 = 2 * math.pi * k / pieces, 2 * math.pi * (k + 1) / pieces
        fit = [body_point(t0 + (t1 - t0) * j / (per - 1)) for j in range(per)]
        m.add_spline(fit, dxfattribs=attribs)


def cavities(m, **attribs):
    rounded_rect(m, -75, -20, -5, 20, 6, **attribs)
    rounded_rect(m, 5, -20, 75, 20, 6, **attribs)
    m.add_circle((-150, 80), 20, dxfattribs=attribs)
    m.add_circle((-180, -60), 12, dxfattribs=attribs)


def body_with_islands(m, **attribs):
    """The body (one closed spline) and its four cavities: a guitar body as a shop draws it."""
    body_outline(m, **attribs)
    cavities(m, **attribs)
