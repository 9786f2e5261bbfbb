"""The editor's version tabs (``/staff/mitteilungen/<id>?fassung=de-leicht``): each version with its
own report against its profile, its own previews and its audience; saving, proposals from
``plainlang.simplify``, "geprüft" by an approver, adding a missing version after sending.

Works without JavaScript: the tabs are links, every button is a form POST.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from notify import announcements as domain
from notify.announcements.versions import find, report_for
from notify.kafka import BrokerDown
from notify.pipeline import Runtime
from notify.versions import BASE, choose, wanted_name
from notify.web.deps import get_runtime
from notify.web.pages import check_csrf
from notify.web.staff.api import BROKER_DOWN, load, ready_publisher, with_replacements
from notify.web.staff.auth import page_staff
from subscribers.announcements import EDITABLE, Announcement
from subscribers.db import session_scope
from subscribers.staff import Staff

router = APIRouter(include_in_schema=False)


def _by_tab(counts: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    """Readers counted under a tab: an English reader of Einfache Sprache under "Englisch" (the
    city's other languages have one tab each), a language without a tab under German at their
    level — so the tabs add up to the audience."""
    pairs = {(t["language"], t["profile"]) for t in domain.tabs()}
    out: dict[tuple[str, str], int] = {}
    for (language, profile), n in counts.items():
        pair = (language, profile)
        if pair not in pairs:
            pair = (language, "standard") if (language, "standard") in pairs else ("de", profile)
        if pair not in pairs:
            pair = BASE
        out[pair] = out.get(pair, 0) + n
    return out


def fingerprint(text: str) -> str:
    """Marks a machine proposal in the form, so saving it unchanged keeps it marked as one."""
    return hashlib.sha256(text.replace("\r\n", "\n").strip().encode()).hexdigest()[:16]


def people(n: int) -> str:
    return "1 Person" if n == 1 else f"{n} Personen"


def version_context(rt: Runtime, session: Session, ann: Announcement | None, key: str | None,
                    override: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """What the tabs need: every tab with its audience, and the open tab's form, report, previews."""
    language, profile = domain.parse_tab(key)
    counts = _by_tab(domain.readers(session, rt.catalogue, ann) if ann is not None else {})
    event = domain.to_event(ann, rt.catalogue) if ann is not None and ann.title and ann.text else None
    out_tabs = []
    for tab in domain.tabs():
        pair = (tab["language"], tab["profile"])
        stored = find(ann, *pair) if ann is not None else None
        n = counts.get(pair, 0)
        reads = "lesen" if n != 1 else "liest"
        entry = {**tab, "base": pair == BASE, "version": stored, "exists": pair == BASE or stored is not None,
                 "open": pair == (language, profile), "readers": n,
                 "audience": f"{people(n)} {reads} {tab['name']}"}  # fmt: skip
        if event is not None and not entry["exists"]:
            entry["nearest"] = wanted_name(choose(event, *pair).key)
        out_tabs.append(entry)
    current = next(t for t in out_tabs if t["open"])
    ctx: dict[str, Any] = {"vtabs": out_tabs, "vtab": current, "machine_label": domain.MACHINE_LABEL,
                           "reviewed_label": domain.REVIEWED_LABEL}  # fmt: skip
    if current["base"] or ann is None:
        return ctx
    stored = current["version"] or {}
    values = override or {"title": stored.get("title", ""), "text": stored.get("text", ""), "proposal": ""}
    report = with_replacements(report_for(language, profile, values["text"]))
    from notify.web.staff.pages import highlight

    ctx["vmarked"] = highlight(values["text"], report["findings"]) if report else None
    previews: dict[str, Any] = {}
    if event is not None:
        for channel in ("sms", "push"):
            try:
                previews[channel] = domain.preview(rt, ann, channel, language, profile)
            except Exception as exc:  # a template problem must not hide the rest of the page
                previews[channel] = {"error": f"Keine Vorschau möglich: {exc}"}
    ctx.update(vvalues=values, vreport=report, vpreviews=previews, german=language == BASE[0],
               machine=bool(stored.get("machine")) if not override else bool(values.get("proposal")),
               may_add=ann.status == "sent" and current["version"] is None,
               editable_version=ann.status in EDITABLE)  # fmt: skip
    return ctx


def _back(ann_id: int, key: str, done: int = 1) -> RedirectResponse:
    return RedirectResponse(f"/staff/mitteilungen/{ann_id}?fassung={key}&gespeichert={done}#fassung", status_code=303)


@router.post("/staff/mitteilungen/{ann_id}/fassung/{key}")
async def version_post(request: Request, ann_id: int, key: str, staff: Staff = Depends(page_staff),
                       rt: Runtime = Depends(get_runtime)) -> Response:  # fmt: skip
    """One form per tab: aktion = pruefen | speichern | vorschlag | geprueft | nicht-geprueft | nachreichen."""
    from notify.web.staff.editor_form import form_values
    from notify.web.staff.pages import editor

    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    language, profile = domain.parse_tab(key)
    key = f"{language}-{profile}"
    action = str(form.get("aktion", "speichern"))
    title = str(form.get("title", "")).strip()
    text = str(form.get("text", "")).replace("\r\n", "\n")
    proposal = str(form.get("vorschlag", ""))

    def show(ann: Announcement, session: Session, status: int = 200, notice: str | None = None,
             errors: list | None = None, **values: Any) -> Response:  # fmt: skip
        override = {"title": title, "text": text, "proposal": proposal, **values}
        return editor(request, rt, session, staff, ann, form_values(ann), with_replacements(ann.report), status,
                      notice=notice, errors=errors or [], fassung=key, override=override)  # fmt: skip

    def work() -> tuple[Response | None, Announcement | None]:
        with session_scope(rt.db_url) as session:
            ann = load(session, ann_id)
            try:
                if action == "pruefen":
                    return show(ann, session, notice="Geprüft. Noch nicht gespeichert."), None
                if action.startswith("anwenden:"):  # one suggestion taken over, without JavaScript
                    from notify.web.staff.pages import apply_suggestion

                    changed, notice = apply_suggestion({"text": text, "profile": profile}, action.split(":", 1)[1])
                    return show(ann, session, notice=notice, text=changed["text"]), None
                if action == "vorschlag":
                    if language != BASE[0]:
                        raise domain.Refused(400, "Vorschläge gibt es nur für Deutsch.")
                    made = domain.propose(ann.text, profile, ann.title)
                    return show(ann, session, notice=f"{domain.MACHINE_LABEL}. Noch nicht gespeichert.",
                                title=title or made["title"], text=made["text"], proposal=fingerprint(made["text"])), None  # fmt: skip
                if action == "speichern":
                    machine = bool(proposal) and proposal == fingerprint(text)
                    domain.save_version(session, ann, staff, language, profile, title, text, machine=machine)
                elif action in ("geprueft", "nicht-geprueft"):
                    domain.mark_reviewed(session, ann, staff, language, profile, action == "geprueft")
                elif action == "nachreichen":
                    domain.add_to_sent(session, ann, staff, language, profile, title, text)
                    session.flush()
                    return None, ann
                else:
                    raise domain.Refused(400, "Unbekannte Aktion.")
            except domain.Refused as exc:
                session.rollback()
                return show(load(session, ann_id), session, exc.status,
                            errors=[{"field": "", "label": "", "message": exc.detail}]), None  # fmt: skip
            return _back(ann_id, key), None

    response, resend = await run_in_threadpool(work)
    if response is not None:
        return response
    assert resend is not None
    try:  # the same event id with the new version: waiting residents get it, nobody gets anything twice
        await domain.publish_event(await ready_publisher(request, rt), domain.to_event(resend, rt.catalogue))
    except BrokerDown:
        return Response(BROKER_DOWN, status_code=503, media_type="text/plain; charset=utf-8")
    return _back(ann_id, key, 2)
