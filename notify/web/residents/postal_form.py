"""The postal address as separate form fields (name, street and number, extra line, postcode, town),
the same on the sign-up steps and on the manage page.

The fields are composed into the address lines that ``validation.normalise_postal_address`` checks,
so both pages share its rules and its messages; the stored address is split back into the fields
for the manage page.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

ADDRESS_PARTS = ("street", "address_extra", "postcode", "town")
_LAST_LINE = re.compile(r"^(\d{5})\s+(.+)$")


def read_parts(form: FormData, values: dict[str, Any]) -> None:
    """Copy the address fields into ``values`` and, if any is filled, compose ``postal_address``."""
    for name in ADDRESS_PARTS:
        value = form.get(name)
        values[name] = value.strip() if isinstance(value, str) else ""
    if any(values[n] for n in ("street", "address_extra", "postcode")):  # the town alone is prefilled
        town = " ".join(x for x in (values["postcode"], values["town"]) if x)
        lines = [values.get("name") or "", values["address_extra"], values["street"], town]
        values["postal_address"] = [line for line in lines if line]


def split_address(address: str | None, name: str | None) -> dict[str, str]:
    """A stored address ("Erika Muster | Musterweg 1 | 45894 Gelsenkirchen") back into the fields.

    The first line is the recipient's name when it is the resident's name, or when we know no name
    (an address sent through the API starts with the recipient). Extra lines are kept in one field.
    """
    lines = [line.strip() for line in (address or "").replace("|", "\n").splitlines() if line.strip()]
    if len(lines) < 2:
        return {}
    match = _LAST_LINE.match(lines[-1])
    postcode, town = (match.group(1), match.group(2)) if match else ("", lines[-1])
    before = lines[:-2]
    out = {"street": lines[-2], "postcode": postcode, "town": town}
    if before and (before[0] == name or not name):
        out["name"] = before.pop(0)
    out["address_extra"] = ", ".join(before)
    return out


def error_at_first_field(errors: dict[str, str], values: dict[str, Any]) -> dict[str, str]:
    """Address errors at their fields when the address came as fields: a missing street, postcode
    or town at that field; anything else about the whole address at "Straße und Hausnummer"."""
    errors = dict(errors)
    if any(values.get(n) for n in ADDRESS_PARTS):
        whole = errors.pop("postal_address", None)
        if fields := part_errors(values):
            errors.update(fields)
        elif whole:
            errors["street"] = whole
    return errors


def part_errors(values: dict[str, Any]) -> dict[str, str]:
    """Field by field, before the lines are checked as a whole (only when a letter is wanted)."""
    if "letter" not in (values.get("channels") or []) or not any(values.get(n) for n in ADDRESS_PARTS):
        return {}
    errors: dict[str, str] = {}
    if not values.get("street"):
        errors["street"] = "Bitte schreiben Sie Straße und Hausnummer."
    if not re.fullmatch(r"\d{5}", values.get("postcode") or ""):
        errors["postcode"] = "Eine Postleitzahl hat 5 Ziffern. Zum Beispiel: 45879"
    if not values.get("town"):
        errors["town"] = "Bitte schreiben Sie den Ort. Zum Beispiel: Gelsenkirchen"
    return errors
