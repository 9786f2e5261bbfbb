"""Transactional messages to residents: confirmation e-mail, manage link, SMS/push code, letter.

These are sent from the web process directly (not through the worker): a resident waits for them.
A failed send never loses the subscription; it stays pending and the caller tells the resident.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from notify.channels.apprise_out import AppriseSender
from notify.channels.email import SmtpPool, build_message, render_email
from notify.formatting import CITY_TZ
from notify.pipeline import Runtime
from notify.web.residents import system_texts

log = logging.getLogger(__name__)
SEND_TIMEOUT_S = 15.0


def base_context(rt: Runtime, language: str) -> dict[str, Any]:
    return {"city": rt.catalogue.city, "language": language, "sender": rt.catalogue.sender}


async def send_email(rt: Runtime, to: str, template: str, context: dict[str, Any], *, language: str, profile: str,
                     unsubscribe_url: str) -> bool:  # fmt: skip
    """Render ``templates/email/<template>…`` and send it now; False if it could not be sent.

    ``Content-Language`` names the language the text was really written in: a resident whose
    language has no template gets German, labelled German."""
    used = rendered_language("email", template, language, profile)
    rendered = render_email(template, {**base_context(rt, used), **context}, used, profile)
    message = build_message(rendered, mail_from=rt.settings.mail_from, to=to, unsubscribe_url=unsubscribe_url,
                            language=used)  # fmt: skip
    host, port = rt.settings.smtp_host_port
    pool = SmtpPool(host, port, size=1, timeout=SEND_TIMEOUT_S)
    try:
        result = await asyncio.wait_for(pool.send(message), SEND_TIMEOUT_S + 1)
    except TimeoutError:
        log.warning("confirmation mail (%s) timed out", template)
        return False
    finally:
        await pool.close()
    if not result.ok:
        log.warning("confirmation mail (%s) not sent: %s", template, result.error)
    return result.ok


def rendered_language(channel: str, template: str, language: str, profile: str) -> str:
    """The language of the template variant that ``render_part`` will choose."""
    from notify.render import candidate_names, file_environment

    chosen = file_environment().select_template(candidate_names(channel, template, "txt", language, profile)).name
    parts = (chosen or "").rsplit("/", 1)[-1].split(".")
    return parts[1] if len(parts) > 3 else "de"


def apprise_sender(rt: Runtime) -> AppriseSender:
    return AppriseSender({"sms": rt.settings.sms_url, "push": rt.settings.push_url}, concurrency=2)


async def send_code(rt: Runtime, channel: str, to: str, code: str, language: str = "de") -> bool:
    """A confirmation code by SMS or push. Short, plain and without a link (SMS phishing)."""
    text = system_texts.code_text(language, rt.catalogue.city, code)
    title = "" if channel == "sms" else system_texts.code_title(language)
    result = await apprise_sender(rt).send(channel, to, title, text)
    if not result.ok:
        log.warning("%s code not sent: %s", channel, result.error)
    return result.ok


async def send_text(rt: Runtime, channel: str, to: str, text: str) -> bool:
    result = await apprise_sender(rt).send(channel, to, "" if channel == "sms" else "Stadtbote", text)
    return result.ok


def letters_dir(rt: Runtime) -> Path:
    return rt.settings.data_dir / "letters" / "confirmations"


def write_confirmation_letter(rt: Runtime, *, ref: str, name: str | None, postal_address: str, code: str,
                              manage_url: str, unsubscribe_url: str, language: str, profile: str,
                              paper: bool) -> Path:  # fmt: skip
    """The letter with the resident's code: a PDF in ``<data dir>/letters/confirmations/`` (staff
    can print it at once, e.g. at the counter) and a letter in today's print batch, so the
    print-and-mail service sends it with the other letters of the day.

    ``paper``: the subscription is already active (staff took the paper form); otherwise the
    code confirms a subscription made online for the letter channel only.
    """
    from notify.channels.letter import render_letter_pdf
    from notify.channels.letter_batch import LetterBatch
    from notify.pipeline import SETTINGS_PATH
    from subscribers.settings_code import grouped

    lines = postal_address.splitlines()
    context = {
        **base_context(rt, language),
        "event": None,
        "title": "Ihre Anmeldung beim Stadtboten" if paper else "Bitte bestätigen Sie Ihre Anmeldung",
        "text": "",
        "link": None,
        "code": code,
        "paper": paper,
        "confirm_page_url": f"{rt.signer.base_url}/bestaetigen",
        # An online sign-up for letters is confirmed with the code above; a second code or a long
        # link nobody can type would only confuse. Once confirmed, every letter prints the settings code.
        "manage_url": manage_url if paper else None,
        # a paper registration's code is also the code for /einstellungen (subscribers/settings_code.py)
        "settings_code": grouped(code) if paper else None,
        "settings_url": f"{rt.signer.base_url}{SETTINGS_PATH}",
        "unsubscribe_url": unsubscribe_url,
        "recipient": {"name": name or "", "postal_address": lines},
        "today": datetime.now(CITY_TZ).date(),
    }
    pdf = render_letter_pdf(context, name="confirm", language=language, profile=profile)
    folder = letters_dir(rt)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{datetime.now(CITY_TZ):%Y-%m-%d}-{ref}.pdf"
    path.write_bytes(pdf)
    # The batch's manifest goes to the print service: its reference is not the code itself.
    # A new code for the same resident replaces the letter still waiting in today's batch.
    batch_ref = "bestaetigung-" + hashlib.sha256(ref.encode()).hexdigest()[:16]
    LetterBatch(rt.settings.data_dir).add(context, ref=batch_ref, name="confirm", language=language, profile=profile)
    return path
