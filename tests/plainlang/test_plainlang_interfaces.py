"""The CLI command and the HTTP endpoint, mounted on local apps."""

import json

import pytest
import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from notify.cli.check import register
from notify.web.check import router

EASY = "Wir holen Ihren Müll am Montag ab. Bitte stellen Sie die Tonne an die Straße.\n"


@pytest.fixture(scope="module")
def cli():
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """Keeps "check" a sub-command."""

    return app


@pytest.fixture(scope="module")
def client():
    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


def test_cli_json_single_and_many(cli, data_dir, tmp_path):
    easy = tmp_path / "easy.txt"
    easy.write_text(EASY, encoding="utf-8")
    hard = data_dir / "calibration" / "5_satzung.txt"
    runner = CliRunner()
    one = runner.invoke(cli, ["check", "--format", "json", str(easy)])
    assert one.exit_code == 0, one.output
    assert json.loads(one.stdout)["passed"] is True
    both = runner.invoke(cli, ["check", "-f", "json", "-p", "standard", str(easy), str(hard)])
    assert both.exit_code == 1
    data = json.loads(both.stdout)
    assert [r["passed"] for r in data] == [True, False]


def test_cli_text_and_stdin(cli):
    result = CliRunner().invoke(cli, ["check", "-"], input="Die Straße wird gesperrt.\n")
    assert result.exit_code in (0, 1)
    assert "passive" in result.stdout


@pytest.mark.parametrize(
    "args",
    [["check", "missing-file.txt"], ["check", "-p", "schwer", "-"], ["check", "-f", "xml", "-"]],
)
def test_cli_usage_errors(cli, args):
    result = CliRunner().invoke(cli, args, input="Hallo.")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_http_check(client):
    response = client.post("/v1/check", json={"text": EASY, "profile": "leicht"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"profile", "level", "index", "passed", "metrics", "findings"}
    assert body["profile"] == "leicht"


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"text": "Hallo.", "profile": "schwer"}, 400),
        ({"text": "   "}, 400),
        ({"text": "x" * 100_001}, 422),
        ({}, 422),
    ],
)
def test_http_errors(client, payload, status):
    assert client.post("/v1/check", json=payload).status_code == status
