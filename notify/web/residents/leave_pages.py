"""Leaving: unsubscribe (also RFC 8058 one-click), the data export, and erasing everything.

Each page follows the resident's language, as all pages reached through their links do.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from notify.web.residents import leaving, manage_view, service
from notify.web.residents.pages import csrf_failed, link_error, linked_state, message_page, page, t, use_language

router = APIRouter(include_in_schema=False)


# -- unsubscribe -------------------------------------------------------------------------------------


@router.get("/abmelden/{token}", response_class=HTMLResponse)
async def unsubscribe_page(token: str, request: Request):
    """Shows a button only: mail scanners open links, and opening a link must not unsubscribe."""
    rt = request.app.state.rt
    try:
        payload, state = await linked_state(request, token, ("unsubscribe",))
    except service.LinkProblem as exc:
        return link_error(request, exc)
    topic_name = leaving.link_subject(rt, payload)
    return page(request, "residents/unsubscribe.html.j2", action=f"/abmelden/{token}", topic_name=topic_name,
                       manage_url=service.links(rt, payload["s"])["manage"])  # fmt: skip


@router.post("/abmelden/{token}")
async def unsubscribe_post(token: str, request: Request) -> Response:
    """RFC 8058 one-click (body ``List-Unsubscribe=One-Click``), or the button on the page."""
    rt = request.app.state.rt
    use_language(request)
    form = await request.form()
    one_click = form.get("List-Unsubscribe") == "One-Click"
    if not one_click and (failed := csrf_failed(request, form)):
        return failed
    try:
        sid, topic_name, others_left = await asyncio.to_thread(leaving.unsubscribe_db, rt, token)
    except service.LinkProblem as exc:
        if one_click:
            return PlainTextResponse("Dieser Link ist ungültig oder abgelaufen.", status_code=exc.status)
        return link_error(request, exc)
    await service.announce(request.app, [sid])
    if one_click:
        return PlainTextResponse("Sie sind abgemeldet.")
    payload = rt.signer.verify("unsubscribe", token)
    use_language(request, await asyncio.to_thread(service.language_of, rt, payload["s"]))
    return page(request, "residents/unsubscribed.html.j2", topic_name=topic_name, others_left=others_left,
                       manage_url=service.links(rt, payload["s"])["manage"])  # fmt: skip


# -- export and delete -------------------------------------------------------------------------------


@router.get("/export/{token}")
async def export(token: str, request: Request):
    """A page to read (German labels); ``?format=json`` is the same as a JSON file."""
    rt = request.app.state.rt
    use_language(request)
    try:
        payload = service.read_link(rt, token, ("export", "manage"))
        data = await asyncio.to_thread(leaving.export_db, rt, token)
    except service.LinkProblem as exc:
        return link_error(request, exc)
    use_language(request, data["subscriber"].get("language"))
    if request.query_params.get("format") == "json":
        return JSONResponse(data, headers={"Content-Disposition": 'attachment; filename="stadtbote-daten.json"',
                                           "Cache-Control": "no-store"})  # fmt: skip
    response = page(request, "residents/export.html.j2", sections=manage_view.export_sections(rt, data, t=lambda text, **v: t(request, text, **v),
                                                         language=request.state.language),
                    exported_at=manage_view._when(data["exported_at"], request.state.language), json_url=f"/export/{token}?format=json",
                    manage_url=service.links(rt, payload["s"])["manage"])  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/loeschen/{token}", response_class=HTMLResponse)
async def delete_page(token: str, request: Request):
    rt = request.app.state.rt
    try:
        payload, state = await linked_state(request, token, ("delete", "manage"))
    except service.LinkProblem as exc:
        return link_error(request, exc)
    return page(request, "residents/delete.html.j2", action=f"/loeschen/{token}",
                       export_url=service.links(rt, payload["s"])["export"])  # fmt: skip


@router.post("/loeschen/{token}", response_class=HTMLResponse)
async def delete_post(token: str, request: Request):
    rt = request.app.state.rt
    use_language(request)
    form = await request.form()
    if failed := csrf_failed(request, form):
        return failed
    try:
        payload = service.read_link(rt, token, ("delete", "manage"))
        language = await asyncio.to_thread(service.language_of, rt, payload["s"])  # before it is erased
        sid = await asyncio.to_thread(leaving.erase_db, rt, token)
    except service.LinkProblem as exc:
        return link_error(request, exc)
    await service.announce(request.app, [sid])
    use_language(request, language)
    return message_page(request, t(request, "Ihre Daten sind gelöscht"),
                        t(request, "Wir haben alle Ihre Angaben gelöscht. Sie bekommen keine Nachrichten mehr vom Stadtboten."),
                        show_subscribe=True)  # fmt: skip
