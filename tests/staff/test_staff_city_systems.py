# ruff: noqa: F811 - the api fixture is imported from staff_samples
"""The dashboard lists messages from other city systems with their plain-language report."""

from __future__ import annotations

import sys
from pathlib import Path

from staff_samples import api, sign_in  # noqa: F401

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))
from source_samples import gelsenkirchen_warning  # noqa: E402

from notify.pipeline import ingest  # noqa: E402
from notify.sources.alerts import context_for  # noqa: E402
from notify.sources.cap import convert_cap  # noqa: E402


def test_the_dashboard_lists_warnings_from_other_systems_with_their_report(api):
    event = convert_cap(gelsenkirchen_warning("dash"), context_for("gelsenkirchen")).event
    assert ingest(event.to_json().encode(), api.rt).outcome == "new"  # warnings are never held
    sign_in(api, "anna")
    page = api.get("/staff").text
    section = page.split("Nachrichten aus anderen Systemen", 1)[1]
    assert "Amtliche WARNUNG vor STARKREGEN dash" in section and "opendata@dwd.de" in section
    assert "Index " in section and "Hinweise" in section and "dringend" in section
