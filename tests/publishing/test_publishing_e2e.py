"""Done-when of the publishing issue, on the real stack (broker, worker, web, SMTP sink).

An event with dates goes in over HTTP for a resident who gets SMS: the archive lists it, the SMS
carries /m/<code> that opens the message page, the feeds and the calendar hold it and parse with
common readers, /v1/messages has it, a "Nein" reaches the staff's feedback view.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import feedparser
import httpx
import icalendar
import pytest

pytestmark = pytest.mark.e2e


def cli(stack, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "notify", *args], env=stack.env, capture_output=True, text=True,
                          input=stdin, timeout=120)  # fmt: skip


def sms_to(stack, phone: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    outbox = stack.data_dir / "outbox" / "sms.jsonl"
    while time.monotonic() < deadline:
        if outbox.exists():
            for line in outbox.read_text().splitlines():
                row = json.loads(line)
                if row["recipient"].endswith(phone.lstrip("+")):
                    return row
        time.sleep(0.3)
    raise AssertionError(f"no SMS to {phone} within {timeout} s")


def cookie_header(response: httpx.Response, into: dict[str, str]) -> dict[str, str]:
    """The test talks plain HTTP to a stack that believes it is served over HTTPS: secure cookies
    are carried by hand."""
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        into[name.strip()] = rest.split(";", 1)[0]
    return {"cookie": "; ".join(f"{k}={v}" for k, v in into.items())}


def test_an_event_with_dates_is_published_linked_in_the_sms_fed_and_gets_feedback(stack, tmp_path):
    tag = uuid.uuid4().hex[:6]
    phone = "+491511" + str(int(tag, 16) % 10_000_000).zfill(7)
    csv = tmp_path / "people.csv"
    # "wahlen" is a topic no other e2e test uses
    csv.write_text(f"email,topics,districts,channels,phone\n,wahlen,buer,sms,{phone}\n")
    assert cli(stack, "subscribers", "import", str(csv)).returncode == 0
    key = cli(stack, "keys", "create", "--name", f"Wahlamt {tag}", "--scope", "events:write").stdout.strip().splitlines()[-1]
    title = f"Wahlhelfer gesucht {tag}"
    event = {"specversion": "1.0", "id": f"PUB-{tag}", "source": "/e2e/wahlamt", "type": "de.gelsenkirchen.wahl",
             "data": {"title": title, "text": "Die Stadt sucht Menschen, die bei der Wahl helfen. Melden Sie sich bis Freitag.",
                      "topics": ["wahlen"], "area": ["buer"],
                      "starts_at": "2027-03-14T08:00:00+01:00", "ends_at": "2027-03-14T18:00:00+01:00"}}  # fmt: skip
    time.sleep(2)  # the worker's index learns about the new resident from the change stream
    posted = httpx.post(f"{stack.web_url}/v1/events", content=json.dumps(event), timeout=30,
                        headers={"authorization": f"Bearer {key}", "content-type": "application/cloudevents+json"})  # fmt: skip
    assert posted.status_code == 202, posted.text

    sms = sms_to(stack, phone)
    code = re.search(r"https://stadtbote\.test/m/([a-z2-9]{1,8})\b", sms["body"])
    assert code, sms["body"]
    assert "/verwalten/" not in sms["body"]  # the full text, never the settings page
    web = httpx.Client(base_url=stack.web_url, timeout=30)
    assert title in web.get("/meldungen").text
    hop = web.get(f"/m/{code.group(1)}")
    assert hop.status_code == 302
    page = web.get(hop.headers["location"])
    assert page.status_code == 200 and title in page.text and "14. März 2027 um 8:00 Uhr" in page.text
    message_id = int(hop.headers["location"].split("/")[2].split("?")[0])

    atom = feedparser.parse(web.get("/meldungen/feed.atom", params={"thema": "wahlen", "gebiet": "buer"}).content)
    assert not atom.bozo and title in [e.title for e in atom.entries]
    feed = web.get("/meldungen/feed.json", params={"thema": "politik"}).json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and isinstance(feed["title"], str)
    (item,) = [i for i in feed["items"] if i["title"] == title]
    assert item["id"] and item["content_text"] and datetime.fromisoformat(item["date_published"])
    cal = icalendar.Calendar.from_ical(web.get("/meldungen/kalender.ics", params={"thema": "wahlen"}).content)
    starts = {str(e["summary"]): e.decoded("dtstart") for e in cal.walk("VEVENT")}
    assert starts[title] == datetime(2027, 3, 14, 7, 0, tzinfo=UTC)
    etag = web.get("/meldungen/feed.atom").headers["etag"]
    assert web.get("/meldungen/feed.atom", headers={"if-none-match": etag}).status_code == 304
    data = web.get("/v1/messages", params={"topic": "wahlen", "area": "buer"}).json()["data"]
    assert [d["starts_at"] for d in data if d["title"] == title] == ["2027-03-14T07:00:00Z"]

    cookies: dict[str, str] = {}
    question = web.get(f"/meldungen/{message_id}/verstaendlich")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', question.text).group(1)
    vote = web.post(f"/meldungen/{message_id}/verstaendlich", headers=cookie_header(question, cookies),
                    data={"csrf_token": csrf, "verstanden": "nein", "kommentar": f"Was macht ein Wahlhelfer? {tag}"})  # fmt: skip
    assert vote.status_code == 200 and "Danke" in vote.text

    password = "ein-langes-passwort-" + tag
    added = cli(stack, "staff", "add", f"presse.{tag}@stadt.example", "--role", "author", "--password-stdin",
                stdin=password + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    staff_cookies: dict[str, str] = {}
    form = web.get("/staff/anmelden")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    signed_in = web.post("/staff/anmelden", headers=cookie_header(form, staff_cookies),
                         data={"csrf_token": csrf, "email": f"presse.{tag}@stadt.example", "password": password})  # fmt: skip
    assert signed_in.status_code == 303
    board = web.get("/staff/verstaendlichkeit", headers=cookie_header(signed_in, staff_cookies))
    assert board.status_code == 200
    row = board.text[board.text.index(title):]
    row = row[: row.index("</tr>")]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    # Fassung, Verständlich (0–20), Gesendet, Seitenaufrufe, Ja, Nein, Kommentare
    assert re.fullmatch(r"1?\d(,\d)?", cells[1]), cells[1]  # the editor's 0–20 index, written "16,5"
    assert cells[2] == "1" and int(cells[3]) >= 1 and cells[4] == "0 (0 %)" and cells[5] == "1 (100 %)" and "Was macht ein Wahlhelfer" in cells[6]

    for path in ("/impressum", "/barrierefreiheit"):
        assert web.get(path).status_code == 200


def wait_for(check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.3)
    raise AssertionError("not within the time")


def test_pages_and_feeds_kept_by_the_web_process_show_a_correction_the_worker_published(stack):
    tag = uuid.uuid4().hex[:6]
    key = cli(stack, "keys", "create", "--name", f"Tiefbau {tag}", "--scope", "events:write").stdout.strip().splitlines()[-1]
    headers = {"authorization": f"Bearer {key}", "content-type": "application/cloudevents+json"}
    web = httpx.Client(base_url=stack.web_url, timeout=30)

    def post(event_id: str, title: str, **extra) -> None:
        event = {"specversion": "1.0", "id": event_id, "source": "/e2e/tiefbau", "type": "de.gelsenkirchen.baustelle",
                 "data": {"title": title, "text": "Die Straße ist gesperrt. Die Busse fahren eine Umleitung.",
                          "topics": ["baustellen"], "area": ["horst"]}, **extra}  # fmt: skip
        assert httpx.post(f"{stack.web_url}/v1/events", content=json.dumps(event), headers=headers,
                          timeout=30).status_code == 202  # fmt: skip

    feed = "/meldungen/feed.atom?thema=baustellen&gebiet=horst"
    post(f"BAU-{tag}", f"Sperrung am Markt {tag}")
    first = wait_for(lambda: next((e for e in feedparser.parse(web.get(feed).content).entries
                                   if e.title == f"Sperrung am Markt {tag}"), None))  # fmt: skip
    page_url = first.link.removeprefix("https://stadtbote.test")
    assert "Die Stadt hat diese Meldung geändert." not in web.get(page_url).text  # now kept by the web process

    post(f"BAU-{tag}-2", f"Korrektur: Sperrung erst ab Dienstag {tag}", corrects=f"BAU-{tag}")
    titles = wait_for(lambda: (t := [e.title for e in feedparser.parse(web.get(feed).content).entries])
                      and t[0] == f"Korrektur: Sperrung erst ab Dienstag {tag}" and t)  # fmt: skip
    assert f"Sperrung am Markt {tag}" in titles  # the earlier entry is still there
    page = web.get(page_url).text
    assert "Die Stadt hat diese Meldung geändert." in page and f"Sperrung erst ab Dienstag {tag}" in page
