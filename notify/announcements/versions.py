"""Versions of an announcement: the same message in Einfache and Leichte Sprache and in the city's
other languages, written (or proposed by ``plainlang.simplify``) in the editor's tabs.

- Each version is checked against its own profile; its findings count for approval like the base's.
- Changing a version is an edit: the approval is taken back (approval covers all versions).
- ``reviewed`` ("von einer Prüfgruppe geprüft") is set only by an approver, explicitly, and never
  on a machine proposal nobody has changed; any change of the text takes it back.
- A sent announcement can get a version that was missing (:func:`add_to_sent`): its event goes out
  again with the same id and the new version, and the deliveries waiting for it are released
  (notify/version_waits.py). What was already sent is never changed.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

import plainlang
from notify.announcements.refused import Refused
from notify.versions import BASE, LANGUAGE_NAMES, PROFILE_NAMES, Version, wanted_name
from subscribers.announcements import EDITABLE, Announcement, audit
from subscribers.models import utcnow
from subscribers.staff import Staff

MACHINE_LABEL = "maschineller Vorschlag – bitte prüfen"
REVIEWED_LABEL = "von einer Prüfgruppe geprüft"


def tabs() -> list[dict[str, str]]:
    """The editor's tabs: the German levels, then the city's other languages (standard level)."""
    out = [{"key": f"de-{p}", "language": "de", "profile": p, "name": PROFILE_NAMES[p]} for p in PROFILE_NAMES]
    out += [{"key": f"{lang}-standard", "language": lang, "profile": "standard", "name": name}
            for lang, name in LANGUAGE_NAMES.items() if lang != BASE[0]]  # fmt: skip
    return out


def parse_tab(key: str | None) -> tuple[str, str]:
    """``de-leicht`` → ("de", "leicht"); anything unknown is the base tab."""
    for tab in tabs():
        if tab["key"] == key:
            return tab["language"], tab["profile"]
    return BASE


def find(ann: Announcement, language: str, profile: str) -> dict[str, Any] | None:
    return next((v for v in ann.version_list if (v["language"], v["profile"]) == (language, profile)), None)


def report_for(language: str, profile: str, text: str) -> dict[str, Any] | None:
    """The plain-language report of a version; the checker knows German only."""
    if language != BASE[0] or not text.strip():
        return None
    return plainlang.check(text, profile=profile).to_dict()


def version_findings(ann: Announcement) -> int:
    return sum(int(v.get("findings") or 0) for v in ann.version_list)


def _validated(language: str, profile: str, title: str, text: str) -> Version:
    if (language, profile) == BASE:
        raise Refused(400, "Deutsch Standard ist der Grundtext. Bitte schreiben Sie ihn oben im Tab „Standard“.")
    try:
        return Version(language=language, profile=profile, title=title, text=text)
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors(include_url=False))
        raise Refused(400, f"Die Fassung ist unvollständig oder ungültig ({fields}).",
                      errors=[{"field": f"versions.{e['loc'][0]}", "message": e["msg"]}
                              for e in exc.errors(include_url=False)]) from None  # fmt: skip


def _store(ann: Announcement, language: str, profile: str, entry: dict[str, Any] | None) -> None:
    rest = [v for v in ann.version_list if (v["language"], v["profile"]) != (language, profile)]
    if entry is not None:
        rest.append(entry)
    order = [(t["language"], t["profile"]) for t in tabs()]
    rest.sort(
        key=lambda v: order.index((v["language"], v["profile"])) if (v["language"], v["profile"]) in order else 99
    )
    ann.versions = json.dumps(rest, ensure_ascii=False) if rest else None
    base = ann.report
    ann.findings = (len(base["findings"]) if base else 0) + version_findings(ann)


def _entry(version: Version, machine: bool) -> dict[str, Any]:
    report = report_for(version.language, version.profile, version.text)
    return {"language": version.language, "profile": version.profile, "title": version.title,
            "text": version.text, "reviewed": False, "reviewed_by": None, "machine": machine,
            "index": report["index"] if report else None,
            "findings": len(report["findings"]) if report else 0}  # fmt: skip


def save_version(session: Session, ann: Announcement, staff: Staff, language: str, profile: str,
                 title: str, text: str, machine: bool = False) -> bool:  # fmt: skip
    """Write (or, with empty title and text, remove) one version of a draft. Like every edit it
    takes the approval back. Returns True when anything changed."""
    if not staff.may("write"):
        raise Refused(403, "Ihre Rolle darf keine Mitteilungen ändern.")
    if ann.status not in EDITABLE:
        raise Refused(409, f"Eine Mitteilung im Zustand „{ann.state_name}“ kann man nicht mehr ändern.")
    current = find(ann, language, profile)
    if not title.strip() and not text.strip():
        if current is None:
            return False
        entry = None
    else:
        version = _validated(language, profile, title, text)
        if current and (current["title"], current["text"]) == (version.title, version.text):
            return False
        entry = _entry(version, machine)
    _store(ann, language, profile, entry)
    before, had_approval = ann.status, ann.approved_version is not None
    ann.version += 1
    ann.updated_by, ann.updated_at = staff.email, utcnow()
    ann.approved_by = ann.approved_at = ann.approved_version = None
    ann.override_findings = False
    ann.status = "draft"
    note = f"Fassung „{wanted_name(f'{language}/{profile}')}“ {'gelöscht' if entry is None else 'geändert'}."
    if had_approval or before != "draft":
        note += " Freigabe zurückgesetzt."
    audit(session, ann, staff.email, "version", before, "draft", note)
    return True


def mark_reviewed(session: Session, ann: Announcement, staff: Staff, language: str, profile: str,
                  reviewed: bool = True) -> None:  # fmt: skip
    """An approver says: readers of the target group have checked this version (DIN SPEC 33429)."""
    if not staff.may("approve"):
        raise Refused(403, "Als geprüft markieren dürfen nur Personen mit der Rolle Freigabe oder Verwaltung.")
    current = find(ann, language, profile)
    if current is None:
        raise Refused(404, "Diese Fassung gibt es noch nicht.")
    if reviewed and current.get("machine"):
        raise Refused(409, "Das ist ein maschineller Vorschlag. Bitte lesen und ändern Sie ihn zuerst. "
                           "Erst dann kann eine Prüfgruppe ihn prüfen.")  # fmt: skip
    if ann.status not in EDITABLE and ann.status != "sent":
        raise Refused(409, f"Die Mitteilung ist „{ann.state_name}“.")
    _store(ann, language, profile, {**current, "reviewed": reviewed, "reviewed_by": staff.email if reviewed else None})
    audit(session, ann, staff.email, "reviewed", ann.status, ann.status,
          f"Fassung „{wanted_name(f'{language}/{profile}')}“: {'geprüft' if reviewed else 'nicht mehr als geprüft markiert'}.")  # fmt: skip


def add_to_sent(session: Session, ann: Announcement, staff: Staff, language: str, profile: str,
                title: str, text: str) -> None:  # fmt: skip
    """A missing version for a sent announcement (the residents waiting for it get it next).

    Only people who may approve do this, since no second approval follows; an existing version
    is never replaced after sending (residents have read it). The caller publishes the event again.
    """
    if ann.status != "sent":
        raise Refused(409, "Nachreichen geht nur bei einer gesendeten Mitteilung.")
    if not staff.may("approve"):
        raise Refused(403, "Eine Fassung nachreichen dürfen nur Personen mit der Rolle Freigabe oder Verwaltung.")
    if find(ann, language, profile) is not None:
        raise Refused(409, "Diese Fassung ist schon gesendet. Für Änderungen legen Sie bitte eine Korrektur an.")
    _store(ann, language, profile, _entry(_validated(language, profile, title, text), machine=False))
    ann.updated_at = utcnow()
    audit(session, ann, staff.email, "version_added", "sent", "sent", f"Fassung „{wanted_name(f'{language}/{profile}')}“ nachgereicht.")


def event_versions(ann: Announcement) -> list[dict[str, Any]]:
    """``data.versions`` of the announcement's event (ARCHITECTURE.md, "Event")."""
    return [{"language": v["language"], "profile": v["profile"], "title": v["title"][:200], "text": v["text"],
             "reviewed": bool(v.get("reviewed"))} for v in ann.version_list]  # fmt: skip


def propose(text: str, profile: str, title: str = "") -> dict[str, Any]:
    """A machine proposal for a tab, from the base title and text; never reviewed. The title gets
    the word changes only: a heading stays one line (a split would make it two sentences)."""
    result = plainlang.simplify(text, profile)
    new_title = title
    if title:
        simple = plainlang.simplify(title, profile).text.strip()
        if simple and "\n" not in simple and not (simple.endswith(".") and not title.rstrip().endswith(".")):
            new_title = simple
    return {"title": new_title, "text": result.text, "changes": len(result.changes), "label": MACHINE_LABEL}
