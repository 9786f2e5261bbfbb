"""The audience dashboard ``/staff/auswertung/publikum``: charts with the same numbers as tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape
from sqlmodel import Session

from notify import audience_stats as stats
from notify.formatting import CITY_TZ
from notify.pipeline import Runtime
from notify.web.deps import get_runtime, get_session
from notify.web.staff import charts
from notify.web.staff.auth import page_staff
from notify.web.staff.pages import PROFILE_NAMES, page
from subscribers.staff import Staff

router = APIRouter(include_in_schema=False)
LANGUAGE_NAMES = {"de": "Deutsch", "en": "Englisch", "tr": "Türkisch", "ar": "Arabisch", "uk": "Ukrainisch",
                  "pl": "Polnisch", "ru": "Russisch"}  # fmt: skip
# Colour + dash per line: told apart in grey-scale and by colour-blind readers too.
LINE_STYLES = [("#0b4f9c", ""), ("#b00020", "8 4"), ("#00703c", "2 3"), ("#8a4b00", "12 4 2 4"),
               ("#5b2a86", "4 2"), ("#1a1a1a", "1 5")]  # fmt: skip


def names(rt: Runtime) -> dict[str, dict[str, str]]:
    cat = rt.catalogue
    return {"topic": {t.id: t.name for t in cat.topics.values()},
            "district": {"citywide": "Ganze Stadt", **{d.id: d.name for d in cat.districts.values()}},
            "channel": charts_channel_names(), "language": LANGUAGE_NAMES, "profile": PROFILE_NAMES}  # fmt: skip


def charts_channel_names() -> dict[str, str]:
    from notify.web.staff.stats import CHANNEL_NAMES

    return dict(CHANNEL_NAMES)


def day_label(t: datetime) -> str:
    return t.astimezone(CITY_TZ).strftime("%d.%m.%y")


def lines_chart(series: stats.Series, chart_id: str, title: str) -> Markup:
    if not series.moments or not series.lines:
        return Markup("")
    y_max = max(max(v) for v in series.lines.values()) or 1
    times = [m.timestamp() for m in series.moments]
    xs = charts._scale(times, min(times), max(times), charts.LEFT + 4, charts.W - charts.RIGHT - 4) if len(times) > 1 else [charts.LEFT + 4]
    label_at = sorted({0, len(xs) // 2, len(xs) - 1})
    desc = "Stand heute: " + ", ".join(f"{series.labels[k]} {v[-1]}" for k, v in series.lines.items()) + "."
    parts = charts._frame(chart_id, title, desc, y_max, charts._ticks(y_max),
                          [(xs[i], day_label(series.moments[i])) for i in label_at])  # fmt: skip
    legend = []
    for (key, values), (colour, dash) in zip(series.lines.items(), LINE_STYLES, strict=False):
        ys = charts._scale(values, 0, y_max, charts.H - charts.BOTTOM, charts.TOP)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="3"{dash_attr} />')
        legend.append((series.labels[key], colour, dash))
    parts.append("</svg>")
    items = "".join(
        f'<li><svg width="30" height="10" aria-hidden="true" focusable="false"><line x1="0" y1="5" x2="30" y2="5" '
        f'stroke="{c}" stroke-width="3"{f" stroke-dasharray={chr(34)}{d}{chr(34)}" if d else ""} /></svg> {escape(n)}</li>'
        for n, c, d in legend
    )
    return Markup("\n".join(parts) + f'<ul class="chart-legend">{items}</ul>')


@router.get("/staff/auswertung/publikum")
def audience_page(request: Request, nach: str = "topic", staff: Staff = Depends(page_staff),
                  rt: Runtime = Depends(get_runtime), session: Session = Depends(get_session)) -> HTMLResponse:  # fmt: skip
    dimension = nach if nach in stats.DIMENSIONS else "topic"
    series = stats.subscribers_over_time(session, dimension, names(rt))
    ctx: dict[str, Any] = {
        "dimension": dimension, "dimensions": stats.DIMENSIONS, "series": series,
        "chart": lines_chart(series, "publikum", f"Angemeldete nach {stats.DIMENSIONS[dimension]}"),
        "by_status": stats.by_status(session), "status_names": stats.STATUS_NAMES,
        "addresses": stats.addresses_confirmed(session), "leaving": stats.leaving(session),
        "health": stats.channel_health(session), "waiting": stats.waiting(session), "waiting_names": stats.WAITING,
        "events": stats.events_side_by_side(session), "day_label": day_label,
    }  # fmt: skip
    return page(request, "staff/audience.html.j2", staff, **ctx)
