"""The dashboard's bar chart, laid out in Python and drawn by the template as inline SVG (no script, no style).

Two groups under their own headings: what happened to the runs (status: OK, BLOCKED, ERROR) and what the
server judged (risk: GREEN ... UNKNOWN). Each row is one period's runs as a bar split by status or by risk,
widths proportional to the counts, so the share of blocked or red runs reads at a glance; the counts are
printed inside and in the legend. The two groups use different colours (status: blue, plum, amber; risk: the
traffic light) so that they cannot be mistaken for one another. Labels sit above the bars so that the chart
stays readable when a phone shrinks it.
"""

from dataclasses import dataclass

from runs.enums import RunStatus

STATUS_KEYS = (RunStatus.OK, RunStatus.BLOCKED, RunStatus.ERROR)
# "" is a run that never reached a verdict (a refused approval, an early error).
RISK_KEYS = ("GREEN", "YELLOW", "RED", "UNKNOWN", "")

WIDTH = 400
LABEL_W = 0  # labels are above the bars
BAR_W = WIDTH
HEADING_H = 20
LABEL_H = 16
BAR_H = 22
ROW_H = LABEL_H + BAR_H + 8
GROUP_GAP = 14
MIN_LABELLED_W = 24  # narrower segments carry their count in the tooltip and the legend only
GROUPS = (("status", "Outcome of the runs (status)"), ("risk", "Verdict of the server (risk)"))


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
    label_y: str
    segments: tuple[Segment, ...]
    heading: str = ""
    heading_y: str = ""


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
                css=f"chart-{css_prefix}-{key or 'none'}",
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
    for (dimension, heading), keys in zip(GROUPS, (STATUS_KEYS, RISK_KEYS), strict=True):
        heading_y = y + HEADING_H - 6
        y += HEADING_H
        for period, name in (("day", "Last 24 hours"), ("week", "Last 7 days")):
            total = counts[period]["total"]
            bar_y = y + LABEL_H
            rows.append(
                Row(
                    label=name,
                    total=total,
                    y=f"{bar_y:.2f}",
                    text_y=f"{bar_y + BAR_H / 2 + 4:.2f}",
                    label_y=f"{y + LABEL_H - 4:.2f}",
                    segments=_segments(counts[period][dimension], keys, dimension, total) if total else (),
                    heading=heading if period == "day" else "",
                    heading_y=f"{heading_y:.2f}",
                )
            )
            y += ROW_H
        y += GROUP_GAP
    legends = {
        dimension: [
            {"key": key or "none", "label": key or "no verdict", "css": f"chart-{dimension}-{key or 'none'}",
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
        "total_x": WIDTH,
        "rows": rows,
        "legends": legends,
        "day_total": counts["day"]["total"],
        "week_total": counts["week"]["total"],
    }
