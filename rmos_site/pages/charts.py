"""The dashboard's bar chart, laid out in Python and drawn by the template as inline SVG (no script, no style).

Each row is one period's runs as a bar split by status or by risk, widths proportional to the counts, so
the share of blocked or red runs reads at a glance; the counts are printed inside and in the legend.
"""

from dataclasses import dataclass

from runs.enums import RunStatus

STATUS_KEYS = (RunStatus.OK, RunStatus.BLOCKED, RunStatus.ERROR)
# "" is a run that never reached a verdict (a refused approval, an early error).
RISK_KEYS = ("GREEN", "YELLOW", "RED", "UNKNOWN", "")

WIDTH = 640
LABEL_W = 120
TOTAL_W = 60
BAR_W = WIDTH - LABEL_W - TOTAL_W
ROW_H = 34
BAR_H = 22
GROUP_GAP = 14
MIN_LABELLED_W = 30  # narrower segments carry their count in the tooltip and the legend only


@dataclass(frozen=True)
class Segment:
    key: str
    css: str
    count: int
    x: str
    width: str
    text_x: str
    labelled: bool


@dataclass(frozen=True)
class Row:
    label: str
    total: int
    y: str
    text_y: str
    segments: tuple[Segment, ...]


def _segments(counter, keys, css_prefix: str, total: int) -> tuple[Segment, ...]:
    segments, x = [], float(LABEL_W)
    for key in keys:
        count = counter.get(key, 0)
        if not count:
            continue
        width = BAR_W * count / total
        segments.append(
            Segment(
                key=key or "none",
                css=f"{css_prefix}-{key or 'none'}",
                count=count,
                x=f"{x:.2f}",
                width=f"{width:.2f}",
                text_x=f"{x + width / 2:.2f}",
                labelled=width >= MIN_LABELLED_W,
            )
        )
        x += width
    return tuple(segments)


def run_chart(counts: dict) -> dict:
    """Four rows (status and risk, over 24 hours and 7 days) and the legends, from ``queries.run_counts``."""
    rows, y = [], 0.0
    for dimension, keys, css_prefix in (("status", STATUS_KEYS, "status"), ("risk", RISK_KEYS, "risk")):
        for period, name in (("day", "24 hours"), ("week", "7 days")):
            total = counts[period]["total"]
            rows.append(
                Row(
                    label=f"{dimension.capitalize()} · {name}",
                    total=total,
                    y=f"{y + (ROW_H - BAR_H) / 2:.2f}",
                    text_y=f"{y + ROW_H / 2 + 4:.2f}",
                    segments=_segments(counts[period][dimension], keys, css_prefix, total) if total else (),
                )
            )
            y += ROW_H
        y += GROUP_GAP
    legends = {
        dimension: [
            {"key": key or "none", "label": key or "no verdict", "css": f"{dimension}-{key or 'none'}",
             "day": counts["day"][dimension].get(key, 0), "week": counts["week"][dimension].get(key, 0)}
            for key in keys
        ]
        for dimension, keys in (("status", STATUS_KEYS), ("risk", RISK_KEYS))
    }  # fmt: skip
    return {
        "width": WIDTH,
        "height": f"{y - GROUP_GAP:.0f}",
        "bar_x": LABEL_W,
        "bar_w": BAR_W,
        "bar_h": BAR_H,
        "total_x": WIDTH - 4,
        "rows": rows,
        "legends": legends,
        "day_total": counts["day"]["total"],
        "week_total": counts["week"]["total"],
    }
