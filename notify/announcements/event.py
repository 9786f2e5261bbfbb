"""The CloudEvent an announcement becomes (source ``/stadtbote/announcements``, id ``ANN-<id>``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from notify.events import CityEvent, parse_event
from subscribers.announcements import Announcement, aware
from subscribers.models import CHANNELS, utcnow
from topics.catalogue import Catalogue

SOURCE = "/stadtbote/announcements"
CORRECTION_PREFIX = "Korrektur: "


def city_slug(catalogue: Catalogue) -> str:
    slug = catalogue.city.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    return re.sub(r"[^a-z0-9-]+", "-", slug).strip("-") or "stadt"


def event_id(ann_id: int) -> str:
    return f"ANN-{ann_id}"


def to_event(ann: Announcement, catalogue: Catalogue, now: datetime | None = None) -> CityEvent:
    """The CloudEvent for ``ann``; a correction carries ``corrects`` (the earlier event id)."""
    title = ann.title
    if ann.corrects is not None and not title.startswith(CORRECTION_PREFIX):
        title = CORRECTION_PREFIX + title
    data: dict[str, Any] = {"title": title[:200], "text": ann.text, "topics": ann.topic_list,
                            "area": ann.area_value, "urgency": ann.urgency}  # fmt: skip
    if ann.link:
        data["link"] = ann.link
    if ann.version_list:
        from notify.announcements.versions import event_versions

        data["versions"] = event_versions(ann)
    if ann.valid_until:
        data["valid_until"] = aware(ann.valid_until).isoformat()
    for name in ("starts_at", "ends_at"):  # when it happens: the archive's calendar
        if getattr(ann, name):
            data[name] = aware(getattr(ann, name)).isoformat()
    if not ann.public:
        data["public"] = False  # staff chose: not in the archive, feeds and open data
    envelope: dict[str, Any] = {
        "specversion": "1.0", "id": event_id(ann.id), "source": SOURCE,
        "type": f"de.{city_slug(catalogue)}.{ann.kind}", "time": aware(now or utcnow()).isoformat(),
        "datacontenttype": "application/json", "subject": f"announcement/{ann.id}", "data": data,
    }  # fmt: skip
    if ann.corrects is not None:
        envelope["corrects"] = event_id(ann.corrects)
    if set(ann.channel_list) != set(CHANNELS):
        envelope["channels"] = " ".join(ann.channel_list)  # extension attribute; see README of staff
    return parse_event(envelope, catalogue)
