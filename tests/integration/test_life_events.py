"""Life events that are not moves, on SQLite and PostgreSQL: an address corrected, a change
of name with the former surname shown, a period of stay extended with the card; the audit
that judges each limited-stay card by its own stay and leaves a dismissed finding closed;
the letters they send."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from mynumbercard.adapters.db.tables import cards, outgoing_mail, resident_events
from mynumbercard.adapters.documents import PdfLetterPrinter
from mynumbercard.adapters.letter_files import LetterDirectory
from mynumbercard.bootstrap import Container
from mynumbercard.domain.certificate import CertificateStatus, CertKind
from mynumbercard.domain.correction import CaseStatus
from mynumbercard.domain.errors import Conflict, InvalidDates, InvalidInput, NotFound
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.resident import ResidenceStatus, Resident, Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards as cards_service
from mynumbercard.services import certificates as certificates_service
from mynumbercard.services import life_events, mail, register, validity_check

AGENCY = Actor("agency", Role.ADMIN)
CHIYODA = Actor("clerk-chiyoda", Role.CLERK, "13101")
CHUO = Actor("clerk-chuo", Role.CLERK, "13102")
PINS = {PinKind.SIGNATURE: "ABC123", PinKind.USER_AUTH: "1234",
        PinKind.RESIDENT_REGISTER: "1234", PinKind.CARD_INFO: "1234"}


def _resident(wired: Container, **overrides: object) -> Resident:
    fields: dict[str, object] = {
        "actor": CHIYODA, "now": wired.clock(), "family_name": "佐藤", "given_name": "花子",
        "family_name_kana": "サトウ", "given_name_kana": "ハナコ",
        "birth_date": date(1990, 4, 10), "sex": Sex.FEMALE, "municipality_code": "13101",
        "postal_code": "1000001", "address": "千代田1番1号", "registered_on": date(2000, 1, 1)}
    fields.update(overrides)
    return register.register_resident(wired.uow, **fields)  # type: ignore[arg-type]


def _card_with_certificates(wired: Container, resident: Resident, number: str) -> int:
    today = wired.clock().date()
    card = cards_service.register_card(wired.uow, actor=AGENCY, resident_id=resident.id or 0,
                                       card_number=number, applied_on=today, issued_on=today,
                                       now=wired.clock())
    wired.vault.personalise(number, card_face={
        "name": resident.full_name, "address": resident.address,
        "birth_date": resident.birth_date.isoformat(), "sex": "female",
        "individual_number": resident.individual_number or ""})
    terminal = wired.vault.terminal(number)
    terminal.set_initial_pins(PINS)
    certificates_service.issue_certificates(wired.uow, wired.authority, terminal,
                                            actor=AGENCY, now=wired.clock())
    return card.id or 0


def _statuses(wired: Container, card_id: int) -> dict[CertKind, CertificateStatus]:
    with wired.uow() as uow:
        return {c.kind: c.status for c in uow.certificates.of_card(card_id)}


def _events(wired: Container, resident_id: int) -> list[tuple[str, date]]:
    with wired.engine.connect() as conn:
        return [(k, d) for k, d in conn.execute(
            select(resident_events.c.kind, resident_events.c.occurred_on)
            .where(resident_events.c.resident_id == resident_id)
            .order_by(resident_events.c.id))]


def _actions(wired: Container, subject: str) -> list[str]:
    with wired.uow() as uow:
        return [r.action for _, r in uow.audit.list(subject=subject, limit=50,
                                                     before_id=None)][::-1]


def test_an_address_correction_is_not_a_move_and_revokes_the_signature_certificate_only(
        pki_container: Container) -> None:
    wired = pki_container
    resident = _resident(wired)
    card_id = _card_with_certificates(wired, resident, "CARD-ADDR")
    rid = resident.id or 0
    with pytest.raises(NotFound, match=f"no resident with id {rid}"):  # another town's
        life_events.correct_address(wired.uow, actor=CHUO, resident_id=rid,
                                    postal_code="1000002", address="千代田1番2号",
                                    corrected_on=date(2026, 11, 24), now=wired.clock())
    with pytest.raises(InvalidInput, match="already recorded"):
        life_events.correct_address(wired.uow, actor=CHIYODA, resident_id=rid,
                                    postal_code="1000001", address="千代田1番1号",
                                    corrected_on=date(2026, 11, 24), now=wired.clock())
    done = life_events.correct_address(wired.uow, actor=CHIYODA, resident_id=rid,
                                       postal_code="1000002", address="千代田1番2号",
                                       corrected_on=date(2026, 11, 24), now=wired.clock(),
                                       ca=wired.ca)
    assert (done.municipality_code, done.address) == ("13101", "千代田1番2号")
    assert _statuses(wired, card_id) == {CertKind.SIGN: CertificateStatus.REVOKED,
                                         CertKind.AUTH: CertificateStatus.ACTIVE}
    assert ("address_corrected", date(2026, 11, 24)) in _events(wired, rid)
    assert "resident:correct-address" in _actions(wired, f"resident:{rid}")


def test_a_change_of_name_keeps_the_former_surname_shown_as_the_holder_asks(
        pki_container: Container) -> None:
    wired = pki_container
    resident = _resident(wired)
    card_id = _card_with_certificates(wired, resident, "CARD-NAME")
    rid = resident.id or 0
    with pytest.raises(InvalidInput, match="no former surname"):
        life_events.change_name(wired.uow, actor=CHIYODA, resident_id=rid,
                                family_name="佐藤", given_name="華子", family_name_kana="サトウ",
                                given_name_kana="ハナコ", changed_on=date(2026, 11, 20),
                                show_former_surname=True, now=wired.clock(), ca=wired.ca)
    done = life_events.change_name(wired.uow, actor=CHIYODA, resident_id=rid,
                                   family_name="山田", given_name="花子",
                                   family_name_kana="ヤマダ", given_name_kana="ハナコ",
                                   changed_on=date(2026, 11, 20), show_former_surname=True,
                                   now=wired.clock(), ca=wired.ca)
    assert done.name_as_shown == "山田［佐藤］ 花子"
    with wired.uow() as uow:
        stored = uow.residents.get(rid)
    assert (stored.family_name, stored.former_family_name,
            stored.former_family_name_kana) == ("山田", "佐藤", "サトウ")
    assert _statuses(wired, card_id) == {CertKind.SIGN: CertificateStatus.REVOKED,
                                         CertKind.AUTH: CertificateStatus.ACTIVE}
    assert ("name_changed", date(2026, 11, 20)) in _events(wired, rid)
    assert "resident:change-name" in _actions(wired, f"resident:{rid}")


def _foreigner(wired: Container) -> Resident:
    return _resident(wired, family_name="グエン", given_name="ラン", family_name_kana="グエン",
                     given_name_kana="ラン", nationality="VN",
                     residence_status=ResidenceStatus.LIMITED_STAY,
                     registered_on=date(2024, 4, 1), period_of_stay_until=date(2027, 3, 31))


def _limited_card(wired: Container, resident: Resident, number: str) -> int:
    card = cards_service.register_card(wired.uow, actor=AGENCY, resident_id=resident.id or 0,
                                       card_number=number, applied_on=date(2024, 5, 1),
                                       issued_on=date(2024, 6, 1), now=wired.clock())
    assert card.expires_on == date(2027, 3, 31)  # the stay at issue
    return card.id or 0


def test_an_extended_stay_extends_the_card_at_the_holders_application_within_the_birthday_rule(
        container: Container) -> None:
    wired = container
    resident = _foreigner(wired)
    rid = resident.id or 0
    card_id = _limited_card(wired, resident, "CARD-STAY")
    with pytest.raises(NotFound):
        life_events.extend_stay(wired.uow, actor=CHUO, resident_id=rid,
                                period_of_stay_until=date(2030, 3, 31),
                                granted_on=date(2026, 11, 20), extend_card=True,
                                now=wired.clock())
    with pytest.raises(InvalidDates, match="after the current one"):
        life_events.extend_stay(wired.uow, actor=CHIYODA, resident_id=rid,
                                period_of_stay_until=date(2027, 3, 31),
                                granted_on=date(2026, 11, 20), extend_card=True,
                                now=wired.clock())
    done = life_events.extend_stay(wired.uow, actor=CHIYODA, resident_id=rid,
                                   period_of_stay_until=date(2030, 3, 31),
                                   granted_on=date(2026, 11, 20), extend_card=True,
                                   now=wired.clock())
    assert (done.card_number, done.card_expired_on, done.card_expires_on) == (
        "CARD-STAY", date(2027, 3, 31), date(2030, 3, 31))
    # A second extension runs into the birthday rule: the 10th birthday after issue.
    wired.clock.now += timedelta(days=365 * 3)  # type: ignore[attr-defined]
    done = life_events.extend_stay(wired.uow, actor=CHIYODA, resident_id=rid,
                                   period_of_stay_until=date(2036, 3, 31),
                                   granted_on=date(2029, 11, 1), extend_card=True,
                                   now=wired.clock())
    assert done.card_expires_on == date(2034, 4, 10)
    with wired.uow() as uow:
        assert uow.cards.get(card_id).expires_on == date(2034, 4, 10)
        assert uow.residents.get(rid).period_of_stay_until == date(2036, 3, 31)
        stays = list(uow.stays.of_resident(rid))
    assert [(s.until, s.granted_on, s.card_id) for s in stays] == [
        (date(2027, 3, 31), date(2024, 4, 1), None),
        (date(2030, 3, 31), date(2026, 11, 20), card_id),
        (date(2036, 3, 31), date(2029, 11, 1), card_id)]
    assert [k for k, _ in _events(wired, rid)].count("stay_extended") == 2
    assert "card:extend-validity" in _actions(wired, f"card:{card_id}")
    # Nothing is left to extend at the birthday rule's limit: a new card is needed.
    with pytest.raises(InvalidDates, match="birthday rule"):
        life_events.extend_stay(wired.uow, actor=CHIYODA, resident_id=rid,
                                period_of_stay_until=date(2040, 3, 31),
                                granted_on=date(2029, 11, 2), extend_card=True,
                                now=wired.clock())


def test_a_card_cannot_be_extended_once_expired_or_when_there_is_none(
        container: Container) -> None:
    wired = container
    resident = _foreigner(wired)
    rid = resident.id or 0
    with pytest.raises(Conflict, match="no card in use"):
        life_events.extend_stay(wired.uow, actor=CHIYODA, resident_id=rid,
                                period_of_stay_until=date(2030, 3, 31),
                                granted_on=date(2026, 11, 20), extend_card=True,
                                now=wired.clock())
    _limited_card(wired, resident, "CARD-LATE")
    wired.clock.now = wired.clock.now.replace(year=2027, month=4, day=2)  # type: ignore[attr-defined]
    with pytest.raises(InvalidDates, match="expired"):
        life_events.extend_stay(wired.uow, actor=CHIYODA, resident_id=rid,
                                period_of_stay_until=date(2030, 3, 31),
                                granted_on=date(2027, 3, 20), extend_card=True,
                                now=wired.clock())
    with wired.uow() as uow:  # nothing of the refused extension was kept
        assert len(uow.stays.of_resident(rid)) == 1


def test_the_audit_judges_each_limited_stay_card_by_its_own_stay(container: Container) -> None:
    wired = container
    extended, kept, forged = (_foreigner(wired) for _ in range(3))
    extended_card = _limited_card(wired, extended, "CARD-EXT")
    kept_card = _limited_card(wired, kept, "CARD-KEPT")
    forged_card = _limited_card(wired, forged, "CARD-FORGED")
    for resident, with_card in ((extended, True), (kept, False), (forged, False)):
        life_events.extend_stay(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                                period_of_stay_until=date(2030, 3, 31),
                                granted_on=date(2026, 11, 20), extend_card=with_card,
                                now=wired.clock())
    # The forged card's date was moved to the new stay without the holder's application.
    with wired.engine.begin() as conn:
        conn.execute(update(cards).where(cards.c.id == forged_card)
                     .values(expires_on=date(2030, 3, 31)))
    validity_check.check_validity(wired.uow, actor=AGENCY, now=wired.clock(), run_key="r1")
    cases = validity_check.list_cases(wired.uow, actor=AGENCY, status=None)
    assert [(c.card_id, c.wrong_on, c.correct_on) for c in cases] == [
        (forged_card, date(2030, 3, 31), date(2027, 3, 31))]
    assert extended_card not in [c.card_id for c in cases]
    assert kept_card not in [c.card_id for c in cases]


def test_a_rerun_of_the_audit_does_not_reopen_a_dismissed_case(container: Container) -> None:
    wired = container
    resident = _resident(wired)
    card = cards_service.register_card(wired.uow, actor=AGENCY, resident_id=resident.id or 0,
                                       card_number="CARD-DISMISS", applied_on=date(2026, 10, 1),
                                       issued_on=date(2026, 10, 20), now=wired.clock())
    with wired.engine.begin() as conn:
        conn.execute(update(cards).where(cards.c.id == card.id)
                     .values(expires_on=card.expires_on.replace(year=card.expires_on.year + 1)))
    validity_check.check_validity(wired.uow, actor=AGENCY, now=wired.clock(), run_key="one")
    (case,) = validity_check.list_cases(wired.uow, actor=AGENCY, status=CaseStatus.OPEN)
    validity_check.dismiss_case(wired.uow, actor=AGENCY, case_id=case.id, now=wired.clock())
    validity_check.check_validity(wired.uow, actor=AGENCY, now=wired.clock(), run_key="two")
    every = validity_check.list_cases(wired.uow, actor=AGENCY, status=None)
    assert [(c.id, c.status) for c in every] == [(case.id, "dismissed")]
    assert validity_check.report(wired.uow, actor=AGENCY, run_key="two").findings == 1
    with wired.engine.connect() as conn:  # one contact letter, from the first run
        assert conn.execute(select(outgoing_mail.c.kind)
                            .where(outgoing_mail.c.kind == "validity_correction")
                            ).scalars().all() == ["validity_correction"]
    # A different wrong date on the same card is a new finding: a new case.
    with wired.engine.begin() as conn:
        conn.execute(update(cards).where(cards.c.id == card.id)
                     .values(expires_on=card.expires_on.replace(year=card.expires_on.year + 2)))
    validity_check.check_validity(wired.uow, actor=AGENCY, now=wired.clock(), run_key="three")
    (fresh,) = validity_check.list_cases(wired.uow, actor=AGENCY, status=CaseStatus.OPEN)
    assert fresh.id != case.id


def test_the_individual_number_notice_goes_out_with_the_mail_once(
        container: Container, tmp_path: Path) -> None:
    wired = container
    newborn = _resident(wired, birth_date=date(2026, 11, 1), registered_on=date(2026, 11, 5),
                        given_name="陽向", given_name_kana="ヒナタ")
    sent = mail.dispatch(wired.uow, PdfLetterPrinter(), LetterDirectory(tmp_path),
                         actor=AGENCY, now=wired.clock(), base_url="https://example.jp")
    assert sent.letters == 1
    text = "".join(p.extract_text() for p in PdfReader(sent.files[0]).pages)
    number = newborn.individual_number or ""
    assert f"{number[:4]} {number[4:8]} {number[8:]}" in text
    assert "個人番号通知書" in text
    assert "東京都千代田区長" in text
    with wired.engine.connect() as conn:  # the queue holds no number
        row = conn.execute(select(outgoing_mail)).one()
    assert number not in repr(tuple(row))
    assert mail.dispatch(wired.uow, PdfLetterPrinter(), LetterDirectory(tmp_path),
                         actor=AGENCY, now=wired.clock(),
                         base_url="https://example.jp").letters == 0  # once
    with wired.uow() as uow:  # a national has no period of stay
        assert list(uow.stays.of_resident(newborn.id or 0)) == []
