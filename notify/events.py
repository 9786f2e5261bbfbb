"""City events: CloudEvents 1.0 envelopes with the Stadtbote ``data`` schema.

One parser for every way in (HTTP structured mode, HTTP binary mode, a raw Kafka record), so an
event that is refused at the HTTP door would be refused the same way on Kafka — there it goes to
the dead-letter topic with the same reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticSerializationError

from topics.catalogue import Catalogue

SPECVERSION = "1.0"
MAX_EVENT_BYTES = 256 * 1024


class InvalidEvent(ValueError):
    """An event that cannot be accepted; ``errors`` says what is wrong, field by field."""

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class EventData(BaseModel):
    """The ``data`` of a city event (ARCHITECTURE.md, "Event")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20_000)
    topics: list[str] = Field(min_length=1, max_length=20)
    area: Literal["citywide"] | list[str]
    urgency: Literal["normal", "urgent"] = "normal"
    link: AnyHttpUrl | None = None
    valid_until: datetime | None = None
    # When the thing happens (meeting, collection day, works): the archive's calendar file.
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    public: bool = True  # published in the archive, the feeds and the open data
    geometry: dict[str, Any] | None = None
    # The same message in other languages and levels (ARCHITECTURE.md); from CAP: one per <info>.
    versions: list[dict[str, Any]] | None = None

    @field_validator("title")
    @classmethod
    def _one_line_title(cls, v: str) -> str:
        # A title ends up in mail headers and SMS; a line break there is either a mistake or an
        # injection attempt, so it is refused rather than silently joined.
        if any(c in v for c in "\r\n\x00"):
            raise ValueError("Der Titel darf keinen Zeilenumbruch enthalten.")
        return v

    @field_validator("area")
    @classmethod
    def _non_empty_area(cls, v: Any) -> Any:
        if isinstance(v, list) and not v:
            raise ValueError('Bitte mindestens einen Stadtteil angeben oder "citywide".')
        return v

    @field_validator("valid_until")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("valid_until braucht eine Zeitzone (RFC 3339).")
        return v

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware_dates(cls, v: datetime | None, info: Any) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError(f"{info.field_name} braucht eine Zeitzone (RFC 3339).")
        return v

    @model_validator(mode="after")
    def _ends_after_start(self) -> EventData:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValueError("ends_at darf nicht vor starts_at liegen.")
        return self


class CityEvent(BaseModel):
    """A validated CloudEvent; ``key`` (source + id) is what makes it unique."""

    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"]
    id: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=500)
    type: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._-]+$")
    time: datetime | None = None
    datacontenttype: str | None = None
    subject: str | None = None
    data: EventData

    @property
    def key(self) -> str:
        return f"{self.source}\x1f{self.id}"

    @property
    def urgent(self) -> bool:
        return self.data.urgency == "urgent"

    @property
    def template_name(self) -> str:
        """``de.gelsenkirchen.baustelle`` → ``baustelle``: the template family for this type."""
        return self.type.rsplit(".", 1)[-1]

    def expired(self, now: datetime | None = None) -> bool:
        return self.data.valid_until is not None and self.data.valid_until <= (now or datetime.now(UTC))

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)


def _pydantic_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]} for err in exc.errors(include_url=False)
    ]


def parse_event(envelope: Mapping[str, Any], catalogue: Catalogue) -> CityEvent:
    """Validate a structured CloudEvent and check its topics and districts against the city pack."""
    if not isinstance(envelope, Mapping):
        raise InvalidEvent("Das Ereignis muss ein JSON-Objekt sein.")
    if envelope.get("specversion") != SPECVERSION:
        raise InvalidEvent(
            'Nur CloudEvents 1.0 werden angenommen: "specversion" muss "1.0" sein.',
            [{"field": "specversion", "message": "must be '1.0'"}],
        )
    try:
        event = CityEvent.model_validate(dict(envelope))
    except ValidationError as exc:
        errors = _pydantic_errors(exc)
        fields = ", ".join(e["field"] for e in errors)
        raise InvalidEvent(f"Das Ereignis ist ungültig ({fields}).", errors) from None

    errors = []
    for topic in event.data.topics:
        if topic not in catalogue.topics:
            errors.append({"field": "data.topics", "message": f"unknown topic id '{topic}'"})
    if event.data.area != "citywide":
        for district in event.data.area:
            if district not in catalogue.districts:
                errors.append({"field": "data.area", "message": f"unknown district id '{district}'"})
    if errors:
        unknown = ", ".join(e["message"].split("'")[1] for e in errors)
        raise InvalidEvent(f"Unbekannte Themen oder Stadtteile: {unknown}.", errors)
    try:
        # What is accepted must travel on: a lone surrogate (from a "\ud800" escape) or extreme
        # nesting passes validation but cannot be written as JSON again (found by a property test).
        event.to_json()
    except (PydanticSerializationError, ValueError, RecursionError):
        raise InvalidEvent(
            "Das Ereignis enthält ungültige Zeichen oder ist zu tief verschachtelt.",
            [{"field": "", "message": "not serialisable as UTF-8 JSON"}],
        ) from None
    return event


def parse_json_event(raw: bytes | str, catalogue: Catalogue) -> CityEvent:
    """A structured-mode event from raw bytes (HTTP body or Kafka record value)."""
    if len(raw) > MAX_EVENT_BYTES:
        raise InvalidEvent(f"Das Ereignis ist größer als {MAX_EVENT_BYTES // 1024} KiB.")
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested too deeply
        raise InvalidEvent(f"Kein gültiges JSON: {exc}.") from None
    return parse_event(envelope, catalogue)


def from_binary_mode(headers: Mapping[str, str], body: bytes, catalogue: Catalogue) -> CityEvent:
    """A binary-mode event: attributes in ``ce-*`` headers, ``data`` is the body."""
    envelope: dict[str, Any] = {
        name[3:].lower(): value for name, value in headers.items() if name.lower().startswith("ce-")
    }
    content_type = headers.get("content-type", "application/json").split(";")[0].strip()
    if content_type != "application/json":
        raise InvalidEvent("Im Binärmodus muss der Inhalt application/json sein.")
    try:
        envelope["data"] = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested too deeply
        raise InvalidEvent(f"Kein gültiges JSON: {exc}.") from None
    envelope["datacontenttype"] = content_type
    return parse_event(envelope, catalogue)
