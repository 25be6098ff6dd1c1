"""Every counter and operator command acts as a signed-in member (or a cron job's service
account), checked as the API checks, and named in the audit log."""

from __future__ import annotations

import hashlib
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.tables import audit_log, cards, residents, sessions
from mynumbercard.cli.main import app

from cli_checks import ADMIN, bootstrap_admin, login, ok, runner

PASSWORD = "a long staff password"


def _home(env: dict[str, str]) -> Path:
    return Path(env["MYNUMBERCARD_HOME"])


def _actors(env: dict[str, str], action: str) -> list[str]:
    engine = make_engine(env["MYNUMBERCARD_DATABASE_URL"])
    with engine.connect() as conn:
        found = conn.scalars(select(audit_log.c.actor).where(audit_log.c.action == action)
                             .order_by(audit_log.c.id)).all()
    engine.dispose()
    return list(found)


def _add(username: str, role: str, *extra: str) -> None:
    ok("staff", "add", username, "--role", role, *extra, "--password-stdin",
       stdin=PASSWORD + "\n")


def _demo_card(path: Path) -> dict[str, str]:
    made: dict[str, str] = json.loads(ok("card", "demo", str(path), "--pin-stdin",
                                         stdin="1234\nABC123\n"))
    return made


def test_commands_without_a_sign_in_are_refused_and_say_how(env: dict[str, str],
                                                             tmp_path: Path):
    ok("staff", "logout")
    assert not (_home(env) / "session").exists()
    for command in (["jobs", "production"], ["mail", "status"], ["corrections", "list"],
                    ["card", "unlock", str(tmp_path / "card.json"), "--kind", "auth"],
                    ["card", "renew", str(tmp_path / "card.json")],
                    ["cert", "suspend", "01"], ["crl", "publish"], ["ca", "renew-ocsp"],
                    ["staff", "list"], ["staff", "add", "x-clerk", "--role", "operator"],
                    ["audit", "verify"], ["backup", str(tmp_path / "backup")]):
        refused = runner.invoke(app, command, input="")
        assert refused.exit_code == 5, (command, refused.output)
        assert "mynumbercard staff login USERNAME" in refused.output, command
        assert "Traceback" not in refused.output
    # What needs no one: the schema, public data, the holder's own card.
    ok("db", "upgrade")
    ok("number", "check", "123456789018")
    ok("municipality", "show", "13101")
    ok("ca", "export", str(tmp_path / "ca"))


def test_login_keeps_a_0600_token_whose_hash_alone_the_server_keeps(env: dict[str, str]):
    path = _home(env) / "session"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = path.read_text().strip()
    engine = make_engine(env["MYNUMBERCARD_DATABASE_URL"])
    with engine.connect() as conn:
        stored = conn.scalars(select(sessions.c.token_hash)).all()
    engine.dispose()
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert token not in stored
    assert json.loads(ok("staff", "whoami"))["username"] == ADMIN
    assert _actors(env, "staff:sign-in") == [ADMIN]


def test_an_expired_session_is_refused_with_how_to_sign_in(env: dict[str, str]):
    engine = make_engine(env["MYNUMBERCARD_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(update(sessions).values(expires_at=datetime.now(UTC) - timedelta(1)))
    engine.dispose()
    refused = runner.invoke(app, ["jobs", "ship"])
    assert refused.exit_code == 5
    assert "expired" in refused.output
    assert "mynumbercard staff login USERNAME" in refused.output


def test_a_wrong_password_signs_no_one_in(env: dict[str, str]):
    ok("staff", "logout")
    wrong = runner.invoke(app, ["staff", "login", ADMIN, "--password-stdin"],
                          input="not the password\n000000\n")
    assert wrong.exit_code == 5
    assert not (_home(env) / "session").exists()
    silent = runner.invoke(app, ["staff", "login", ADMIN, "--password-stdin"], input="")
    assert silent.exit_code == 2  # standard input ended: said, no traceback
    assert "Traceback" not in silent.output


def test_the_role_and_municipality_are_checked_as_the_api_checks_them(
        env: dict[str, str], tmp_path: Path):
    card = tmp_path / "card.json"
    made = _demo_card(card)
    engine = make_engine(env["MYNUMBERCARD_DATABASE_URL"])
    with engine.connect() as conn:
        code = conn.scalar(select(residents.c.municipality_code).join(
            cards, cards.c.resident_id == residents.c.id).where(
            cards.c.card_number == made["card_number"]))
    engine.dispose()
    elsewhere = "13101" if code != "13101" else "01101"
    _add("clerk-here", "clerk", "--municipality", str(code))
    _add("clerk-there", "clerk", "--municipality", elsewhere)
    _add("auditor-1", "auditor")
    login("clerk-there", PASSWORD)
    refused = runner.invoke(app, ["card", "unlock", str(card), "--kind", "auth",
                                  "--pin-stdin"], input="4321\n")
    assert refused.exit_code == 3  # another town's card is not found, as over the API (404)
    assert "Traceback" not in refused.output
    assert runner.invoke(app, ["jobs", "production"]).exit_code == 5  # a clerk's no job
    login("auditor-1", PASSWORD)
    assert runner.invoke(app, ["cert", "suspend", made["auth_serial"]]).exit_code == 5
    login("clerk-here", PASSWORD)
    ok("card", "unlock", str(card), "--kind", "auth", "--pin-stdin", stdin="4321\n")
    assert _actors(env, "pin:unlock") == ["clerk-here"]


def test_the_audit_log_names_the_member_who_ran_the_command(env: dict[str, str]):
    _add("op-1", "operator")
    login("op-1", PASSWORD)
    ok("mail", "suspend", "--reason", "printer jam")
    ok("mail", "resume")
    assert _actors(env, "mail:suspend") == ["op-1"]
    assert not any(a.startswith("cli:") for a in _actors(env, "mail:resume"))


def test_the_holder_types_the_new_pin_unseen_and_twice(env: dict[str, str], tmp_path: Path):
    card = tmp_path / "card.json"
    _demo_card(card)
    typed = runner.invoke(app, ["card", "unlock", str(card), "--kind", "auth"],
                          input="4321\n4321\n")
    assert typed.exit_code == 0, typed.output
    assert "new PIN" in typed.output
    assert "4321" not in typed.output  # not echoed
    data = tmp_path / "data"
    data.write_bytes(b"x")
    ok("card", "sign", str(card), "--kind", "auth", "--in", str(data), "--out",
       str(tmp_path / "sig"), "--pin-stdin", stdin="4321\n")


def test_bootstrap_makes_the_first_admin_only(env: dict[str, str]):
    again = runner.invoke(app, ["staff", "add", "second", "--bootstrap", "--password-stdin"],
                          input=PASSWORD + "\n")
    assert again.exit_code == 4
    assert "exists already" in again.output
    ok("staff", "logout")
    unsigned = runner.invoke(app, ["staff", "add", "x-op", "--role", "operator",
                                   "--password-stdin"], input=PASSWORD + "\n")
    assert unsigned.exit_code == 5


def test_a_fresh_installation_bootstraps_its_admin(env: dict[str, str], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MYNUMBERCARD_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.setenv("MYNUMBERCARD_HOME", str(tmp_path / "fresh"))
    ok("db", "upgrade")
    refused = runner.invoke(app, ["staff", "add", "root", "--role", "admin",
                                  "--password-stdin"], input=PASSWORD + "\n")
    assert refused.exit_code == 5
    assert "staff login" in refused.output
    assert "--bootstrap" in refused.output
    totp = bootstrap_admin("root", PASSWORD)
    login("root", PASSWORD, totp)
    assert json.loads(ok("staff", "whoami")) == {"username": "root", "role": "admin",
                                                 "municipality_code": None}
    assert _actors({"MYNUMBERCARD_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"},
                   "staff:add") == ["root"]


def test_staff_list_disable_and_reset_password(env: dict[str, str],
                                               monkeypatch: pytest.MonkeyPatch):
    _add("clerk-1", "clerk", "--municipality", "13101")
    admin_token = (_home(env) / "session").read_text().strip()
    login("clerk-1", PASSWORD)
    clerk_token = (_home(env) / "session").read_text().strip()
    assert runner.invoke(app, ["staff", "list"]).exit_code == 5  # not an administrator
    monkeypatch.setenv("MYNUMBERCARD_TOKEN", admin_token)
    listed = [json.loads(line) for line in ok("staff", "list").splitlines()]
    assert {r["username"] for r in listed} == {ADMIN, "clerk-1"}
    assert all("hash" not in key for r in listed for key in r)
    assert runner.invoke(app, ["staff", "disable", ADMIN]).exit_code == 4
    assert runner.invoke(app, ["staff", "disable", "nobody"]).exit_code == 3
    assert "1 sessions ended" in ok("staff", "disable", "clerk-1")
    monkeypatch.setenv("MYNUMBERCARD_TOKEN", clerk_token)
    assert runner.invoke(app, ["staff", "whoami"]).exit_code == 5
    monkeypatch.setenv("MYNUMBERCARD_TOKEN", admin_token)
    _add("clerk-2", "clerk", "--municipality", "13101")
    login("clerk-2", PASSWORD)
    short = runner.invoke(app, ["staff", "reset-password", "clerk-2", "--password-stdin"],
                          input="short\n")
    assert short.exit_code == 2
    ok("staff", "reset-password", "clerk-2", "--password-stdin",
       stdin="another long password\n")
    monkeypatch.delenv("MYNUMBERCARD_TOKEN")
    assert runner.invoke(app, ["staff", "whoami"]).exit_code == 5  # clerk-2's session ended
    wrong = runner.invoke(app, ["staff", "login", "clerk-2", "--password-stdin"],
                          input=PASSWORD + "\n")
    assert wrong.exit_code == 5
    login("clerk-2", "another long password")
    assert _actors(env, "staff:disable") == [ADMIN]
    assert _actors(env, "staff:reset-password") == [ADMIN]


def test_logout_ends_the_session_on_the_server(env: dict[str, str],
                                               monkeypatch: pytest.MonkeyPatch):
    token = (_home(env) / "session").read_text().strip()
    ok("staff", "logout")
    monkeypatch.setenv("MYNUMBERCARD_TOKEN", token)
    refused = runner.invoke(app, ["staff", "whoami"])
    monkeypatch.delenv("MYNUMBERCARD_TOKEN")
    assert refused.exit_code == 5
    assert runner.invoke(app, ["staff", "logout"]).exit_code == 5


def test_a_service_account_runs_its_scopes_only(env: dict[str, str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch):
    credential = tmp_path / "cron.credential"
    ok("staff", "add-service", "cron-agency", "--role", "operator", "--scope", "jobs",
       "--scope", "letters", "--out", str(credential))
    assert stat.S_IMODE(credential.stat().st_mode) == 0o600
    secret = credential.read_text().strip()
    listed = {r["username"]: r for r in map(json.loads, ok("staff", "list").splitlines())}
    assert listed["cron-agency"]["scopes"] == ["jobs", "letters"]
    ok("staff", "logout")
    ran = ok("--credential", str(credential), "jobs", "production")
    assert json.loads(ran) == {"runs": [], "cards": 0, "made": []}
    assert _actors(env, "staff:run-service") == ["cron-agency"]
    monkeypatch.setenv("MYNUMBERCARD_CREDENTIAL_FILE", str(credential))
    ok("jobs", "ship")
    out_of_scope = runner.invoke(app, ["mail", "suspend", "--reason", "x"])
    assert out_of_scope.exit_code == 5
    assert "may run only: jobs, letters" in out_of_scope.output
    monkeypatch.delenv("MYNUMBERCARD_CREDENTIAL_FILE")
    no_password = runner.invoke(app, ["staff", "login", "cron-agency", "--password-stdin"],
                                input=secret + "\n")
    assert no_password.exit_code == 5  # a credential is no password
    credential.chmod(0o644)
    open_file = runner.invoke(app, ["--credential", str(credential), "jobs", "ship"])
    assert open_file.exit_code == 5
    assert "chmod 600" in open_file.output


def test_a_disabled_service_account_is_refused(env: dict[str, str], tmp_path: Path):
    credential = tmp_path / "cron.credential"
    ok("staff", "add-service", "cron-mail", "--role", "operator", "--scope", "mail",
       "--out", str(credential))
    ok("--credential", str(credential), "mail", "status")
    ok("staff", "disable", "cron-mail")
    refused = runner.invoke(app, ["--credential", str(credential), "mail", "status"])
    assert refused.exit_code == 5
    assert "unknown or revoked" in refused.output
    bad_scope = runner.invoke(app, ["staff", "add-service", "cron-x", "--role", "operator",
                                    "--scope", "card", "--out", str(tmp_path / "x")])
    assert bad_scope.exit_code == 2
    assert not (tmp_path / "x").exists()


def test_no_command_takes_a_secret_as_an_option_value():
    import click  # noqa: PLC0415
    import typer  # noqa: PLC0415

    def walk(command: click.Command, path: str) -> list[tuple[str, click.Parameter]]:
        found = [(path, p) for p in command.params]
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                found += walk(sub, f"{path} {name}")
        return found

    secret_words = ("pin", "password", "passphrase", "secret", "totp", "token")
    offending = [
        f"{path} {name}" for path, param in walk(typer.main.get_command(app), "mynumbercard")
        if isinstance(param, click.Option) and not param.is_flag
        for name in param.opts if any(w in name for w in secret_words)]
    assert offending == []
