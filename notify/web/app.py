"""The web API: health, the catalogue, events in (CloudEvents), and the routers of each capability."""

from __future__ import annotations

import asyncio
import importlib
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from notify.events import InvalidEvent, from_binary_mode, parse_json_event
from notify.kafka import CITY_EVENTS, BrokerDown, Publisher
from notify.pipeline import Runtime
from notify.web import health, problems
from notify.web.deps import get_runtime, require_scope
from notify.web.pages import warm_templates
from notify.web.problems import Problem
from subscribers.db import init_db

log = logging.getLogger(__name__)
STRUCTURED = "application/cloudevents+json"
STATIC_DIR = Path(__file__).resolve().parent / "static"
# Routers of later capabilities; each is optional so the spine runs on its own.
# The public archive first: its pages and feeds get the most requests, and routes are matched
# in order (the staff and resident routers hold about 150 routes; bench/publishing.py).
OPTIONAL_ROUTERS = ("notify.publishing.router", "notify.web.check", "notify.web.residents", "notify.web.staff",
                    "notify.web.cap")


def _warm_plainlang() -> None:
    """Load the checker's word lists in a background thread: the first live check in the
    staff editor (POST /v1/check, /v1/simplify) should not wait for them."""
    import threading

    import plainlang

    threading.Thread(target=plainlang.warm_up, name="plainlang-warm-up", daemon=True).start()


def create_app(rt: Runtime | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runtime = app.state.rt
        init_db(runtime.db_url)
        app.state.publisher = Publisher(runtime.settings.kafka_bootstrap, runtime.settings.partitions)
        _warm_plainlang()
        await asyncio.to_thread(warm_templates)  # the public archive's pages, before the first visitor
        yield
        await app.state.publisher.close()

    app = FastAPI(
        title="Stadtbote",
        version="0.1.0",
        description="Gezielte Nachrichten der Stadt in verständlicher Sprache — per E-Mail, SMS, Push und Brief.",
        lifespan=lifespan,
    )
    app.state.rt = rt or get_runtime()
    if rt is not None:
        app.dependency_overrides[get_runtime] = lambda: rt
    problems.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", tags=["Betrieb"])
    async def healthz(runtime: Runtime = Depends(get_runtime)) -> dict:
        """The web API answers; ``channels`` says which provider the workers cannot reach."""
        return await asyncio.to_thread(health.report, runtime)

    @app.get("/v1/catalogue", tags=["Katalog"])
    async def catalogue(runtime: Runtime = Depends(get_runtime)) -> dict:
        """Topics (by Lebenslage) and districts of the city pack, with parents and postcodes."""
        return runtime.catalogue.as_json()

    @app.post(
        "/v1/events",
        status_code=202,
        tags=["Ereignisse"],
        dependencies=[Depends(require_scope("events:write"))],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    STRUCTURED: {"schema": {"type": "object"}},
                    "application/json": {"schema": {"type": "object"}},
                },
            }
        },
    )
    async def post_event(request: Request, runtime: Runtime = Depends(get_runtime)) -> JSONResponse:
        """Accept one CloudEvent 1.0 (structured or binary mode) and put it on ``city-events``."""
        body = await request.body()
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if content_type == STRUCTURED:
                event = parse_json_event(body, runtime.catalogue)
            elif "ce-specversion" in request.headers:
                event = from_binary_mode(request.headers, body, runtime.catalogue)
            else:
                raise Problem(
                    415,
                    f"Bitte {STRUCTURED} senden (strukturierter Modus) oder die ce-*-Kopfzeilen (binärer Modus).",
                )
        except InvalidEvent as exc:
            raise Problem(400, exc.detail, errors=exc.errors) from None
        publisher: Publisher = request.app.state.publisher
        try:
            await publisher.send(CITY_EVENTS, event.to_json().encode(), key=event.key.encode())
        except BrokerDown as exc:
            log.error("event %s not accepted: %s", event.id, exc)
            raise Problem(503, "Das Ereignis konnte gerade nicht angenommen werden. Bitte später erneut senden.",
                          headers={"Retry-After": "10"}) from None  # fmt: skip
        return JSONResponse({"id": event.id, "source": event.source, "status": "accepted"}, status_code=202)

    for module_name in OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        app.include_router(module.router)
    return app
