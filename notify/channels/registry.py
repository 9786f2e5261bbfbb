"""Which sender serves which channel, built from the settings (one place to add a channel)."""

from __future__ import annotations

from notify.channels.apprise_out import AppriseChannel, AppriseSender
from notify.channels.base import ChannelSender
from notify.channels.dkim_signing import DkimSigner
from notify.channels.email import EmailSender
from notify.channels.letter_sender import LetterSender
from notify.channels.smtp_pool import SmtpPool
from notify.settings import Settings


def build_senders(settings: Settings) -> dict[str, ChannelSender]:
    host, port = settings.smtp_host_port
    apprise_sender = AppriseSender(
        {"sms": settings.sms_url, "push": settings.push_url},
        rate_per_s=settings.provider_rate_per_s,
        burst=max(1, int(settings.provider_rate_per_s)),
        concurrency=settings.provider_concurrency,
    )
    return {
        "email": EmailSender(
            SmtpPool(host, port, size=settings.smtp_connections, pipelining=settings.smtp_pipelining),
            settings.mail_from,
            DkimSigner.from_files(settings.dkim_selector, settings.dkim_domain, settings.dkim_key_file),
        ),
        "sms": AppriseChannel("sms", apprise_sender, settings.sms_segment_budget, settings.sms_urgent_segments),
        "push": AppriseChannel("push", apprise_sender),
        "letter": LetterSender(settings.data_dir),
    }
