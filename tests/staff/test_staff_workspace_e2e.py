"""Issue 15, done when: an author drafts for three residents and tests it on herself — only she gets
it; an approver approves, it is sent; the delivery log lists the three with channel and status; a
search by one resident's address finds exactly that row; without sign-in the log answers 401.

The real stack: broker, SMTP sink (its Maildir is read back), worker and web; people created with
the CLI, residents imported with the CLI.
"""

from __future__ import annotations

import json
import time
import uuid
from email import message_from_bytes, policy

import httpx
import pytest
from test_staff_e2e import cli, settled

pytestmark = pytest.mark.e2e


def mails(stack) -> list:
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in (stack.data_dir / "mail" / "new").glob("*")]


def bearer(stack, email: str, role: str) -> dict[str, str]:
    added = cli(stack, "staff", "add", email, "--role", role)
    assert added.returncode == 0, added.stderr
    return {"authorization": f"Bearer {added.stdout.strip().splitlines()[-1]}"}


def test_test_send_then_approval_then_the_delivery_log_and_its_search(stack, tmp_path):
    tag = uuid.uuid4().hex[:6]
    csv = tmp_path / "three.csv"
    csv.write_text("email,phone,topics,districts,channels\n"
                   f"ada.{tag}@example.org,,vhs,hassel,email\nben.{tag}@example.org,,vhs,scholven,email\n"
                   ",+4915100777001,vhs,hassel,sms\n")  # fmt: skip
    imported = cli(stack, "subscribers", "import", str(csv))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    author, approver = f"autorin.{tag}@stadt.example", f"freigabe.{tag}@stadt.example"
    h_author, h_approver = bearer(stack, author, "author"), bearer(stack, approver, "approver")
    web = stack.web_url

    title = f"VHS in Hassel: neue Kurse {tag}"
    body = {"title": title, "text": "Die Volkshochschule hat neue Kurse. Sie beginnen im März.", "topics": ["vhs"],
            "area": ["nord"]}  # fmt: skip
    ann = httpx.post(f"{web}/v1/announcements", json=body, headers=h_author, timeout=30).json()
    tested = httpx.post(f"{web}/v1/announcements/{ann['id']}/test", json={}, headers=h_author, timeout=30)
    assert tested.status_code == 200, tested.text
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not [m for m in mails(stack) if title in str(m["Subject"])]:
        time.sleep(0.2)
    got = [(str(m["To"]), str(m["Subject"])) for m in mails(stack) if title in str(m["Subject"])]
    assert got == [(author, f"Test: {title}")]  # only she, and marked

    approved = httpx.post(f"{web}/v1/announcements/{ann['id']}/approve", json={}, headers=h_approver, timeout=30)
    assert approved.status_code == 200 and approved.json()["approved_by"] == approver, approved.text
    sent = httpx.post(f"{web}/v1/announcements/{ann['id']}/send", headers=h_author, timeout=30)
    assert sent.status_code == 200, sent.text
    settled(stack, f"ANN-{ann['id']}")

    log = httpx.get(f"{web}/v1/deliveries", params={"announcement": ann["id"]}, headers=h_author, timeout=30).json()
    assert sorted((r["channel"], r["status"]) for r in log["data"]) == [("email", "sent"), ("email", "sent"), ("sms", "sent")]
    assert len({r["recipient"] for r in log["data"]}) == 3 and "next" not in log["links"]
    found = httpx.get(f"{web}/v1/deliveries", params={"announcement": ann["id"], "q": f"ben.{tag}@example.org"},
                      headers=h_approver, timeout=30).json()["data"]  # fmt: skip
    assert [(r["channel"], r["address"]) for r in found] == [("email", f"ben.{tag}@example.org")]
    assert httpx.get(f"{web}/v1/deliveries", params={"announcement": ann["id"]}, timeout=30).status_code == 401

    real = sorted(str(m["To"]) for m in mails(stack) if str(m["Subject"]) == title)
    assert real == [f"ada.{tag}@example.org", f"ben.{tag}@example.org"]
    sms = [json.loads(x) for x in (stack.data_dir / "outbox" / "sms.jsonl").read_text().splitlines()]
    assert [x["recipient"] for x in sms if tag in x["body"]] == ["+4915100777001"]
