"""Shared fixtures for the plain-language tests.

Why the sys.path lines: this folder is called ``plainlang`` and has no
``__init__.py``; when pytest puts ``tests/`` on ``sys.path`` (and the repo root
is not on it, e.g. with ``.venv/bin/pytest``) ``import plainlang`` would find this
folder as a namespace package instead of the real one. Loading the real package
first prevents that for the whole session.
"""

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("PLAINLANG_BLANK", "1")  # reproducible: never a trained pipeline in tests

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if getattr(sys.modules.get("plainlang"), "__file__", "") is None:
    for name in [m for m in sys.modules if m == "plainlang" or m.startswith("plainlang.")]:
        del sys.modules[name]
import plainlang  # noqa: E402,F401  (the real package, see above)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA
