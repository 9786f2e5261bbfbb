"""The workspace's own words pass our plain-language checker (staff read them every day too)."""

from __future__ import annotations

import html
import re

from staff_samples import add_deliveries, add_residents, auth, draft, sign_in

import plainlang


def visible_text(page: str) -> str:
    """Headings, paragraphs, list items, labels and buttons, as sentences."""
    page = re.sub(r"(?s)<(script|style|head|table|svg)\b.*?</\1>", " ", page)
    out = []
    for _, inner in re.findall(r"(?s)<(h1|h2|h3|p|li|legend|button|label)\b[^>]*>(.*?)</\1>", page):
        text = " ".join(re.sub(r"https?://\S+|/\S+|\S+@\S+|P-[0-9a-f]+", "", html.unescape(re.sub(r"<[^>]+>", " ", inner))).split())
        if text and len(text.split()) > 2:
            out.append(text if text[-1] in ".?!:" else text + ".")
    return "\n".join(out)


def test_the_new_pages_read_easily(api):
    ids = add_residents(api.rt.db_url, [([("email", "x@example.org")], [("baustellen", "buer")])])
    add_deliveries(api.rt.db_url, "ANN-5", [(ids[0], "email", "sent")])
    ann = api.post("/v1/announcements", json=draft(), headers=auth(api.tokens["anna"])).json()["id"]
    pages = [api.get(p).text for p in ("/staff/anmelden", "/staff/passwort-vergessen", "/staff/passwort/kaputt")]
    sign_in(api, "admin")
    for path in ("/staff/team", "/staff/profil", "/staff/zustellungen?mitteilung=5", "/staff/ereignisse", "/staff/vorlagen",
                 "/staff/auswertung/publikum", f"/staff/mitteilungen/{ann}"):
        r = api.get(path)
        assert r.status_code in (200, 410), path
        pages.append(r.text)
    failures = []
    for page in pages:
        report = plainlang.check(visible_text(page), "standard")
        officialese = [f.excerpt for f in report.findings if f.rule == "amtsdeutsch"]
        if not report.passed or officialese:
            failures.append((re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)[:40], report.level, report.index, officialese,
                             [(f.rule, f.excerpt) for f in report.findings][:6]))
    assert not failures, failures
