"""The staff fixtures for every test module here (modules that import them themselves still may)."""

from staff_samples import api, mail_api, sink  # noqa: F401
