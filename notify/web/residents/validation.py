"""What a resident may send us, checked field by field with a clear German message for each.

The same checks serve the JSON API and the HTML forms: ``parse_subscription`` takes a plain dict
(lists for topics, districts and channels) and returns a ``SubscriptionInput`` or raises
``InvalidInput`` with one message per field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from subscribers.models import CHANNELS, FREQUENCIES, PROFILES
from topics.catalogue import CITYWIDE, Catalogue

LANGUAGES = {
    "de": "Deutsch",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "uk": "Українська",
    "pl": "Polski",
    "ru": "Русский",
}
# For each language whose pages and frames we do not ship yet: what a resident choosing it gets,
# said in that language (the German hint beside the choice cannot tell them). Right-to-left where
# needed (``notify.versions.direction``). Machine-assisted; to be read by native speakers.
LANGUAGE_NOTES = {
    "ar": "رسائل المدينة بالعربية عندما تكتبها المدينة بالعربية. كل شيء آخر بالألمانية.",
    "uk": "Повідомлення міста — українською, якщо місто пише їх українською. Усе інше — німецькою.",
    "pl": "Wiadomości miasta po polsku, jeśli miasto pisze je po polsku. Wszystko inne po niemiecku.",
    "ru": "Сообщения города — на русском, если город пишет их на русском. Всё остальное — на немецком.",
}
ADDRESS_FIELD = {"email": "email", "sms": "phone", "push": "push", "letter": "postal_address"}
_POSTCODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_PUSH = re.compile(r"^[A-Za-z0-9_.:/@+-]{4,200}$")


class InvalidInput(ValueError):
    def __init__(self, errors: dict[str, str], choices: list[str] | None = None):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.choices = choices or []  # Stadtteile to pick from when a postcode is shared

    def as_list(self) -> list[dict[str, str]]:
        return [{"field": k, "message": v} for k, v in self.errors.items()]


@dataclass
class SubscriptionInput:
    topics: list[str]
    districts: list[str]
    channels: list[str]
    addresses: list[tuple[str, str]]  # (channel, address) in the order of ``channels``
    name: str | None = None
    language: str = "de"
    profile: str = "standard"
    frequency: str = "immediate"
    quiet_start: str | None = None
    quiet_end: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def address(self, channel: str) -> str | None:
        return dict(self.addresses).get(channel)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    if not isinstance(value, list | tuple):
        return ["\0"]  # not a list: reported as unknown
    return [str(v).strip() for v in value if str(v).strip()]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def normalise_email(value: str) -> str:
    """Refuses what cannot be an address; lower-cases it so one person is one address."""
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValueError("Diese E-Mail-Adresse stimmt nicht. Ein Beispiel: name@beispiel.de") from None


def normalise_mobile(value: str) -> str:
    """A German or international mobile number in E.164 (+491701234567); landlines get no SMS."""
    try:
        number = phonenumbers.parse(value, "DE")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError("Diese Handynummer stimmt nicht. Ein Beispiel: 0170 1234567")
    kind = phonenumbers.number_type(number)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise ValueError("Das ist keine Handynummer. Eine SMS geht nur an ein Handy.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_postal_address(value: Any, catalogue: Catalogue) -> str:
    """Lines split by ``|`` or line breaks; the last line is "PLZ Ort" with a 5-digit postcode."""
    if isinstance(value, list | tuple) and not all(isinstance(line, str) for line in value):
        raise ValueError("Bitte schicken Sie die Adresse als Text oder als Liste von Zeilen (Texte).")
    raw = "\n".join(value) if isinstance(value, list | tuple) else _text(value)
    lines = [line.strip() for line in raw.replace("|", "\n").splitlines() if line.strip()]
    if len(lines) < 2 or len(lines) > 6:
        raise ValueError(
            "Bitte schreiben Sie die Adresse in 2 bis 6 Zeilen. In die letzte Zeile kommen Postleitzahl und Ort."
        )
    if any(len(line) > 60 for line in lines):
        raise ValueError("Eine Zeile der Adresse ist zu lang. Höchstens 60 Zeichen pro Zeile.")
    match = re.match(r"^(\d{5})\s+\S", lines[-1])
    if not match:
        raise ValueError("In die letzte Zeile kommen Postleitzahl und Ort, zum Beispiel: 45879 Gelsenkirchen.")
    if catalogue.city.lower() in lines[-1].lower() and not catalogue.districts_for_postcode(match.group(1)):
        raise ValueError(f"Die Postleitzahl {match.group(1)} gibt es in {catalogue.city} nicht.")
    return "\n".join(lines)


def resolve_place(text: str, catalogue: Catalogue) -> list[str]:
    """A postcode or street address → the Stadtteile it may be in (one or several)."""
    text = text.strip()
    match = _POSTCODE.search(text)
    if not match:
        if re.fullmatch(r"\d+", text):
            raise ValueError("Eine Postleitzahl hat 5 Ziffern.")
        raise ValueError("Wir finden keine Postleitzahl. Bitte schreiben Sie die 5 Ziffern dazu.")
    found = catalogue.districts_for_postcode(match.group(1))
    if not found:
        raise ValueError(f"Die Postleitzahl {match.group(1)} gehört nicht zu {catalogue.city}.")
    return found


def parse_time(value: Any, name: str, errors: dict[str, str]) -> str | None:
    text = _text(value)
    if not text:
        return None
    match = _TIME.match(text)
    if not match:
        errors[name] = "Bitte schreiben Sie die Uhrzeit so: 22:00"
        return None
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_preferences(data: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Language, profile, frequency and quiet hours (all optional)."""
    out: dict[str, Any] = {}
    language = _text(data.get("language")).lower() or "de"
    if language not in LANGUAGES:
        errors["language"] = f"Diese Sprache bieten wir nicht an. Möglich sind: {', '.join(LANGUAGES)}."
    profile = _text(data.get("profile")).lower() or "standard"
    if profile not in PROFILES:
        errors["profile"] = "Bitte wählen Sie: standard, einfach oder leicht."
    frequency = _text(data.get("frequency")).lower() or "immediate"
    if frequency not in FREQUENCIES:
        errors["frequency"] = "Bitte wählen Sie: immediate (sofort), daily (täglich) oder weekly (wöchentlich)."
    out.update(language=language, profile=profile, frequency=frequency)
    out["quiet_start"] = parse_time(data.get("quiet_start"), "quiet_start", errors)
    out["quiet_end"] = parse_time(data.get("quiet_end"), "quiet_end", errors)
    if bool(out["quiet_start"]) != bool(out["quiet_end"]) and "quiet_start" not in errors and "quiet_end" not in errors:
        errors["quiet_end" if out["quiet_start"] else "quiet_start"] = "Für die Ruhezeit brauchen wir Beginn und Ende."
    if out["quiet_start"] and out["quiet_start"] == out["quiet_end"]:
        errors["quiet_end"] = "Beginn und Ende der Ruhezeit sind gleich. Bitte ändern Sie eine Uhrzeit."
    return out


def parse_area(data: dict[str, Any], catalogue: Catalogue, errors: dict[str, str]) -> tuple[list[str], list[str]]:
    """Districts chosen directly, plus the Stadtteil of a postcode or address. Returns (districts, choices)."""
    districts = _as_list(data.get("districts"))
    if bad := [d for d in districts if d != CITYWIDE and d not in catalogue.districts]:
        errors["districts"] = f"Diesen Ort kennen wir nicht: {', '.join(bad)}."
    place = _text(data.get("place")) or _text(data.get("postcode")) or _text(data.get("street_address"))
    choices: list[str] = []
    if place:
        try:
            found = resolve_place(place, catalogue)
        except ValueError as exc:
            errors["place"] = str(exc)
        else:
            if len(found) == 1 or set(found) & set(districts):
                districts += [d for d in found if d not in districts] if len(found) == 1 else []
            else:
                choices = found
                names = ", ".join(catalogue.districts[d].name for d in found)
                errors["place"] = (
                    f"Zu dieser Postleitzahl gehören mehrere Stadtteile: {names}. Bitte wählen Sie einen aus."
                )
    if not districts and not errors.get("districts") and not errors.get("place"):
        errors["districts"] = "Bitte wählen Sie einen Ort: einen Stadtteil, einen Stadtbezirk oder die ganze Stadt."
    if CITYWIDE in districts:
        districts = [CITYWIDE]
    return list(dict.fromkeys(districts)), choices


def parse_topics(data: dict[str, Any], catalogue: Catalogue, errors: dict[str, str]) -> list[str]:
    topics = _as_list(data.get("topics"))
    if not topics:
        errors["topics"] = "Bitte wählen Sie mindestens ein Thema."
    elif bad := [t for t in topics if t not in catalogue.topics]:
        errors["topics"] = f"Dieses Thema kennen wir nicht: {', '.join(bad)}."
    # a Lebenslage covers its topics: drop children whose parent is chosen too
    chosen = set(topics)
    return [t for t in dict.fromkeys(topics) if t not in catalogue.topics or catalogue.topics[t].parent not in chosen]


def parse_addresses(
    data: dict[str, Any], catalogue: Catalogue, errors: dict[str, str], channels: list[str]
) -> list[tuple[str, str]]:
    addresses: list[tuple[str, str]] = []
    for channel in channels:
        name = ADDRESS_FIELD[channel]
        value = data.get(name)
        if not value or (isinstance(value, str) and not value.strip()):
            errors[name] = {
                "email": "Sie haben E-Mail gewählt. Bitte schreiben Sie Ihre E-Mail-Adresse dazu.",
                "sms": "Sie haben SMS gewählt. Bitte schreiben Sie Ihre Handynummer dazu.",
                "push": "Sie haben Push gewählt. Bitte schreiben Sie Ihre Push-Adresse dazu.",
                "letter": "Sie haben Brief gewählt. Bitte schreiben Sie Ihre Adresse für Briefe dazu.",
            }[channel]
            continue
        try:
            if channel == "email":
                address = normalise_email(_text(value))
            elif channel == "sms":
                address = normalise_mobile(_text(value))
            elif channel == "push":
                address = _text(value)
                if not _PUSH.match(address):
                    raise ValueError("Diese Push-Adresse stimmt nicht. Sie finden sie in Ihrer Push-App.")
            else:
                address = normalise_postal_address(value, catalogue)
        except ValueError as exc:
            errors[name] = str(exc)
            continue
        addresses.append((channel, address))
    return addresses


def parse_channels(data: dict[str, Any], errors: dict[str, str]) -> list[str]:
    channels = [c.lower() for c in _as_list(data.get("channels"))]
    if not channels:
        # the API may leave channels out: then every address given is a channel, in the usual order
        channels = [c for c in CHANNELS if data.get(ADDRESS_FIELD[c])]
    if not channels:
        errors["channels"] = "Bitte wählen Sie mindestens einen Weg: E-Mail, SMS, Push oder Brief."
    elif bad := [c for c in channels if c not in CHANNELS]:
        errors["channels"] = f"Diesen Weg gibt es nicht: {', '.join(bad)}. Möglich sind: email, sms, push, letter."
        channels = [c for c in channels if c in CHANNELS]
    return list(dict.fromkeys(channels))


def parse_subscription(data: dict[str, Any], catalogue: Catalogue) -> SubscriptionInput:
    if not isinstance(data, dict):
        raise InvalidInput({"": "Bitte senden Sie ein JSON-Objekt."})
    errors: dict[str, str] = {}
    topics = parse_topics(data, catalogue, errors)
    districts, choices = parse_area(data, catalogue, errors)
    channels = parse_channels(data, errors)
    addresses = parse_addresses(data, catalogue, errors, channels)
    prefs = parse_preferences(data, errors)
    name = _text(data.get("name")) or None
    if name and len(name) > 200:
        errors["name"] = "Der Name ist zu lang. Höchstens 200 Zeichen."
    if errors:
        raise InvalidInput(errors, choices)
    return SubscriptionInput(
        topics=topics, districts=districts, channels=channels, addresses=addresses, name=name, **prefs
    )
