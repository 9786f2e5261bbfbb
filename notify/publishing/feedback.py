""""War diese Nachricht verständlich?": the question page, the answer, ``POST /v1/feedback``.

A GET only shows the question (link scanners in mail systems open every link: they must not
vote); the answer is a POST. With a personal link (signed token from the resident's e-mail or
letter) one resident has one vote per message — a later answer replaces the earlier one; the
row keeps a keyed hash, never who it was. Without a personal link answers are rate-limited per IP.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from notify.links import InvalidLink
from notify.publishing import archive, present
from notify.publishing.counters import anonymous_feedback
from notify.publishing.links import FEEDBACK_PURPOSE, voter_hash
from notify.publishing.pages import _page, client_ip, notice
from notify.publishing.store import resolve_code
from notify.web.pages import check_csrf
from notify.web.problems import Problem
from subscribers.db import session_scope
from subscribers.published import MessageFeedback, PublishedMessage

router = APIRouter()
MAX_COMMENT = 500


PAGE_LANGUAGES = ("en", "tr")  # the languages our page texts have (templates/web/texts)
# What the answer page can say back; translated with the page (templates/web/texts/*.yaml).
SAYS = {
    "choose": "Bitte wählen Sie „Ja“ oder „Nein“.",
    "too_long": f"Der Text ist zu lang. Höchstens {MAX_COMMENT} Zeichen.",
    "link_invalid": "Der persönliche Link ist ungültig oder abgelaufen. Sie können ohne ihn antworten.",
    "link_other": "Der persönliche Link gehört zu einer anderen Meldung.",
    "no_message": "Diese Meldung gibt es nicht.",
    "too_many": "Von hier kamen in der letzten Stunde sehr viele Antworten. Bitte später noch einmal.",
}


class Refused(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


class FeedbackIn(BaseModel):
    """``POST /v1/feedback``: ``message`` is a message id or a short code."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    message: int | str
    understood: bool
    comment: str | None = Field(None, max_length=MAX_COMMENT)
    version: str | None = Field(None, max_length=40)
    token: str | None = Field(None, max_length=400, description="the personal link's token (p=…), if any")


def _payload(rt: Any, token: str | None) -> dict[str, Any] | None:
    """The verified payload of a personal feedback token; None without one or when it is invalid."""
    if not token:
        return None
    try:
        return rt.signer.verify(FEEDBACK_PURPOSE, token)
    except InvalidLink:
        return None


def token_version(rt: Any, token: str | None) -> str:
    """The version the personal link was sent with ("de-einfach"; "" for the standard text)."""
    payload = _payload(rt, token)
    return str(payload.get("v") or "") if payload else ""


def voter_of(rt: Any, token: str | None, message_id: int) -> str | None:
    """The keyed hash for a valid personal token of this message; None without a token."""
    if not token:
        return None
    payload = _payload(rt, token)
    if payload is None:
        raise Refused(403, SAYS["link_invalid"])
    if payload.get("m") != str(message_id):
        raise Refused(403, SAYS["link_other"])
    return voter_hash(rt.settings.resolved_secret_key(), payload["s"], message_id)


def record(rt: Any, message_id: int, understood: bool, comment: str | None, version: str, voter: str | None) -> bool:
    """Store one answer; True when it replaced the same resident's earlier answer."""
    comment = (comment or "").strip()[:MAX_COMMENT] or None
    with session_scope(rt.db_url) as session:
        message = session.get(PublishedMessage, message_id)
        if message is None:
            raise Refused(404, SAYS["no_message"])
        known = {""} | {archive_key(v) for v in message.version_list}
        version = version if version in known else ""
        if voter is not None:
            earlier = session.execute(select(MessageFeedback).where(
                MessageFeedback.message_id == message_id, MessageFeedback.voter == voter)).scalars().first()  # fmt: skip
            if earlier is not None:
                earlier.understood, earlier.comment, earlier.version = understood, comment, version
                return True
        session.add(MessageFeedback(message_id=message_id, version=version, understood=understood, comment=comment,
                                    voter=voter))  # fmt: skip
        return False


def archive_key(version: dict[str, Any]) -> str:
    from notify.publishing.store import version_key

    return version_key(version.get("language", "de"), version.get("profile", "standard"))


def _already(rt: Any, message_id: int, voter: str | None) -> bool:
    if voter is None:
        return False
    with session_scope(rt.db_url) as session:
        found = session.execute(select(MessageFeedback.id).where(
            MessageFeedback.message_id == message_id, MessageFeedback.voter == voter)).first()  # fmt: skip
        return found is not None


def _message(rt: Any, message_id: int) -> PublishedMessage | None:
    with session_scope(rt.db_url) as session:
        return archive.by_id(session, message_id)


def reader_language(rt: Any, token: str | None) -> str:
    """The language of the resident whose personal link this is ("de" without one): the question
    that came to them in Turkish is asked in Turkish."""
    payload = _payload(rt, token)
    if payload is None:
        return "de"
    from notify.web.residents.service import language_of

    return language_of(rt, str(payload.get("s", ""))) or "de"


def _form(request: Request, m: PublishedMessage, status: int = 200, **ctx: Any) -> HTMLResponse:
    ctx = {"done": False, "error": None, "voted": False, "answer": "", "comment": "", "token": "", "version": "", **ctx}
    language = reader_language(request.app.state.rt, ctx["token"])
    if not ctx["token"] and ctx["version"][:2] in PAGE_LANGUAGES:
        language = ctx["version"][:2]  # from the English version's page: the question in English
    versions = present.versions_of(m)
    title = next((v["title"] for v in versions if v["key"] == ctx["version"]), m.title)  # the title they read
    response = _page(request, "archive/feedback.html.j2", m=m, language=language, title=title, **ctx)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@router.get("/meldungen/{message_id:int}/verstaendlich", response_class=HTMLResponse, include_in_schema=False)
def question(request: Request, message_id: int, p: str = "", fassung: str = "") -> HTMLResponse:
    rt = request.app.state.rt
    m = _message(rt, message_id)
    if m is None:
        return notice(request, 404, "Diese Meldung gibt es nicht", "Vielleicht stimmt die Adresse nicht.")
    try:
        voter = voter_of(rt, p, message_id)
    except Refused:
        voter, p = None, ""  # an old personal link still lets the reader answer, without a vote of their own
    # The answer counts for the version the resident read: the one their personal link names.
    version = fassung[:40] or token_version(rt, p)
    return _form(request, m, token=p, version=version, voted=_already(rt, message_id, voter))


@router.post("/meldungen/{message_id:int}/verstaendlich", response_class=HTMLResponse, include_in_schema=False)
async def answer(request: Request, message_id: int) -> HTMLResponse:
    rt = request.app.state.rt
    form = await request.form()
    m = await asyncio.to_thread(_message, rt, message_id)
    if m is None:
        return notice(request, 404, "Diese Meldung gibt es nicht", "Vielleicht stimmt die Adresse nicht.")
    try:
        check_csrf(request, str(form.get("csrf_token") or ""))
    except Problem as exc:
        return notice(request, 403, "Das Formular ist abgelaufen", exc.detail)
    token, version = str(form.get("p") or ""), str(form.get("fassung") or "")
    said, comment = str(form.get("verstanden") or ""), str(form.get("kommentar") or "")
    values = {"token": token, "version": version, "answer": said, "comment": comment}
    if said not in ("ja", "nein"):
        return _form(request, m, 400, error=SAYS["choose"], **values)
    if len(comment.strip()) > MAX_COMMENT:
        return _form(request, m, 400, error=SAYS["too_long"], **values)
    try:
        voter = voter_of(rt, token, message_id)
        if voter is None and not anonymous_feedback.hit(client_ip(request)):
            raise Refused(429, SAYS["too_many"])
        await asyncio.to_thread(record, rt, message_id, said == "ja", comment, version, voter)
    except Refused as exc:
        return _form(request, m, exc.status, error=exc.detail, **values)
    return _form(request, m, done=True, version=version, token=token)


@router.post("/v1/feedback", status_code=201, tags=["Rückmeldungen"], openapi_extra={"requestBody": {
    "required": True, "content": {"application/json": {"schema": FeedbackIn.model_json_schema()}}}})  # fmt: skip
async def post_feedback(request: Request) -> JSONResponse:
    """Answer "War diese Nachricht verständlich?" for a message (id or short code)."""
    rt = request.app.state.rt
    try:
        body = FeedbackIn.model_validate_json(await request.body())
    except ValidationError as exc:
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
        raise Problem(400, "Die Rückmeldung ist ungültig.", errors=errors) from None
    version = body.version or ""
    if isinstance(body.message, int):
        message_id = body.message
    else:
        with session_scope(rt.db_url) as session:
            found = resolve_code(session, body.message)
        if found is None:
            raise Problem(404, "Diese Meldung gibt es nicht.")
        message_id, version = found.message_id, body.version or found.version
    try:
        voter = voter_of(rt, body.token, message_id)
        if voter is None and not anonymous_feedback.hit(client_ip(request)):
            raise Problem(429, "Zu viele Rückmeldungen von hier. Bitte später noch einmal.", headers={"Retry-After": "3600"})
        replaced = await asyncio.to_thread(record, rt, message_id, body.understood, body.comment, version, voter)
    except Refused as exc:
        raise Problem(exc.status, exc.detail) from None
    return JSONResponse({"message": message_id, "version": version, "understood": body.understood,
                         "replaced": replaced}, status_code=200 if replaced else 201)  # fmt: skip
