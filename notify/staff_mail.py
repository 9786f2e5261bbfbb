"""E-mails to colleagues (invitations, password reset): short plain text, sent from the web process.

Not residents' messages: no unsubscribe header, no templates staff can edit, never through the
worker. The link is the only thing of value in them and expires soon.
"""

from __future__ import annotations

import asyncio
import logging
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

from notify.channels.smtp_pool import SmtpPool
from notify.pipeline import Runtime
from subscribers.models import utcnow

log = logging.getLogger(__name__)
SEND_TIMEOUT_S = 15.0


def build(rt: Runtime, to: str, subject: str, text: str) -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    _, address = parseaddr(rt.settings.mail_from)
    msg["From"] = rt.settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain=address.rsplit("@", 1)[-1] if "@" in address else "localhost")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, charset="utf-8")
    return msg


async def send_message(rt: Runtime, message: EmailMessage) -> bool:
    host, port = rt.settings.smtp_host_port
    pool = SmtpPool(host, port, size=1, timeout=SEND_TIMEOUT_S)
    try:
        result = await asyncio.wait_for(pool.send(message), SEND_TIMEOUT_S + 1)
    except TimeoutError:
        log.warning("staff mail to %s timed out", message["To"])
        return False
    finally:
        await pool.close()
    if not result.ok:
        log.warning("staff mail not sent: %s", result.error)
    return result.ok


async def send_text(rt: Runtime, to: str, subject: str, text: str) -> bool:
    return await send_message(rt, build(rt, to, subject, text))


def invitation_text(rt: Runtime, inviter: str, role_name: str, url: str, hours: int) -> str:
    return (
        f"Guten Tag,\n\n{inviter} lädt Sie in das Presseteam des Stadtboten der Stadt {rt.catalogue.city} ein.\n"
        f"Ihre Rolle: {role_name}.\n\nÖffnen Sie diesen Link und legen Sie Ihr Passwort fest:\n{url}\n\n"
        f"Der Link gilt {hours} Stunden und nur einmal.\n"
        "Haben Sie keine Einladung erwartet? Dann löschen Sie diese E-Mail einfach.\n"
    )


def reset_text(rt: Runtime, url: str) -> str:
    return (
        f"Guten Tag,\n\njemand hat ein neues Passwort für Ihren Zugang zum Stadtboten der Stadt {rt.catalogue.city} "
        f"angefordert.\n\nÖffnen Sie diesen Link und legen Sie ein neues Passwort fest:\n{url}\n\n"
        "Der Link gilt 1 Stunde und nur einmal. Danach sind Sie überall abgemeldet.\n"
        "Waren Sie das nicht? Dann löschen Sie diese E-Mail. Ihr Passwort bleibt, wie es ist.\n"
    )
