"""NINA feeds over real HTTP on loopback: ETag, 304, dashboard → details, seen messages skipped."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from source_samples import NINA_DIR

from notify.sources.alerts import context_for
from notify.sources.nina import poll


@pytest.fixture
def feed():
    """Serves the real legacy MoWaS capture with an ETag, and the dashboard + details fixtures."""
    docs = {
        "/bbk.mowas/gefahrendurchsagen.json": (NINA_DIR / "legacy_bbk.mowas_gefahrendurchsagen_2022.json").read_bytes(),
        "/api31/dashboard/055130000000.json": (NINA_DIR / "api31_dashboard_ha-fixture_sample_warnings.json").read_bytes(),
    }  # fmt: skip
    details = json.loads((NINA_DIR / "api31_warning-details_ha-fixture_sample_warning_details.json").read_bytes())
    for warning_id, body in details.items():
        docs[f"/api31/warnings/{warning_id}.json"] = json.dumps(body).encode()
    seen: list[tuple[str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append((self.path, self.headers.get("If-None-Match")))
            body = docs.get(self.path)
            etag = f'"{hash(body) & 0xFFFF:x}"'
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", docs, seen
    httpd.shutdown()
    httpd.server_close()


def test_a_feed_is_read_once_then_answers_304_and_new_messages_only_are_converted(feed):
    base, docs, requests = feed
    ctx, state = context_for("gelsenkirchen"), {}
    url = f"{base}/bbk.mowas/gefahrendurchsagen.json"
    first = poll(url, ctx, state)
    assert len(first.converted) == 37 and state["etag"]
    assert sum(1 for c in first.converted if c.event is not None) == 4  # the four that name Gelsenkirchen
    second = poll(url, ctx, state)
    assert second.not_modified and second.converted == [] and requests[-1][1] == state["etag"]

    doc = json.loads(docs[url.removeprefix(base)])
    docs[url.removeprefix(base)] = json.dumps(doc[:36] + [dict(doc[36], identifier="NEU-1")]).encode()
    third = poll(url, ctx, state)
    assert [c.identifier for c in third.converted] == ["NEU-1"] and third.skipped_seen == 36


def test_a_dashboard_is_followed_to_the_full_messages(feed):
    base, _docs, requests = feed
    result = poll(f"{base}/api31/dashboard/055130000000.json", context_for("gelsenkirchen"), {})
    assert [c.identifier for c in result.converted] == ["mow.DE-BW-S-SE018-20211102-18-001",
                                                         "mow.DE-NW-BN-SE030-20201014-30-000"]  # fmt: skip
    assert all(c.reason for c in result.converted)  # none is for Gelsenkirchen
    assert any(p.startswith("/api31/warnings/mow.DE-BW-S-SE018") for p, _ in requests)
