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
