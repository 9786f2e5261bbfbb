"""Open data: ``GET /v1/messages`` (filters and a cursor) and the daily dump as JSON and CSV.

The dump is written once a day into ``<data dir>/opendata/`` (on the first request of the day)
and served from there; it carries the licence of the city pack.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse

from notify.formatting import CITY_TZ
from notify.publishing import archive, present
from notify.web.problems import Problem
from subscribers.db import session_scope

router = APIRouter(tags=["Offene Daten"])
CSV_FIELDS = ("id", "title", "text", "topics", "area", "urgency", "kind", "published_at", "starts_at", "ends_at",
              "valid_until", "url", "corrects")  # fmt: skip


@router.get("/v1/messages")
def list_messages(
    request: Request,
    topic: str | None = Query(None, description="topic id; also finds the topics below it"),
    area: str | None = Query(None, description="district id or citywide; finds what concerns that area"),
    since: datetime | None = Query(None, description="RFC 3339: published at or after"),
    q: str | None = Query(None, max_length=100, description="words in title or text"),
    cursor: str | None = Query(None, description="links.next of the previous page"),
    limit: int = Query(50, ge=1, le=archive.API_MAX),
) -> JSONResponse:
    """Everything the city published, newest first: ``{"data": [...], "links": {"next"?}}``."""
    rt = request.app.state.rt
    try:
        filters = archive.Filters.checked(rt.catalogue, topic, area, q, since)
    except archive.BadFilter as exc:
        raise Problem(400, str(exc)) from None
    before = None
    if cursor:
        if not cursor.isdigit():
            raise Problem(400, "Der Cursor ist ungültig. Bitte nehmen Sie links.next der vorigen Seite.")
        before = int(cursor)
    with session_scope(rt.db_url) as session:
        rows = archive.messages(session, filters, limit + 1, before=before)
    base = rt.signer.base_url
    links: dict[str, str] = {}
    if len(rows) > limit:
        rows = rows[:limit]
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
        links["next"] = f"{base}/v1/messages?{urlencode([*kept, ('cursor', str(rows[-1].id))])}"
    licence = archive.pack_texts(rt.settings.city)["licence"]
    return JSONResponse({"data": [present.open_data(base, m) for m in rows], "links": links,
                         "licence": {"name": licence["name"], "url": licence["url"]}})  # fmt: skip


def dump_paths(data_dir: Path, day: date) -> tuple[Path, Path]:
    folder = data_dir / "opendata"
    return folder / f"meldungen-{day:%Y-%m-%d}.json", folder / f"meldungen-{day:%Y-%m-%d}.csv"


def write_dump(rt: Any, day: date) -> tuple[Path, Path]:
    """All published messages as of now, as JSON and CSV (written atomically, once per day)."""
    json_path, csv_path = dump_paths(rt.settings.data_dir, day)
    if json_path.exists() and csv_path.exists():
        return json_path, csv_path
    json_path.parent.mkdir(parents=True, exist_ok=True)
    base = rt.signer.base_url
    docs: list[dict[str, Any]] = []
    with session_scope(rt.db_url) as session:
        before = None
        while True:
            rows = archive.messages(session, archive.Filters(), 1000, before=before)
            if not rows:
                break
            docs.extend(present.open_data(base, m) for m in rows)
            before = rows[-1].id
    licence = archive.pack_texts(rt.settings.city)["licence"]
    doc = {"licence": {"name": licence["name"], "url": licence["url"]}, "date": day.isoformat(), "data": docs}
    tmp = json_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    tmp.replace(json_path)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for d in docs:
        row = {**d, "topics": " ".join(d["topics"]), "area": d["area"] if isinstance(d["area"], str)
               else " ".join(d["area"])}  # fmt: skip
        writer.writerow(row)
    tmp = csv_path.with_suffix(".tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    tmp.replace(csv_path)
    return json_path, csv_path


@router.get("/v1/messages/dump.json", response_class=FileResponse)
async def dump_json(request: Request) -> FileResponse:
    """Today's full dump as one JSON document (with the licence)."""
    rt = request.app.state.rt
    path, _ = await asyncio.to_thread(write_dump, rt, datetime.now(CITY_TZ).date())
    return FileResponse(path, media_type="application/json", filename=path.name)


@router.get("/v1/messages/dump.csv", response_class=FileResponse)
async def dump_csv(request: Request) -> FileResponse:
    """Today's full dump as CSV (UTF-8, one message a line; topics and area space separated)."""
    rt = request.app.state.rt
    _, path = await asyncio.to_thread(write_dump, rt, datetime.now(CITY_TZ).date())
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=path.name)
