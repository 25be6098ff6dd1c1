"""The wrong-validity check end to end: findings, cases, contact letters, correction."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select, update

from mynumbercard.adapters.db.tables import cards, certificates, outgoing_mail, residents
from mynumbercard.adapters.documents import PdfLetterPrinter
from mynumbercard.adapters.letter_files import LetterDirectory
from mynumbercard.bootstrap import Container
from mynumbercard.chip import Chip, KeyKind
from mynumbercard.domain.certificate import JST, CertificateStatus
from mynumbercard.domain.correction import CaseStatus
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.domain.validity import card_expiry
from mynumbercard.generators.bulk import generate_register
from mynumbercard.services import cards as cards_service
from mynumbercard.services import certificates as certificates_service
from mynumbercard.services import mail, register, validity_check
from mynumbercard.web.app import create_app

from api_checks import add_accounts, bearer
from card_checks import files_holding_keys

AGENCY = Actor("agency", Role.ADMIN)
PINS = {PinKind.SIGNATURE: "ABC123", PinKind.USER_AUTH: "1234",
        PinKind.RESIDENT_REGISTER: "1234", PinKind.CARD_INFO: "1234"}


def _card(wired: Container, number: str, *, born: date, issued: date,
          with_certificates: bool = False) -> int:
    resident = register.register_resident(
        wired.uow, actor=AGENCY, now=wired.clock(), family_name="伊藤", given_name="誠",
        family_name_kana="イトウ", given_name_kana="マコト", birth_date=born, sex=Sex.MALE,
        municipality_code="13101", postal_code="1000001", address="千代田2番2号",
        registered_on=born)
    card = cards_service.register_card(wired.uow, actor=AGENCY, resident_id=resident.id or 0,
                                       card_number=number, applied_on=issued - timedelta(days=20),
                                       issued_on=issued, now=wired.clock())
    if with_certificates:
        wired.vault.personalise(number, card_face={
            "name": "伊藤 誠", "address": "千代田2番2号", "birth_date": born.isoformat(),
            "sex": "male", "individual_number": resident.individual_number or ""})
        terminal = wired.vault.terminal(number)
        terminal.set_initial_pins(PINS)
        certificates_service.issue_certificates(wired.uow, wired.authority, terminal,
                                                actor=AGENCY, now=wired.clock())
    return card.id or 0


def test_the_audit_finds_the_incident_contacts_the_holder_and_the_counter_corrects_it(
        pki_container: Container, tmp_path: Path) -> None:
    wired = pki_container
    right = [_card(wired, f"RIGHT-{i}", born=date(1980 + i, 3, 3), issued=date(2025, 5, 1))
             for i in range(3)]
    wrong = _card(wired, "WRONG", born=date(1975, 8, 8), issued=date(2026, 10, 1),
                  with_certificates=True)
    with wired.engine.begin() as conn:  # the seed's incident: one year too long
        conn.execute(update(cards).where(cards.c.id == wrong)
                     .values(expires_on=date(2037, 8, 8)))
        too_long = datetime.combine(date(2037, 8, 8), time(23, 59, 59), tzinfo=JST)
        conn.execute(update(certificates).where(certificates.c.card_id == wrong,
                                                certificates.c.kind == "auth")
                     .values(not_after=too_long.astimezone(UTC)))

    run = validity_check.check_validity(wired.uow, actor=AGENCY, now=wired.clock(),
                                        chunk_rows=2)
    assert run.cards == len(right) + 1
    answer = validity_check.report(wired.uow, actor=AGENCY, run_key=run.run_key)
    assert answer.by_cause == {"card:one_year_too_long": 1, "certificate:past_card": 1}
    assert answer.by_municipality[0].code == "13101"
    (case,) = validity_check.list_cases(wired.uow, actor=AGENCY, status=CaseStatus.OPEN)
    assert (case.card_id, case.wrong_on, case.correct_on) == (
        wrong, date(2037, 8, 8), date(2036, 8, 8))

    # Run again (same key: nothing left to do; a new run: no second case, no second letter).
    again = validity_check.check_validity(wired.uow, actor=AGENCY, now=wired.clock(),
                                          run_key="second")
    assert again.cards == 4
    with wired.engine.connect() as conn:
        letters = conn.execute(select(outgoing_mail.c.kind)).scalars().all()
    assert letters == ["validity_correction"]

    sent = mail.dispatch(wired.uow, PdfLetterPrinter(), LetterDirectory(tmp_path),
                         actor=AGENCY, now=wired.clock(), base_url="https://example.jp")
    text = "".join(page.extract_text() for page in PdfReader(sent.files[0]).pages)
    assert "訂正" in text
    assert "2036年8月8日" in text
    assert validity_check.list_cases(wired.uow, actor=AGENCY,
                                     status=CaseStatus.CONTACTED)[0].id == case.id

    # The card kept working; at the counter it is corrected and its certificates re-issued.
    with wired.uow() as uow:
        assert uow.cards.get(wrong).is_valid_on(wired.clock().date())
    done = validity_check.correct_case(wired.uow, wired.ca, wired.vault.terminal,
                                       actor=AGENCY, case_id=case.id, now=wired.clock())
    assert done.certificates
    assert (done.card_expired_on, done.card_expires_on) == (date(2037, 8, 8), date(2036, 8, 8))
    with wired.uow() as uow:
        assert uow.cards.get(wrong).expires_on == date(2036, 8, 8)
        active = [c for c in uow.certificates.of_card(wrong)
                  if c.status is CertificateStatus.ACTIVE]
        assert all(c.not_after.astimezone(JST).date() <= date(2036, 8, 8) for c in active)
    assert validity_check.list_cases(wired.uow, actor=AGENCY, status=CaseStatus.CORRECTED)
    fresh = validity_check.check_validity(wired.uow, actor=AGENCY, now=wired.clock(),
                                          run_key="after")
    assert fresh.cards == 4
    assert validity_check.report(wired.uow, actor=AGENCY, run_key="after").findings == 0


def test_the_audit_finds_exactly_the_incidents_of_a_generated_register(
        container: Container) -> None:
    made = generate_register(container.engine, count=4000, seed=7, today=date(2026, 11, 25),
                             with_cards=True, incident_rate=0.05)
    assert made.incidents > 0
    run = validity_check.check_validity(container.uow, actor=AGENCY, now=container.clock(),
                                        chunk_rows=700)
    answer = validity_check.report(container.uow, actor=AGENCY, run_key=run.run_key)
    # Every incident card still in use is found (a renewed one was returned: nothing to fix).
    with container.engine.connect() as conn:
        in_use = conn.execute(
            select(cards.c.expires_on, cards.c.issued_on, cards.c.applied_on,
                   residents.c.birth_date, residents.c.period_of_stay_until)
            .join(residents, residents.c.id == cards.c.resident_id)
            .where(cards.c.status.in_(["produced", "active", "lost"]))).all()
    wrong = sum(1 for r in in_use if r.period_of_stay_until is None and r.expires_on != card_expiry(
        birth_date=r.birth_date, applied_on=r.applied_on, issued_on=r.issued_on))
    assert 0 < wrong <= made.incidents
    assert answer.by_cause.get("card:one_year_too_long") == wrong
    assert set(answer.by_cause) <= {"card:one_year_too_long",
                                                      "certificate:past_card",
                                                      "certificate:one_year_too_long"}


def test_the_api_asks_the_terminal_which_corrects_the_card_the_holder_presents(
        pki_container: Container, tmp_path_factory: pytest.TempPathFactory) -> None:
    wired = pki_container
    wrong = _card(wired, "WRONG", born=date(1975, 8, 8), issued=date(2026, 10, 1),
                  with_certificates=True)
    card = wired.vault.release("WRONG")  # handed over: the office keeps no copy
    with wired.engine.begin() as conn:
        conn.execute(update(cards).where(cards.c.id == wrong)
                     .values(expires_on=date(2037, 8, 8)))
        too_long = datetime.combine(date(2037, 8, 8), time(23, 59, 59), tzinfo=JST)
        conn.execute(update(certificates).where(certificates.c.card_id == wrong,
                                                certificates.c.kind == "auth")
                     .values(not_after=too_long.astimezone(UTC)))
    validity_check.check_validity(wired.uow, actor=AGENCY, now=wired.clock())
    (case,) = validity_check.list_cases(wired.uow, actor=AGENCY, status=CaseStatus.OPEN)
    add_accounts(wired, [("counter", Role.CLERK, "13101")])
    with TestClient(create_app(wired)) as client:
        headers = bearer(client, "counter")
        url = f"/api/v1/corrections/{case.id}/correct"
        presented = client.post(url, headers=headers,
                                json={"card_file": base64.b64encode(card).decode()})
        assert presented.status_code == 422, presented.text
        assert "counter terminal" in presented.json()["message"]
        asked = client.post(url, headers=headers)  # the card goes in the terminal's reader
        assert asked.status_code == 202, asked.text
        assert (asked.json()["kind"], asked.json()["details"]["case"]) == ("correct", case.id)
        assert client.post(url, headers=headers).status_code == 409  # one task per card
    # The clerk's terminal corrects it on the card in its reader (here the card file driven
    # with the same APDUs in this process; the terminal's HTTP side:
    # tests/functional/test_reader_correction_task.py).
    holder = tmp_path_factory.mktemp("holder") / "card.json"
    holder.write_bytes(card)
    done = validity_check.correct_case(
        wired.uow, wired.ca, lambda number: wired.card_terminal(holder),
        actor=Actor("counter", Role.CLERK, "13101"), case_id=case.id, now=wired.clock())
    serials = {c.serial for c in done.certificates}
    assert serials
    chip = Chip.open(holder)
    on_card = {x509.load_pem_x509_certificate(
        chip.read_certificate(kind, PINS[PinKind.SIGNATURE])).serial_number for kind in KeyKind}
    assert serials <= on_card  # the re-issued certificates are on the holder's card
    assert files_holding_keys(wired.settings.home, holder.read_bytes()) == []
