"""Small server-rendered SVG charts. Each has a <title> and <desc>, uses line styles as well as
colours (no meaning by colour alone), and the page puts a table with the same numbers beside it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from notify.formatting import CITY_TZ

# Colour + dash per series: distinguishable in grey-scale and for colour-blind readers.
STYLES = {
    "delivered": ("#00703c", ""),
    "failed": ("#b00020", "8 4"),
    "held": ("#8a4b00", "2 3"),
    "pending": ("#44546a", "12 4 2 4"),
    "index": ("#0b4f9c", ""),
}
W, H, LEFT, RIGHT, TOP, BOTTOM = 640, 260, 48, 16, 16, 40


def _time_label(t: datetime) -> str:
    return t.astimezone(CITY_TZ).strftime("%H:%M")


def _date_label(t: datetime) -> str:
    return t.astimezone(CITY_TZ).strftime("%d.%m.")


def _scale(values: list[float], lo: float, hi: float, a: float, b: float) -> list[float]:
    span = (hi - lo) or 1
    return [a + (v - lo) / span * (b - a) for v in values]


def _frame(
    chart_id: str, title: str, desc: str, y_max: float, y_ticks: list[float], x_labels: list[tuple[float, str]]
) -> list[str]:
    parts = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'xmlns="http://www.w3.org/2000/svg" focusable="false">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" stroke="#1a1a1a" />',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{H - BOTTOM}" stroke="#1a1a1a" />',
    ]
    for tick in y_ticks:
        y = _scale([tick], 0, y_max, H - BOTTOM, TOP)[0]
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" stroke="#dddddd" />')
        label = f"{tick:g}"
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" fill="#1a1a1a">{label}</text>'
        )
    for x, label in x_labels:
        parts.append(
            f'<text x="{x:.1f}" y="{H - BOTTOM + 18}" text-anchor="middle" font-size="12" fill="#1a1a1a">{escape(label)}</text>'
        )
    return parts


def _ticks(y_max: float, n: int = 4) -> list[float]:
    if y_max <= 0:
        return [0]
    step = max(1, round(y_max / n))
    return [float(v) for v in range(0, int(y_max) + 1, step)]


def delivery_chart(timeline: list[dict[str, Any]], names: dict[str, str], chart_id: str = "zustellung") -> Markup:
    """Lines for delivered / failed / held / pending over time."""
    if not timeline:
        return Markup("")
    series = [s for s in ("delivered", "failed", "held", "pending")]
    y_max = max(max(p[s] for s in series) for p in timeline) or 1
    times = [p["at"].timestamp() for p in timeline]
    xs = _scale(times, min(times), max(times), LEFT + 4, W - RIGHT - 4) if len(times) > 1 else [LEFT + 4]
    label_at = sorted({0, len(xs) // 2, len(xs) - 1})
    last = timeline[-1]
    desc = "Stand zuletzt: " + ", ".join(f"{names[s]} {last[s]}" for s in series) + "."
    parts = _frame(chart_id, "Zustellung im Zeitverlauf", desc, y_max, _ticks(y_max),
                   [(xs[i], _time_label(timeline[i]["at"])) for i in label_at])  # fmt: skip
    for s in series:
        colour, dash = STYLES[s]
        ys = _scale([p[s] for p in timeline], 0, y_max, H - BOTTOM, TOP)
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="3"{dash_attr} />')
    parts.append(_legend([(names[s], *STYLES[s]) for s in series]))
    parts.append("</svg>")
    return Markup("\n".join(parts))


def index_chart(points: list[dict[str, Any]], chart_id: str = "index") -> Markup:
    """Readability index (0–20) of announcements over time; dots for sent ones, rings for drafts."""
    if not points:
        return Markup("")
    times = [p["at"].timestamp() for p in points]
    xs = _scale(times, min(times), max(times), LEFT + 8, W - RIGHT - 8) if len(times) > 1 else [(LEFT + W - RIGHT) / 2]
    ys = _scale([p["index"] for p in points], 0, 20, H - BOTTOM, TOP)
    label_at = sorted({0, len(xs) // 2, len(xs) - 1})
    mean = sum(p["index"] for p in points) / len(points)
    desc = f"{len(points)} Mitteilungen. Mittlerer Index {mean:.1f} von 20. Höher ist leichter zu lesen."
    parts = _frame(chart_id, "Verständlichkeit der Mitteilungen", desc, 20, [0, 5, 10, 15, 20],
                   [(xs[i], _date_label(points[i]["at"])) for i in label_at])  # fmt: skip
    colour, _ = STYLES["index"]
    parts.append(f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))}" '
                 f'fill="none" stroke="{colour}" stroke-width="2" />')  # fmt: skip
    for x, y, p in zip(xs, ys, points, strict=True):
        fill = colour if p["sent"] else "#ffffff"
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{fill}" stroke="{colour}" stroke-width="2" />')
    parts.append("</svg>")
    return Markup("\n".join(parts))


def _legend(items: list[tuple[str, str, str]]) -> str:
    out = []
    x = LEFT
    for name, colour, dash in items:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{x}" y1="{H - 8}" x2="{x + 28}" y2="{H - 8}" stroke="{colour}" stroke-width="3"{dash_attr} />'
        )
        out.append(f'<text x="{x + 34}" y="{H - 4}" font-size="12" fill="#1a1a1a">{escape(name)}</text>')
        x += 34 + 9 * len(name) + 18
    return "\n".join(out)
