"""`mail suspend|resume|status`, `jobs validity-notices`, `jobs audit-validity`, `corrections`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update

from mynumbercard import bootstrap
from mynumbercard.adapters.db.migrate import upgrade
from mynumbercard.adapters.db.tables import cards
from mynumbercard.cli.main import app

from cli_checks import ok, runner, sign_in_admin
from cohorts import cards_expiring


@pytest.fixture
def wired(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MYNUMBERCARD_HOME", str(tmp_path))
    monkeypatch.setenv("MYNUMBERCARD_DATABASE_URL", database_url)
    with bootstrap.container() as container:
        upgrade(container.engine)
        sign_in_admin()
        yield container


def test_suspend_queue_resume_send(wired: bootstrap.Container, tmp_path: Path) -> None:
    cards_expiring(wired, [date(2027, 2, 25)] * 3)
    assert json.loads(ok("mail", "suspend", "--reason", "emergency"))["suspended"] is True
    assert runner.invoke(app, ["mail", "suspend", "--reason", "x"]).exit_code == 4
    queued = json.loads(ok("jobs", "validity-notices", "--on", "2026-11-25",
                            "--yes").splitlines()[-1])
    assert (queued["card_letters"], queued["sent"]) == (3, 0)
    assert json.loads(ok("mail", "status"))["queued"] == 3
    resumed = json.loads(ok("mail", "resume", "--out", str(tmp_path / "out")))
    assert (resumed["sent_now"], resumed["queued"], resumed["sent"]) == (3, 0, 3)
    assert len(list((tmp_path / "out").glob("mail-*.pdf"))) == 1
    again = json.loads(ok("jobs", "validity-notices", "--on", "2026-11-25",
                          "--yes").splitlines()[-1])
    assert again["card_letters"] == 0


def test_audit_validity_reports_by_municipality_and_cause(wired: bootstrap.Container) -> None:
    (card,) = cards_expiring(wired, [date(2030, 1, 1)])
    with wired.engine.begin() as conn:  # issued 2020-01-01: no birthday rule gives 2030-01-01
        conn.execute(update(cards).where(cards.c.id == card).values(expires_on=date(2040, 1, 1)))
    answer = json.loads(ok("jobs", "audit-validity", "--json"))
    assert answer["findings"] == 1
    assert answer["by_municipality"][0]["findings"] == 1
    (case,) = json.loads(ok("corrections", "list"))
    assert case["card_id"] == card
    assert json.loads(ok("corrections", "dismiss", str(case["id"])))["status"] == "dismissed"
    assert "findings" in ok("jobs", "audit-validity", "--report")
