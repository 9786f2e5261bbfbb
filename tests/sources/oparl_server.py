"""The real Hürtgenwald OParl export (SD.NET RIM, ../shared/data/real/oparl) served on 127.0.0.1.

Every link is rewritten to this server; the three stored meeting pages are chained 1 → 11 → 15
through ``links.next`` (the other twelve were not stored). Single organizations answer from the
stored organization list, except those in ``missing`` (404, as real servers do). Documents are
plain dicts, so a test can change a meeting and run again; ``requests`` records what was asked.
"""

from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ORIGIN = "https://sdnetrim.kdvz-frechen.de/rim4220/webservice/oparl/v1.0"
FILES = {"/system": "system", "/body": "body_list", "/body/1/meeting": "meeting_list_page1",
         "/body/1/meeting?page=11": "meeting_list_page11_with_deleted",
         "/body/1/meeting?page=15": "meeting_list_page15_last", "/body/1/organization": "organization_list"}  # fmt: skip


class OParlServer:
    def __init__(self, folder: Path):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/oparl"
        self.docs: dict[str, dict] = {}
        for route, name in FILES.items():
            raw = (folder / f"huertgenwald_sdnet-rim_{name}.json").read_text(encoding="utf-8")
            raw = raw.replace(ORIGIN, self.base)
            raw = raw.replace("meeting?page=2", "meeting?page=11").replace("meeting?page=12", "meeting?page=15")
            self.docs[route] = json.loads(raw)
        self.original = copy.deepcopy(self.docs)
        self.missing: set[str] = set()
        self.requests: list[str] = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.base}/system"

    def meetings(self) -> list[dict]:
        return [m for r in FILES if "meeting" in r for m in self.docs[r]["data"]]

    def organizations(self) -> list[dict]:
        return self.docs["/body/1/organization"]["data"]

    def _route(self, path: str) -> tuple[int, dict | None]:
        parts = urlsplit(path)
        route = parts.path.removeprefix("/oparl")
        page = parse_qs(parts.query).get("page", ["1"])[0]
        if page != "1":
            route += f"?page={page}"
        if route in self.docs:
            return 200, self.docs[route]
        if route.startswith("/body/1/organization/"):
            for org in self.organizations():
                if org["id"].endswith(route) and route.rsplit("/", 1)[-1] not in self.missing:
                    return 200, org
        return 404, None

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                server.requests.append(self.path)
                status, doc = server._route(self.path)
                body = json.dumps(doc or {"error": "not found"}).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self) -> OParlServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
