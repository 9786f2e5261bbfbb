"""Fixtures for the channel tests (samples live in channel_samples.py)."""

import pytest
from channel_samples import make_context


@pytest.fixture
def context():
    return make_context()
