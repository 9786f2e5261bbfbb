"""Figures on staff pages are written the German way: "16,5", not "16.5"; whole numbers without ",0"."""

import pytest

from notify.formatting import german_decimal


@pytest.mark.parametrize(("value", "text"), [(16.5, "16,5"), (16.0, "16"), (14.44, "14,4"), (None, "–"), (3, "3")])
def test_german_decimal(value, text):
    assert german_decimal(value) == text
