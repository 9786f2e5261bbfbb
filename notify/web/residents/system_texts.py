"""Short system texts (SMS and push) in the languages we ship: de, en, tr; German otherwise.

E-mails and letters have their own templates per language under ``templates/``; these are the
one-line texts that have no template of their own.
"""

from __future__ import annotations

SHIPPED = ("de", "en", "tr")

_ALREADY_SMS = {
    "de": "Sie sind schon beim Stadtboten der Stadt {city} angemeldet. Ihre Einstellungen: {url}",
    "en": "You are already signed up for the Stadtbote of {city}. Your settings: {url}",
    "tr": "{city} Stadtbote hizmetine zaten kayıtlısınız. Ayarlarınız: {url}",
}
_CODE = {
    "de": "Ihr Code für den Stadtboten der Stadt {city}: {code}. Der Code gilt 3 Tage.",
    "en": "Your code for the Stadtbote of {city}: {code}. The code is valid for 3 days.",
    "tr": "{city} Stadtbote için kodunuz: {code}. Kod 3 gün geçerlidir.",
}
_CODE_TITLE = {"de": "Stadtbote: Ihr Code", "en": "Stadtbote: your code", "tr": "Stadtbote: kodunuz"}


def shipped(language: str) -> str:
    """The language we actually write in for ``language``: itself if shipped, else German."""
    return language if language in SHIPPED else "de"


def already_sms(language: str, city: str, url: str) -> str:
    return _ALREADY_SMS[shipped(language)].format(city=city, url=url)


def code_text(language: str, city: str, code: str) -> str:
    return _CODE[shipped(language)].format(city=city, code=code)


def code_title(language: str) -> str:
    return _CODE_TITLE[shipped(language)]

_ORDER_LABELS = {"de": ("Themen", "Orte", "Wege"), "en": ("Topics", "Places", "Channels"),
                 "tr": ("Konular", "Yerler", "Kanallar")}  # fmt: skip
_CHANNEL_NAMES = {
    "de": {"email": "E-Mail", "sms": "SMS", "push": "Push", "letter": "Brief"},
    "en": {"email": "e-mail", "sms": "SMS", "push": "push", "letter": "letter"},
    "tr": {"email": "e-posta", "sms": "SMS", "push": "push", "letter": "mektup"},
}
_WHOLE_CITY = {"de": "ganz {city}", "en": "all of {city}", "tr": "tüm {city}"}


def ordered_lines(language: str, catalogue, topics: list[str], districts: list[str], channels: list[str]) -> list[str]:
    """What a sign-up ordered, three lines; topic and place names are the city pack's (German)."""
    lang = shipped(language)
    labels = _ORDER_LABELS[lang]
    topic_names = [catalogue.topics[t].name for t in topics if t in catalogue.topics]
    places = [_WHOLE_CITY[lang].format(city=catalogue.city) if d == "citywide" else catalogue.districts[d].name
              for d in districts if d == "citywide" or d in catalogue.districts]  # fmt: skip
    ways = [_CHANNEL_NAMES[lang].get(c, c) for c in channels]
    return [f"{labels[0]}: {', '.join(topic_names)}", f"{labels[1]}: {', '.join(places)}",
            f"{labels[2]}: {', '.join(ways)}"]  # fmt: skip
