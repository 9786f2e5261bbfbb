"""In a real browser: an approver opens a city-system message the gate held, reads its marked text
and releases it by keyboard; axe-core finds nothing serious or critical on either page."""

from __future__ import annotations

import json

import pytest
from browser_kit import chromium_page, needs_chromium, screenshot, serious_violations, serve
from staff_samples import add_people
from test_staff_browser import sign_in
from test_staff_city_systems import HARD

from notify.devstack import free_port

pytestmark = needs_chromium


@pytest.fixture
def site(tmp_path, monkeypatch):
    from notify.embedded.broker import BrokerUnavailable, start_broker
    from notify.pipeline import Runtime, ingest
    from notify.settings import Settings
    from notify.web.app import create_app
    from subscribers.db import init_db

    broker = free_port()
    try:
        proc = start_broker("127.0.0.1", broker, log=tmp_path / "broker.log")
    except BrokerUnavailable as exc:
        pytest.skip(f"embedded broker unavailable: {exc}")
    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path / "var"))
    port = free_port()
    settings = Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'staff.db'}", secret_key="browser",
                        base_url=f"http://127.0.0.1:{port}", kafka_url=f"kafka://127.0.0.1:{broker}", partitions=1)  # fmt: skip
    rt = Runtime(settings)
    init_db(rt.db_url)
    add_people(rt.db_url)
    body = {"specversion": "1.0", "id": "tb-held-b", "source": "/tiefbau", "type": "de.gelsenkirchen.baustelle",
            "data": {"title": "Maßnahme an der Horster Straße", "text": HARD, "topics": ["baustellen"],
                     "area": ["buer"]}}  # fmt: skip
    held = ingest(json.dumps(body).encode(), rt)
    assert held.outcome == "held"
    try:
        with serve(create_app(rt), port) as srv:
            srv.base, srv.rt, srv.pk = f"http://127.0.0.1:{port}", rt, held.event_pk
            yield srv
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_releasing_a_held_city_system_message_in_the_browser(site):
    with chromium_page(1280, 1000) as page:
        sign_in(page, site.base, "bernd", site.rt.db_url)
        link = page.locator(f'a[href="/staff/nachrichten/{site.pk}#angehalten"]')
        assert link.count() == 1
        with page.expect_navigation():
            link.click()
        page.wait_for_load_state("load")
        screenshot(page, "staff-city-event-held")
        assert not serious_violations(page)
        assert page.locator("mark").count() > 0 and "Diese Nachricht ist angehalten" in page.inner_text("main")
        page.focus("button:has-text('Nachricht freigeben')")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_load_state("load")
        screenshot(page, "staff-city-event-released")
        assert not serious_violations(page)
        assert "Freigegeben. Die Nachricht geht jetzt an alle" in page.inner_text("[role=status]")
        assert "Zustand: wird verteilt" in page.inner_text("main")
