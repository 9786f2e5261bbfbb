"""The real samples (``../shared/data/real``, described in its SOURCES.md) and documents derived
from them for cases no real sample covers (a DWD warning *for Gelsenkirchen*, its Cancel).

Derived documents change only what the test needs (the warn cell, times, msgType) and say so.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_CANDIDATES = (ROOT.parent / "shared" / "data" / "real", ROOT.parents[1] / "shared" / "data" / "real",
               Path("/work/shared/data/real"))  # fmt: skip
REAL = next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[0])
CAP_DIR, NINA_DIR, OPARL_DIR = REAL / "cap", REAL / "nina", REAL / "oparl"
MUL = CAP_DIR / "dwd_2023-06-23_update_starkregen_MUL_8lang.xml"
BERCHTESGADEN = CAP_DIR / "dwd_2018-12-11_alert_leichter_schneefall_berchtesgaden.xml"


def files(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern)) if folder.is_dir() else []


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def gelsenkirchen_warning(tag: str, msg_type: str = "Alert", references: str | None = None,
                          severity: str = "Severe", hours: int = 6) -> bytes:  # fmt: skip
    """The real 8-language DWD heavy-rain warning, moved to Gelsenkirchen: every area becomes the
    city's warn cell 805513000 (polygons dropped), times move to now, identifier and msgType
    are the test's. Its texts (German and seven translations) stay the DWD's."""
    xml = MUL.read_text(encoding="utf-8")
    now = datetime.now(UTC)
    ident = f"2.49.0.0.276.0.DWD.PVW.TEST.{tag}.{msg_type}"
    xml = re.sub(r"<identifier>[^<]+</identifier>", f"<identifier>{ident}</identifier>", xml, count=1)
    xml = re.sub(r"<msgType>[^<]+</msgType>", f"<msgType>{msg_type}</msgType>", xml, count=1)
    refs = f"<references>{references}</references>" if references else ""
    xml = re.sub(r"<references>[^<]*</references>", refs, xml, count=1)
    xml = re.sub(r"<severity>[^<]+</severity>", f"<severity>{severity}</severity>", xml)
    xml = re.sub(r"<sent>[^<]+</sent>", f"<sent>{_iso(now)}</sent>", xml, count=1)
    xml = re.sub(r"<(effective|onset)>[^<]+</\1>", lambda m: f"<{m[1]}>{_iso(now)}</{m[1]}>", xml)
    xml = re.sub(r"<expires>[^<]+</expires>", f"<expires>{_iso(now + timedelta(hours=hours))}</expires>", xml)
    xml = re.sub(r"<headline>([^<]+)</headline>", lambda m: f"<headline>{m[1]} {tag}</headline>", xml)
    area = ("<area><areaDesc>Stadt Gelsenkirchen</areaDesc><geocode><valueName>WARNCELLID</valueName>"
            "<value>805513000</value></geocode></area>")  # fmt: skip
    xml = re.sub(r"(?s)(<area>.*?</area>\s*)+", area, xml)
    return xml.encode("utf-8")


def reference(sender: str, identifier: str, sent: str = "2023-06-23T11:14:00+02:00") -> str:
    return f"{sender},{identifier},{sent}"
