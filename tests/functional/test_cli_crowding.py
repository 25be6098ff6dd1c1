"""`mynumbercard walk-ins add|mark` and `offices crowding|handoff` (docs/offices.md
"Crowding"): the clerk records a walk-in and its service, the forecast reads it a week on,
the hand-off answer names why it is not proposed; bad input is an exit status."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyotp
import pytest

from mynumbercard.cli.main import app

from cli_checks import ADMIN, ADMIN_PASSWORD, login, ok, runner, sign_in_admin
from conftest import CA_PASSPHRASE

CSV = ("code,name,postal_code,address,phone,counters,mon,tue,wed,thu,fri,handoff_wait_minutes\n"
       "13101,千代田区役所,1028688,東京都千代田区九段南1-2-1,03-3264-2111,2,08:30-17:15,"
       "08:30-17:15,08:30-17:15,08:30-17:15,08:30-17:15,30\n")


@pytest.fixture
def admin(database_url: str, tmp_path: Path, ca_template: Path,
          monkeypatch: pytest.MonkeyPatch) -> pyotp.TOTP:
    """The data directory and database with one office; the signed-in administrator's
    second factor (to sign in again as the clock moves on)."""
    home = tmp_path / "home"
    shutil.copytree(ca_template, home / "ca")
    for key, value in {"MYNUMBERCARD_HOME": str(home), "MYNUMBERCARD_DATABASE_URL": database_url,
                       "MYNUMBERCARD_CA_PASSPHRASE": CA_PASSPHRASE,
                       "MYNUMBERCARD_CRL_SHARDS": "4", "MYNUMBERCARD_ALLOW_SET_CLOCK": "1",
                       "MYNUMBERCARD_CLOCK": "2026-11-30T10:00:00+09:00"}.items():
        monkeypatch.setenv(key, value)
    for key in ("MYNUMBERCARD_TOKEN", "MYNUMBERCARD_CREDENTIAL_FILE"):
        monkeypatch.delenv(key, raising=False)
    totp = sign_in_admin()
    path = tmp_path / "offices.csv"
    path.write_text(CSV, encoding="utf-8")
    ok("offices", "load", str(path))
    return totp


def test_walk_ins_the_forecast_and_the_hand_off_answer(
        admin: pyotp.TOTP, monkeypatch: pytest.MonkeyPatch) -> None:
    made = json.loads(ok("walk-ins", "add", "13101", "--purpose", "pin_unlock"))
    assert (made["status"], made["purpose"]) == ("waiting", "pin_unlock")
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-11-30T10:35:00+09:00")
    login(ADMIN, ADMIN_PASSWORD, admin)  # a session lasts 15 minutes
    assert json.loads(ok("walk-ins", "mark", str(made["id"]), "started"))["status"] == (
        "in_service")
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-11-30T10:45:00+09:00")
    assert json.loads(ok("walk-ins", "mark", str(made["id"]), "ended"))["status"] == "done"
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-12-07T10:00:00+09:00")
    login(ADMIN, ADMIN_PASSWORD, admin)
    found = json.loads(ok("offices", "crowding", "13101", "--days", "1"))  # 3 weeks to 28/12
    assert found["days"][0]["hours"][2] == {"hour": 10, "expected_wait_minutes": 35,
                                            "level": "moderate", "season_week": 3}
    refused = runner.invoke(app, ["offices", "handoff", "13101", "NO-SUCH-CARD"])
    assert refused.exit_code == 3, refused.output
    assert "no card with this number" in refused.output


@pytest.mark.parametrize(("args", "code", "message"), [
    (["walk-ins", "add", "99999"], 3, "no office 99999"),
    (["walk-ins", "mark", "424242", "started"], 3, "no walk-in 424242"),
    (["walk-ins", "mark", "1", "later"], 2, "later"),
    (["walk-ins", "add", "13101", "--purpose", "coffee"], 2, "coffee"),
    (["offices", "crowding", "13101", "--days", "99"], 2, "--days"),
    (["offices", "crowding", "13101", "--from", "2026-02-30"], 2, "--from"),
])
def test_bad_input_is_an_exit_status_and_a_message(
        admin: pyotp.TOTP, args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
