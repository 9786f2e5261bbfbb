"""The sending gate: pass, warn or hold a text, by the policy in ``data/policy.yaml``.

Why a separate module: the checker describes a text, the gate decides what the
product does with it. The lead wires :func:`gate` into the delivery agents; it
needs no broker and no database. Rules of the decision, in order:
1. settings = default ← channel ← topic (topic group, then topic);
2. hold when the text misses the profile's level (``when_failed``; only "warn"
   for texts shorter than ``short_text_words``), when the index is below
   ``min_index``, or when a finding belongs to ``hold_rules``;
3. otherwise warn when there are findings (``when_findings``), else pass;
4. urgent texts are never held: hold becomes warn (the report is kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from plainlang.checker import check
from plainlang.report import Report
from plainlang.resources import load_yaml

ACTIONS = ("pass", "warn", "hold")
PROFILE_NAMES = {"leicht": "Leichte Sprache", "einfach": "Einfache Sprache", "standard": "Standard"}


@dataclass(slots=True)
class Decision:
    """What to do with a text, the report behind it, and the reasons in plain German."""

    action: str
    report: Report
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "reasons": list(self.reasons),
            "report": self.report.to_dict(),
        }


def policy_for(topic: str | None = None, channel: str | None = None) -> dict[str, Any]:
    """Merged settings for a topic and channel (see module docstring for the order)."""
    policy = load_yaml("policy.yaml")
    settings = dict(policy["default"])
    if channel:
        settings.update(policy.get("channels", {}).get(channel) or {})
    topics = policy.get("topics", {})
    if topic:
        group = topic.split(".")[0]
        for key in dict.fromkeys((group, topic)):
            settings.update(topics.get(key) or {})
        settings.update(_group_settings(topic, topics))
    return settings


def _group_settings(topic: str, topics: dict[str, Any]) -> dict[str, Any]:
    """Settings of the topic's parent group in the city pack, when the pack says so."""
    groups = load_yaml("policy.yaml").get("topic_groups", {})
    parent = groups.get(topic)
    return dict(topics.get(parent) or {}) if parent else {}


def _worst(a: str, b: str) -> str:
    return a if ACTIONS.index(a) >= ACTIONS.index(b) else b


def gate(
    text: str,
    profile: str = "einfach",
    topic: str | None = None,
    channel: str | None = None,
    urgent: bool = False,
) -> Decision:
    """Check ``text`` and decide: "pass" (send), "warn" (send, keep report), "hold"."""
    report = check(text, profile=profile)
    settings = policy_for(topic, channel)
    action, reasons = "pass", []
    words = report.metrics.get("words", 0)
    if not report.passed:
        failed = settings.get("when_failed", "hold")
        if failed == "hold" and words < settings.get("short_text_words", 0):
            failed = "warn"
        action = _worst(action, failed)
        reasons.append(
            f"Der Text ist nicht in {PROFILE_NAMES[profile]}. "
            f"Er erreicht die Stufe „{report.level}“ (Index {report.index} von 20)."
        )
    if report.index < settings.get("min_index", 0) and words:
        action = "hold"
        reasons.append(f"Der Text ist sehr schwer: Index {report.index} von 20.")
    held_by = sorted({f.rule for f in report.findings} & set(settings.get("hold_rules", [])))
    if held_by:
        action = "hold"
        reasons.append("Diese Regeln halten den Text an: " + ", ".join(held_by) + ".")
    if report.findings and action == "pass":
        action = _worst(action, settings.get("when_findings", "warn"))
        reasons.append(f"Der Text hat {len(report.findings)} Hinweise.")
    if urgent and action == "hold":
        action = "warn"
        reasons.append("Die Nachricht ist eine dringende Warnung. Sie wird trotzdem gesendet.")
    return Decision(action, report, reasons)
