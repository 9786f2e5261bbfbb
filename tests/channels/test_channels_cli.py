"""``notify sms-info``: encoding, billed length and segments as JSON."""

import json

import pytest
import typer
from typer.testing import CliRunner

from notify.cli.channels import register


@pytest.fixture
def app():
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    register(app)
    return app


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hallo Gelsenkirchen", {"encoding": "gsm7", "characters": 19, "segments": 1}),
        ("5 €", {"encoding": "gsm7", "characters": 4, "segments": 1}),
        ("a" * 161, {"encoding": "gsm7", "characters": 161, "segments": 2}),
        ("Yol kapalı 🚧", {"encoding": "ucs2", "characters": 13, "segments": 1}),
    ],
)
def test_sms_info_prints_json(app, text, expected):
    result = CliRunner().invoke(app, ["sms-info", text])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


def test_sms_info_reads_stdin(app):
    result = CliRunner().invoke(app, ["sms-info", "-"], input="Şehir\n")
    assert json.loads(result.stdout) == {"encoding": "ucs2", "characters": 5, "segments": 1}
