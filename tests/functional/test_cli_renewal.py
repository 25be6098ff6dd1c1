"""`card renew`, `jobs expire` and an expired certificate's OCSP answer, checked with
OpenSSL against the running responder."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.bootstrap import Container
from mynumbercard.cli.main import app
from mynumbercard.config import Settings
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards, certificates, register

from conftest import CA_PASSPHRASE, FrozenClock

runner = CliRunner()
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None,
                                   reason="the openssl binary is not installed")


# -- as in test_cli_pki.py -----------------------------------------------------------------

@pytest.fixture
def env(database_url: str, tmp_path: Path, ca_template: Path,
        monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    home = tmp_path / "home"
    shutil.copytree(ca_template, home / "ca")
    values = {"MYNUMBERCARD_HOME": str(home), "MYNUMBERCARD_DATABASE_URL": database_url,
              "MYNUMBERCARD_CA_PASSPHRASE": CA_PASSPHRASE, "MYNUMBERCARD_CRL_SHARDS": "4"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def _ok(*args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.stdout


def _demo_card(path: Path) -> dict[str, str]:
    return json.loads(_ok("card", "demo", str(path), "--pin", "1234", "--password", "ABC123"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    executable = Path(sys.executable).with_name("mynumbercard")
    with subprocess.Popen([str(executable), "serve", "--port", str(port)],
                          env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL) as process:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz"):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        try:
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


def _ocsp(base: str, ca: Path, kind: str, *target: str) -> str:
    chain = ca / f"{kind}-chain.pem"
    chain.write_bytes((ca / "root.pem").read_bytes() + (ca / f"{kind}-ca.pem").read_bytes())
    result = subprocess.run(
        ["openssl", "ocsp", "-issuer", str(ca / f"{kind}-ca.pem"), *target, "-url",
         f"{base}/ocsp", "-CAfile", str(chain), "-resp_text"],
        capture_output=True, text=True, check=False, timeout=30)
    return result.stdout + result.stderr



# -- renewal and expiry ----------------------------------------------------------------

CLERK = Actor("clerk-chiyoda", Role.CLERK, "13101")


def test_card_renew_refuses_before_the_window_and_issues_where_none_is_valid(
        env: dict[str, str], tmp_path: Path) -> None:
    card = tmp_path / "card.json"
    made = _demo_card(card)
    refused = runner.invoke(app, ["card", "renew", str(card)])
    assert refused.exit_code != 0
    assert "renewal opens on" in refused.stderr
    _ok("cert", "revoke", made["auth_serial"] or "", "--reason", "keyCompromise")
    renewed = json.loads(_ok("card", "renew", str(card), "--kind", "auth"))
    assert [c["kind"] for c in renewed["certificates"]] == ["auth"]
    on_card = _ok("card", "cert", str(card), "--kind", "auth")
    assert on_card.startswith("-----BEGIN CERTIFICATE-----")
    status = json.loads(_ok("cert", "status", renewed["certificates"][0]["serial"]))
    assert status["status"] == "active"


def _expired_card(env: dict[str, str], out: Path) -> int:
    """Born 2010-02-10, a minor's card issued 2021-03-01 (valid to 2026-02-10), its
    certificates issued on 2026-02-08 by the counter: expired before today."""
    settings = Settings(home=Path(env["MYNUMBERCARD_HOME"]),
                        database_url=env["MYNUMBERCARD_DATABASE_URL"],
                        ca_passphrase=env["MYNUMBERCARD_CA_PASSPHRASE"],  # type: ignore[arg-type]
                        crl_shards=4)
    wired = Container(settings=settings, engine=make_engine(settings.database_url),
                      clock=FrozenClock(datetime(2026, 2, 8, 1, 0, tzinfo=UTC)))
    try:
        born = date(2010, 2, 10)
        resident = register.register_resident(
            wired.uow, actor=CLERK, now=wired.clock(), family_name="佐藤", given_name="蓮",
            family_name_kana="サトウ", given_name_kana="レン", birth_date=born, sex=Sex.MALE,
            municipality_code="13101", postal_code="1000001", address="千代田1番2号",
            registered_on=born)
        cards.register_card(wired.uow, actor=CLERK, resident_id=resident.id or 0,
                            card_number="MINOR-2021", applied_on=date(2021, 3, 1),
                            issued_on=date(2021, 3, 1), now=wired.clock())
        wired.vault.personalise("MINOR-2021", card_face={
            "name": "佐藤 蓮", "address": "千代田1番2号", "birth_date": born.isoformat(),
            "sex": "male", "individual_number": resident.individual_number or ""})
        terminal = wired.vault.terminal("MINOR-2021")
        terminal.set_initial_pins({PinKind.SIGNATURE: "ABC123", PinKind.USER_AUTH: "1234",
                                   PinKind.RESIDENT_REGISTER: "1234",
                                   PinKind.CARD_INFO: "1234"})
        issued = certificates.issue_certificates(wired.uow, wired.authority, terminal,
                                                 actor=CLERK, now=wired.clock())
        (auth,) = [c for c in issued if c.kind.value == "auth"]
        out.write_text(_ok("card", "cert", str(wired.vault.path("MINOR-2021")),
                           "--kind", "auth"))
        return auth.serial
    finally:
        wired.engine.dispose()


@needs_openssl
def test_an_expired_certificate_is_never_good_and_the_job_makes_it_unauthorized(
        env: dict[str, str], server: str, tmp_path: Path) -> None:
    auth_pem = tmp_path / "auth.pem"
    serial = _expired_card(env, auth_pem)
    ca = tmp_path / "ca"
    _ok("ca", "export", str(ca))
    # No job has run: the good answer signed before expiry stopped at notAfter.
    stale = _ocsp(server, ca, "auth", "-cert", str(auth_pem))
    assert "Response verify OK" in stale
    assert "Next Update: Feb 10 14:59:59 2026 GMT" in stale
    assert "Status times invalid" in stale
    status = json.loads(_ok("cert", "status", format(serial, "x")))
    assert status["status"] == "expired"
    ran = json.loads(_ok("jobs", "expire", "--since", "2026-02-11"))
    assert (ran["cards"], ran["certificates"]) == (1, 2)
    started = time.monotonic()
    while "unauthorized" not in (final := _ocsp(server, ca, "auth", "-cert", str(auth_pem))):
        assert time.monotonic() - started < 3, final
        time.sleep(0.2)
    assert "Responder Error: unauthorized (6)" in final
    # The same under a SHA-256 CertID: an error answer has no CertID to re-hash.
    assert "Responder Error: unauthorized (6)" in _ocsp(server, ca, "auth", "-sha256", "-cert",
                                                       str(auth_pem))
    again = json.loads(_ok("jobs", "expire", "--since", "2026-02-11"))
    assert (again["cards"], again["certificates"]) == (0, 0)


@pytest.mark.parametrize("on", ["2999-01-01", "2026-02-30"])
def test_jobs_expire_refuses_a_day_to_come_or_no_day(env: dict[str, str], on: str) -> None:
    result = runner.invoke(app, ["jobs", "expire", "--on", on])
    assert result.exit_code != 0
