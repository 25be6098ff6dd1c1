"""`residents find`, `applications list|show`, `card show` on a generated register, and
`jobs production` naming the cards it made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.tables import applications, cards, residents
from mynumbercard.cli.main import app

from cli_checks import sign_in_admin

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MYNUMBERCARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MYNUMBERCARD_DATABASE_URL", database_url)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    made = runner.invoke(app, ["residents", "generate", "--count", "300", "--with-cards",
                               "--seed", "7", "--today", "2026-11-25"])
    assert made.exit_code == 0, made.output
    monkeypatch.delenv("MYNUMBERCARD_TOKEN", raising=False)
    sign_in_admin()  # the look-ups are a signed-in member's
    return database_url


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_find_show_and_list_on_a_generated_register(env: str) -> None:
    engine = make_engine(env)
    with engine.connect() as conn:
        card = conn.execute(select(cards.c.card_number, cards.c.resident_id)).first()
        holder = conn.execute(select(residents).where(residents.c.id == card.resident_id)).one()
        application_id = conn.scalar(select(applications.c.application_id)
                                     .where(applications.c.resident_id == holder.id))
    engine.dispose()

    by_number = runner.invoke(app, ["residents", "find", "--number", holder.individual_number])
    assert [r["id"] for r in _lines(by_number.output)] == [holder.id], by_number.output
    hiragana = holder.family_name_kana.translate(
        {c: c - 0x60 for c in range(0x30A1, 0x30F7)})
    by_name = runner.invoke(app, ["residents", "find", "--name", hiragana,
                                  "--birth-date", holder.birth_date.isoformat()])
    assert holder.id in [r["id"] for r in _lines(by_name.output)], by_name.output
    by_address = runner.invoke(app, ["residents", "find", "--postal-code", holder.postal_code,
                                     "--address", holder.address[:3]])
    assert holder.id in [r["id"] for r in _lines(by_address.output)], by_address.output

    shown = runner.invoke(app, ["card", "show", card.card_number])
    assert shown.exit_code == 0, shown.output
    view = json.loads(shown.output)
    assert view["resident_id"] == holder.id
    assert {c["kind"] for c in view["certificates"]} <= {"sign", "auth"}

    application = runner.invoke(app, ["applications", "show", application_id])
    assert json.loads(application.output)["resident_id"] == holder.id, application.output

    first = runner.invoke(app, ["applications", "list", "--status", "handed_over",
                                "--limit", "2"])
    page = _lines(first.output)
    assert len(page) == 3, first.output
    assert "next" in page[-1]
    second = runner.invoke(app, ["applications", "list", "--status", "handed_over",
                                 "--limit", "2", "--after", page[-1]["next"]])
    later = _lines(second.output)
    assert (later[0]["received_on"], later[0]["id"]) > (page[1]["received_on"], page[1]["id"])


def test_bad_input_is_a_message_and_an_exit_status(env: str) -> None:
    for args in (["applications", "show", "1234-5678-9012-3456-7890-123"],
                 ["card", "show", "no_pe!"],
                 ["residents", "find", "--name", "やまだ"],
                 ["applications", "list", "--status", "received", "--after", "x"]):
        failed = runner.invoke(app, args)
        assert failed.exit_code == 2, (args, failed.output)
        assert "Traceback" not in failed.output
    assert runner.invoke(app, ["card", "show", "nope"]).exit_code == 3  # a number: unknown
    unknown = runner.invoke(app, ["card", "show", "0" * 16])
    assert unknown.exit_code != 0
    assert "no card with this number" in unknown.output
