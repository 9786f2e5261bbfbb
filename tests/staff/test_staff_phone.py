"""Staff pages on a phone (320 and 390 px): no sideways scrolling, long links wrap (issue 10,
accessibility details). A real Chromium, axe on each page, screenshots in tests/artifacts/."""

from __future__ import annotations

import pytest
from browser_kit import chromium_page, needs_chromium, screenshot, serious_violations, serve
from staff_samples import PASSWORD, add_people, auth, draft

pytestmark = needs_chromium
LONG_LINK = "https://www.gelsenkirchen.de/de/infrastruktur/stadtplanung/bebauungsplaene/" + "sehr-langer-pfad-" * 8


@pytest.fixture
def server(tmp_path, monkeypatch):
    import socket

    from fastapi.testclient import TestClient

    from notify.pipeline import Runtime
    from notify.settings import Settings
    from notify.web.app import create_app
    from subscribers.db import init_db

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path / "var"))
    rt = Runtime(Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'staff.db'}",
                          secret_key="phone", base_url=f"http://127.0.0.1:{port}", kafka_url="kafka://127.0.0.1:1"))  # fmt: skip
    init_db(rt.db_url)
    tokens = add_people(rt.db_url)
    app = create_app(rt)
    with TestClient(app) as client:
        r = client.post("/v1/announcements", json=draft(link=LONG_LINK, text="Mehr dazu: " + LONG_LINK),
                        headers=auth(tokens["anna"]))  # fmt: skip
        assert r.status_code == 201, r.text
        ann_id = r.json()["id"]
    with serve(create_app(rt), port) as srv:
        srv.base, srv.ann_id = f"http://127.0.0.1:{port}", ann_id
        yield srv


def test_staff_pages_do_not_scroll_sideways_on_a_phone(server):
    with chromium_page(390, 844) as page:
        page.goto(server.base + "/staff")
        page.fill("#email", "anna@stadt.example")
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("button:has-text('Anmelden')")
        for name, path in [("list", "/staff"), ("editor", f"/staff/mitteilungen/{server.ann_id}"),
                           ("new", "/staff/mitteilungen/neu"), ("not-found", "/staff/mitteilungen/abc")]:  # fmt: skip
            page.goto(server.base + path)
            page.wait_for_load_state("load")
            for width in (320, 390):
                page.set_viewport_size({"width": width, "height": 800})
                wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert wide <= 0, f"{path} at {width} px scrolls {wide} px sideways"
            screenshot(page, f"staff-phone-{name}")
            assert not serious_violations(page), path
