"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set), the city
pack, and the real embedded stack (broker, SMTP server, worker, web) for end-to-end tests."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from notify.devstack import DevStack
from notify.pipeline import Runtime
from notify.settings import Settings
from subscribers.db import get_engine, init_db
from topics.catalogue import load_catalogue

PG_URL = os.environ.get("TEST_DATABASE_URL")


def _pg_schema_url(base: str) -> tuple[str, str]:
    """A fresh PostgreSQL schema per test, so tests never see each other's rows."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path):
    """Every database test runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        init_db(url)
        yield url
        get_engine(url).dispose()
        return
    if not PG_URL:
        pytest.skip("PostgreSQL: TEST_DATABASE_URL is not set (.ci/run sets it when the local server answers)")
    url, schema = _pg_schema_url(PG_URL)
    init_db(url)
    yield url
    get_engine(url).dispose()
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue("gelsenkirchen")


@pytest.fixture
def runtime(tmp_path: Path, db_url: str) -> Runtime:
    settings = Settings(
        data_dir=tmp_path / "var", database_url=db_url, secret_key="test-secret", base_url="https://stadtbote.test"
    )
    return Runtime(settings)


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> DevStack:
    """The real embedded stack on free ports, shared by the end-to-end tests of a session."""
    data_dir = tmp_path_factory.mktemp("stack")
    extra = {"NOTIFY_SECRET_KEY": "e2e-secret", "NOTIFY_BASE_URL": "https://stadtbote.test"}
    s = DevStack.on_free_ports(data_dir, extra_env=extra)
    s.start(timeout=180)
    yield s
    s.stop()


@pytest.fixture
def plain_runtime(tmp_path: Path) -> Runtime:
    """A runtime for tests that render or sign but do not care which database is behind it."""
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    settings = Settings(
        data_dir=tmp_path / "var", database_url=url, secret_key="test-secret", base_url="https://stadtbote.test"
    )
    return Runtime(settings)
