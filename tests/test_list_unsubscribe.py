"""``List-Unsubscribe`` stays a plain ``<https://…>`` on every path, also with a long public address.

Mail providers read the header as it is on the wire; an RFC 2047-encoded one (``=?utf-8?q?=3Chttp…``)
means no one-click unsubscribe. The checks read the real bytes the SMTP sink received.
"""

from __future__ import annotations

import re

import pytest
from test_dispatch import dispatch, resident, send_event, sink  # noqa: F401 - fixture

from notify.pipeline import Runtime
from notify.settings import Settings
from notify.web.residents.messages import send_email
from subscribers.db import init_db

LONG_BASE = "https://" + "buergerservice-benachrichtigungen." * 3 + "stadt-gelsenkirchen.example/stadtbote/x"
assert len(LONG_BASE) >= 120


@pytest.fixture
def long_rt(tmp_path, sink, monkeypatch):  # noqa: F811
    port, _ = sink
    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path / "var"))
    url = f"sqlite:///{tmp_path / 'd.db'}"
    init_db(url)
    settings = Settings(data_dir=tmp_path / "var", database_url=url, smtp_url=f"smtp://127.0.0.1:{port}",
                        secret_key="k", base_url=LONG_BASE)  # fmt: skip
    return Runtime(settings)


def raw_headers(maildir) -> list[dict[str, str]]:
    """Each received message's headers as they are on the wire (unfolded, not decoded)."""
    out = []
    for path in sorted((maildir / "new").glob("*")):
        head = path.read_bytes().split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8")
        unfolded = re.sub(r"\r?\n[ \t]+", " ", head)
        lines = [line.rstrip("\r") for line in unfolded.split("\n")]
        out.append({k.lower(): v for k, _, v in (line.partition(": ") for line in lines)})
    return out


def assert_plain(headers: dict[str, str]) -> None:
    value = headers["list-unsubscribe"]
    assert "=?" not in value
    assert re.fullmatch(rf"<{re.escape(LONG_BASE)}/abmelden/[A-Za-z0-9._-]+>", value), value
    assert headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize("address", ["anna@example.org", "jürgen@bürger.example"])
async def test_event_mail_has_a_plain_list_unsubscribe_header(long_rt, sink, address):  # noqa: F811
    resident(long_rt, [("email", address)])
    [outcome] = await dispatch(long_rt, send_event(long_rt))
    assert outcome.status == "sent", outcome.error
    [headers] = raw_headers(sink[1])
    assert_plain(headers)


async def test_confirmation_mail_has_a_plain_list_unsubscribe_header(long_rt, sink):  # noqa: F811
    unsubscribe = long_rt.signer.url("unsubscribe", "p-1")
    context = {"confirm_url": f"{LONG_BASE}/bestaetigen/abc", "hours": 72, "privacy_url": f"{LONG_BASE}/datenschutz",
               "ordered": ["Baustellen in Buer"]}
    ok = await send_email(long_rt, "neu@example.org", "confirm", context, language="de", profile="standard",
                          unsubscribe_url=unsubscribe)  # fmt: skip
    assert ok
    [headers] = raw_headers(sink[1])
    assert_plain(headers)
