"""Days from the command line: the settable clock, a day ahead refused unless simulated,
destructive jobs that ask first (--yes for cron), and the README's exit statuses."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from mynumbercard import bootstrap
from mynumbercard.cli.main import app

from cli_checks import ADMIN, ADMIN_PASSWORD, login, ok, runner, sign_in_admin
from cohorts import cards_expiring
from conftest import CA_PASSPHRASE
from pgcluster import free_port

CLOCK = "2026-11-25T09:30:00+09:00"
TOMORROW = "2026-11-26"


@pytest.fixture
def wired(database_url: str, tmp_path: Path, ca_template: Path,
          monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    home = tmp_path / "home"
    shutil.copytree(ca_template, home / "ca")
    values = {"MYNUMBERCARD_HOME": str(home), "MYNUMBERCARD_DATABASE_URL": database_url,
              "MYNUMBERCARD_CA_PASSPHRASE": CA_PASSPHRASE, "MYNUMBERCARD_CRL_SHARDS": "4",
              "MYNUMBERCARD_CLOCK": CLOCK, "MYNUMBERCARD_ALLOW_SET_CLOCK": "1"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    request.node.admin_totp = sign_in_admin()  # for a test that signs in again
    with bootstrap.container() as container:
        yield container


def test_jobs_take_the_set_clock_s_today(wired: bootstrap.Container):
    ran = json.loads(ok("jobs", "expire", "--yes"))
    assert (ran["from"], ran["on"]) == ("2026-11-25", "2026-11-25")


@pytest.mark.parametrize("job", [
    ["jobs", "expire", "--on", TOMORROW],
    ["jobs", "expire", "--on", TOMORROW, "--since", TOMORROW],
    ["jobs", "card-lapse", "--on", TOMORROW],
    ["jobs", "uncollected", "--out", "letters", "--on", TOMORROW],
    ["jobs", "validity-notices", "--on", TOMORROW],
    ["jobs", "production", "--on", TOMORROW],
    ["jobs", "ship", "--on", TOMORROW],
])
def test_a_day_after_today_is_refused_unless_simulated(wired: bootstrap.Container,
                                                       job: list[str]):
    refused = runner.invoke(app, [*job, "--yes"])
    assert refused.exit_code == 2, refused.output
    assert f"{TOMORROW} is after today (2026-11-25)" in refused.stderr
    assert "--simulate" in refused.stderr
    simulated = runner.invoke(app, [*job, "--simulate"])
    assert simulated.exit_code == 0, simulated.output
    assert "simulated: nothing was changed" in simulated.stderr


def test_validity_notices_simulated_years_ahead_queue_nothing(wired: bootstrap.Container):
    cards_expiring(wired, [date(2030, 2, 25)] * 3)
    simulated = runner.invoke(app, ["jobs", "validity-notices", "--on", "2029-11-25",
                                    "--simulate", "--no-send"])
    assert simulated.exit_code == 0, simulated.output
    answer = json.loads(simulated.stdout.strip().splitlines()[-1])
    assert (answer["card_letters"], answer["simulated"]) == (3, True)
    assert json.loads(ok("mail", "status"))["queued"] == 0  # rolled back
    with wired.uow() as uow:  # the simulation itself is on the record
        actions = [r.action for _, r in uow.audit.list(subject="job", limit=10,
                                                       before_id=None)]
    assert actions == ["simulation:run"]
    assert json.loads(ok("jobs", "validity-notices", "--on", "2026-11-25", "--yes",
                         "--no-send").splitlines()[-1])["card_letters"] == 0


@pytest.mark.parametrize("job", [
    ["jobs", "card-lapse"], ["jobs", "expire"], ["jobs", "validity-notices"],
    ["jobs", "uncollected", "--out", "letters"], ["ca", "renew-ocsp"],
    ["cert", "revoke", "1234abcd", "--reason", "keyCompromise"],
])
def test_a_destructive_job_without_a_terminal_needs_yes(wired: bootstrap.Container,
                                                        job: list[str]):
    refused = runner.invoke(app, job)
    assert refused.exit_code == 2, refused.output
    assert "pass --yes" in refused.stderr


def _on_a_terminal(args: list[str], answer: bytes) -> tuple[int, str]:
    """Run the command with a terminal for standard input, answer its question."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-c",
                                "from mynumbercard.cli.main import run; run()", *args],
                               stdin=follower, stdout=subprocess.PIPE,
                               stderr=follower, env=os.environ.copy())
    os.close(follower)
    said = b""
    deadline = time.monotonic() + 60
    while b"go ahead?" not in said and time.monotonic() < deadline:
        if select.select([leader], [], [], 1)[0]:
            said += os.read(leader, 1024)
    os.write(leader, answer)
    out, _ = process.communicate(timeout=60)
    os.close(leader)
    return process.returncode, said.decode() + out.decode()


def test_on_a_terminal_a_destructive_job_says_what_it_would_do_and_asks(
        wired: bootstrap.Container):
    code, said = _on_a_terminal(["jobs", "card-lapse"], b"n\n")
    assert "this will lapse the cards whose move was not completed in time: 0 cards" in said
    assert code == 1
    code, said = _on_a_terminal(["jobs", "card-lapse"], b"y\n")
    assert code == 0, said
    assert '{"lapsed": 0}' in said


def test_a_set_clock_is_refused_in_production(wired: bootstrap.Container,
                                              monkeypatch: pytest.MonkeyPatch,
                                              request: pytest.FixtureRequest):
    monkeypatch.setenv("MYNUMBERCARD_ENV", "production")
    refused = runner.invoke(app, ["jobs", "expire", "--yes"])
    assert refused.exit_code == 2
    assert "MYNUMBERCARD_CLOCK is set, and this is a production configuration" in refused.stderr
    monkeypatch.delenv("MYNUMBERCARD_CLOCK")
    # On the real clock the session signed in on the set day is long over: sign in again.
    assert runner.invoke(app, ["jobs", "expire", "--yes"]).exit_code == 5
    login(ADMIN, ADMIN_PASSWORD, request.node.admin_totp)
    assert runner.invoke(app, ["jobs", "expire", "--yes"]).exit_code == 0


def test_exit_statuses_are_the_readme_s(wired: bootstrap.Container, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch):
    assert runner.invoke(app, ["number", "check", "123456789018"]).exit_code == 0
    assert runner.invoke(app, ["municipality", "show", "13101"]).exit_code == 0
    assert runner.invoke(app, ["number", "check", "123456789019"]).exit_code == 1
    assert runner.invoke(app, ["rules", "relocation", "--from", "131017",
                               "--to", "13101"]).exit_code == 2  # wrong check digit
    assert runner.invoke(app, ["jobs", "expire", "--on", "2026-02-30"]).exit_code == 2
    assert runner.invoke(app, ["municipality", "show", "99999"]).exit_code == 3
    assert runner.invoke(app, ["cert", "status", "abc123"]).exit_code == 3
    assert runner.invoke(app, ["card", "found", "NO-SUCH-CARD", "--document",
                               "passport"]).exit_code == 3
    assert runner.invoke(app, ["ca", "init"]).exit_code == 4
    assert runner.invoke(app, ["mail", "resume"]).exit_code == 4  # not suspended
    monkeypatch.setenv("MYNUMBERCARD_CA_PASSPHRASE", "not the passphrase")
    assert runner.invoke(app, ["card", "demo", str(tmp_path / "c.json"), "--pin-stdin"],
                         input="1234\nABC123\n").exit_code == 5


def test_serve_states_the_public_url_and_warns_when_it_is_elsewhere(
        wired: bootstrap.Container):
    shown = runner.invoke(app, ["serve", "--help"])
    assert "MYNUMBERCARD_PUBLIC_BASE_URL" in shown.stdout
    port = free_port()
    executable = Path(sys.executable).with_name("mynumbercard")
    with subprocess.Popen([str(executable), "serve", "--port", str(port), "--seal-every", "0"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        assert process.stderr is not None
        first = process.stderr.readline().decode()
        process.terminate()
        process.wait(timeout=10)
    assert first.startswith("warning: MYNUMBERCARD_PUBLIC_BASE_URL is http://127.0.0.1:8000")
    assert f"127.0.0.1:{port}" in first


def test_serve_refuses_a_set_clock_in_production(wired: bootstrap.Container,
                                                 monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MYNUMBERCARD_ENV", "production")
    refused = runner.invoke(app, ["serve", "--port", str(free_port())])
    assert refused.exit_code == 2
    assert "production" in refused.stderr


def test_an_empty_list_is_printed_as_one(wired: bootstrap.Container):
    assert ok("corrections", "list").strip() == "[]"
    shown = ok("municipality", "show", "131016", "--json")
    assert "千代田区" in shown  # Japanese as text, not \\u escapes
    assert json.loads(shown)["code"] == "13101"
