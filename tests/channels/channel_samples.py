"""Samples for the channel tests: a real CityEvent and the template context around it."""

from datetime import date

from notify.events import parse_event
from topics.catalogue import load_catalogue

TEXT = (
    "Ab Montag, 3. März, ist die Hauptstraße gesperrt. Der Grund: Wir erneuern die "
    "Wasserleitung.\n\nDie Busse fahren eine Umleitung. Bitte nutzen Sie die Haltestelle Rathaus."
)


def make_context(i: int = 1, text: str = TEXT, type_: str = "de.gelsenkirchen.baustelle", **over):
    event = parse_event(
        {
            "specversion": "1.0",
            "id": f"e{i}",
            "source": "/baustellen",
            "type": type_,
            "data": {
                "title": over.pop("title", "Sperrung der Hauptstraße"),
                "text": text,
                "topics": ["baustellen"],
                "area": ["buer"],
                "link": "https://www.gelsenkirchen.de/baustellen/hauptstrasse",
            },
        },
        load_catalogue(),
    )
    context = {
        "event": event,
        "title": event.data.title,
        "text": event.data.text,
        "link": str(event.data.link),
        "manage_url": f"https://stadtbote.gelsenkirchen.de/s/{i:04d}.c2lnbmVk",
        "message_url": None,  # the archive's short link, when the message is published
        "feedback_url": None,
        "unsubscribe_url": f"https://stadtbote.gelsenkirchen.de/u/{i:04d}.c2lnbmVk",
        "recipient": {
            "name": "Erika Mustermann",
            "postal_address": ["Erika Mustermann", "Hauptstraße 12", "45894 Gelsenkirchen"],
        },
        "city": "Gelsenkirchen",
        "sender": {
            "name": "Referat Öffentlichkeitsarbeit",
            "address": ["Ebertstraße 11", "45879 Gelsenkirchen"],
            "phone": "0209 169-0",
            "email": "stadtbote@gelsenkirchen.de",
            "web": "www.gelsenkirchen.de",
        },
        "today": date(2027, 3, 12),
    }
    context.update(over)
    return context
