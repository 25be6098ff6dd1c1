"""`card renew`, `jobs expire` and an expired certificate's OCSP answer, checked with
OpenSSL against the running responder."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.bootstrap import Container
from mynumbercard.cli.main import app
from mynumbercard.config import Settings
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards, certificates, register

from cli_checks import demo_card, ok, openssl_ocsp, runner
from conftest import FrozenClock

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None,
                                   reason="the openssl binary is not installed")


# -- renewal and expiry ----------------------------------------------------------------

CLERK = Actor("clerk-chiyoda", Role.CLERK, "13101")


def test_card_renew_refuses_before_the_window_and_issues_where_none_is_valid(
        env: dict[str, str], tmp_path: Path) -> None:
    card = tmp_path / "card.json"
    made = demo_card(card)
    refused = runner.invoke(app, ["card", "renew", str(card)])
    assert refused.exit_code != 0
    assert "renewal opens on" in refused.stderr
    ok("cert", "revoke", made["auth_serial"] or "", "--reason", "keyCompromise", "--yes")
    renewed = json.loads(ok("card", "renew", str(card), "--kind", "auth"))
    assert [c["kind"] for c in renewed["certificates"]] == ["auth"]
    on_card = ok("card", "cert", str(card), "--kind", "auth")
    assert on_card.startswith("-----BEGIN CERTIFICATE-----")
    status = json.loads(ok("cert", "status", renewed["certificates"][0]["serial"]))
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
        out.write_text(ok("card", "cert", str(wired.vault.path("MINOR-2021")),
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
    ok("ca", "export", str(ca))
    # No job has run: the good answer signed before expiry stopped at notAfter.
    stale = openssl_ocsp(server, ca, "auth", "-cert", str(auth_pem))
    assert "Response verify OK" in stale
    assert "Next Update: Feb 10 14:59:59 2026 GMT" in stale
    assert "Status times invalid" in stale
    status = json.loads(ok("cert", "status", format(serial, "x")))
    assert status["status"] == "expired"
    ran = json.loads(ok("jobs", "expire", "--since", "2026-02-11", "--yes"))
    assert (ran["cards"], ran["certificates"]) == (1, 2)
    started = time.monotonic()
    while "unauthorized" not in (final := openssl_ocsp(server, ca, "auth", "-cert", str(auth_pem))):
        assert time.monotonic() - started < 3, final
        time.sleep(0.2)
    assert "Responder Error: unauthorized (6)" in final
    # The same under a SHA-256 CertID: an error answer has no CertID to re-hash.
    sha256 = openssl_ocsp(server, ca, "auth", "-sha256", "-cert", str(auth_pem))
    assert "Responder Error: unauthorized (6)" in sha256
    again = json.loads(ok("jobs", "expire", "--since", "2026-02-11", "--yes"))
    assert (again["cards"], again["certificates"]) == (0, 0)


@pytest.mark.parametrize("on", ["2999-01-01", "2026-02-30"])
def test_jobs_expire_refuses_a_day_to_come_or_no_day(env: dict[str, str], on: str) -> None:
    result = runner.invoke(app, ["jobs", "expire", "--on", on])
    assert result.exit_code != 0
