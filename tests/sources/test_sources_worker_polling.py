"""The worker reads NINA and OParl by itself (NOTIFY_NINA_URLS, NOTIFY_OPARL_URL): its own
stack, with short intervals, against the real samples served on loopback."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from oparl_server import OParlServer
from source_samples import NINA_DIR, OPARL_DIR
from sqlalchemy import select

from notify.devstack import DevStack
from notify.formatting import CITY_TZ
from subscribers.db import session_scope
from subscribers.models import EventRecord

pytestmark = pytest.mark.e2e


@pytest.fixture
def nina_feed():
    body = (NINA_DIR / "legacy_bbk.mowas_gefahrendurchsagen_2022.json").read_bytes()
    hits: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.headers.get("If-None-Match"))
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", '"v1"')
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/bbk.mowas/gefahrendurchsagen.json", hits
    httpd.shutdown()
    httpd.server_close()


def test_the_worker_polls_nina_with_etag_and_oparl_by_itself(tmp_path, nina_feed):
    feed_url, hits = nina_feed
    with OParlServer(OPARL_DIR) as oparl:
        meeting = oparl.docs["/body/1/meeting?page=15"]["data"][-1]
        start = (datetime.now(CITY_TZ) + timedelta(days=7)).replace(microsecond=0)
        meeting["start"], meeting["end"] = start.isoformat(), (start + timedelta(hours=2)).isoformat()
        env = {"NOTIFY_NINA_URLS": feed_url, "NOTIFY_NINA_EVERY": "2", "NOTIFY_OPARL_URL": oparl.url,
               "NOTIFY_OPARL_EVERY": "2", "NOTIFY_SECRET_KEY": "poll"}  # fmt: skip
        stack = DevStack.on_free_ports(tmp_path / "stack", extra_env=env)
        stack.start(timeout=180)
        try:
            url = f"sqlite:///{(stack.data_dir / 'stadtbote.db').resolve()}"
            deadline, found = time.monotonic() + 90, set()
            while time.monotonic() < deadline and (len(found) < 5 or len(hits) < 2):
                with session_scope(url) as s:
                    found = {r[0] for r in s.execute(select(EventRecord.event_id))}
                time.sleep(0.5)
        finally:
            stack.stop()
    nina_ids = {"DE-NW-HER-SE083-20220216-83-000", "DE-NW-BO-SE077-20220218-77-000",
                "DE-NW-D-SE020-20220218-20-000", "DE-NW-RE-SE078-20220218-78-000"}  # fmt: skip
    assert found == nina_ids | {meeting["id"]}  # the four MoWaS messages for Gelsenkirchen, the future meeting
    assert hits[0] is None and '"v1"' in hits[1:]  # the second poll sent the ETag back
