"""The CLI's set-up commands as a newcomer types them, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mynumbercard.cli.main import app

from cli_checks import sign_in_admin
from pgcluster import free_port

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"MYNUMBERCARD_HOME": str(tmp_path / "home"),
              "MYNUMBERCARD_DATABASE_URL": database_url}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def test_db_upgrade_is_idempotent_and_demo_load_fills_the_register(
        env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    first = runner.invoke(app, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    from mynumbercard.adapters.db import migrate  # noqa: PLC0415
    from mynumbercard.adapters.db.engine import make_engine  # noqa: PLC0415

    engine = make_engine(env["MYNUMBERCARD_DATABASE_URL"])
    head = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_current_head()
    engine.dispose()
    assert f"revision {head}" in first.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    loaded = runner.invoke(app, ["demo", "load", "--residents", "300"])
    assert loaded.exit_code == 0, loaded.output
    assert "clerk-chiyoda" in loaded.output
    # A year of walk-ins at the demo offices: the weekday 10:00-12:00 peak is forecast.
    crowding = json.loads(runner.invoke(app, ["offices", "crowding", "13101", "--days",
                                              "7"]).output)
    weekday = next(d for d in crowding["days"]
                   if d["open"] and date.fromisoformat(d["date"]).weekday() < 5)
    waits = {h["hour"]: h["expected_wait_minutes"] for h in weekday["hours"]}
    assert max(waits, key=lambda hour: waits[hour] or 0) in (10, 11), waits
    assert "OCSP answer store built" in loaded.output
    again = runner.invoke(app, ["demo", "load", "--residents", "300"])
    assert "loaded already" in again.output
    # The demo's responder answers from its store: /healthz says ok.
    monkeypatch.setenv("MYNUMBERCARD_CA_PASSPHRASE_FILE",
                       str(Path(env["MYNUMBERCARD_HOME"]) / "secrets" / "ca-passphrase"))
    from mynumbercard.bootstrap import container  # noqa: PLC0415

    with container() as wired:
        follower = wired.ocsp_answers
        follower.sync_once()
        assert follower.status()["state"] == "ok"


def test_staff_add_reads_the_password_from_stdin_and_never_prints_it(env: dict[str, str]):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    sign_in_admin()
    password = "a very secret passphrase"
    added = runner.invoke(app, ["staff", "add", "clerk-kita", "--role", "clerk",
                                "--municipality", "011029", "--password-stdin"],
                          input=password + "\n")
    assert added.exit_code == 0, added.output
    assert password not in added.output
    duplicate = runner.invoke(app, ["staff", "add", "clerk-kita", "--role", "auditor",
                                    "--password-stdin"], input=password + "\n")
    assert duplicate.exit_code == 4
    assert "exists already" in duplicate.output
    no_town = runner.invoke(app, ["staff", "add", "clerk-x", "--role", "clerk",
                                  "--password-stdin"], input=password + "\n")
    assert no_town.exit_code == 2


@pytest.mark.parametrize(("code", "status", "expected"), [
    ("011002", 0, "札幌市"),
    ("141011", 0, "横浜市"),  # the ward shows its designated city
    ("131016", 0, "千代田区"),
    ("131017", 2, "check digit"),
    ("999997", 3, "no municipality"),
    ("12ab", 2, "5 digits, or 6 with its check digit"),
    ("13101", 0, "千代田区"),  # 5 digits, as people type them
])
def test_municipality_show(code: str, status: int, expected: str):
    shown = runner.invoke(app, ["municipality", "show", code])
    assert shown.exit_code == status, shown.output
    assert expected in shown.output


def test_municipality_show_json():
    shown = runner.invoke(app, ["municipality", "show", "141011", "--json"])
    assert json.loads(shown.output) == {
        "code": "14101", "name": "横浜市鶴見区", "kana": "ヨコハマシツルミク",
        "prefecture": "神奈川県", "prefecture_kana": "カナガワケン",
        "designated_city": {"code": "14100", "name": "横浜市"},
    }


def test_serve_answers_on_the_given_port(env: dict[str, str]):
    executable = Path(sys.executable).with_name("mynumbercard")
    assert executable.exists(), "the console script is installed with the package"
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    port = free_port()
    with subprocess.Popen(
        [executable, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    ) as server:
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    url = f"http://127.0.0.1:{port}/healthz"
                    with urllib.request.urlopen(url) as reply:
                        assert json.load(reply)["status"] == "ok"
                        break
                except OSError:
                    assert server.poll() is None, "the server exited"
                    assert time.monotonic() < deadline, "the server did not answer within 30 s"
                    time.sleep(0.2)
            lookup = f"http://127.0.0.1:{port}/api/v1/numbers/123456789018/validity"
            with urllib.request.urlopen(lookup) as reply:
                assert json.load(reply)["valid"] is True
        finally:
            server.terminate()
            server.wait(timeout=10)
        log = server.stdout.read().decode() if server.stdout else ""
    assert "/api/v1/numbers/<number>/validity" in log  # logged, but not the number
    assert "123456789018" not in log
