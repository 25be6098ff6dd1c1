"""Moving house between municipalities, death and the card's lapse, on a real CA and a
real database (SQLite and PostgreSQL): each municipality acts on what it holds."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from mynumbercard.adapters.card_terminal import ChipTerminal
from mynumbercard.bootstrap import Container
from mynumbercard.chip import Chip
from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.moving import CardLapse, MovingStatus
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.resident import Resident, Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards, certificates, moving, register

from conftest import FrozenClock

CHIYODA = Actor("clerk-chiyoda", Role.CLERK, "13101")
MINATO = Actor("clerk-minato", Role.CLERK, "13103")
SAPPORO = Actor("clerk-sapporo-chuo", Role.CLERK, "01101")
AGENCY = Actor("agency", Role.OPERATOR)
BORN = date(1990, 6, 1)


def _holder(wired: Container, tmp_path: Path) -> tuple[Resident, str]:
    """A Chiyoda resident with an active card and both certificates."""
    now = wired.clock()
    resident = register.register_resident(
        wired.uow, actor=CHIYODA, now=now, family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=BORN, sex=Sex.FEMALE,
        municipality_code="13101", postal_code="1000001", address="千代田1番1号",
        registered_on=BORN)
    management = wired.management_key()
    chip = Chip.personalise(tmp_path / "card.json", card_id="CARD-M",
                            management_public_key_pem=management.public_key_pem,
                            card_face={"name": "山田 花子", "address": "千代田1番1号",
                                       "birth_date": BORN.isoformat(), "sex": "female",
                                       "individual_number": resident.individual_number or ""})
    cards.register_card(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                        card_number="CARD-M", applied_on=date(2026, 11, 1),
                        issued_on=date(2026, 11, 20), now=now)
    terminal = ChipTerminal(chip, management)
    terminal.set_initial_pins({PinKind.USER_AUTH: "1234", PinKind.RESIDENT_REGISTER: "1234",
                               PinKind.CARD_INFO: "1234", PinKind.SIGNATURE: "ABC123"})
    certificates.issue_certificates(wired.uow, wired.authority, terminal, actor=CHIYODA,
                                    now=now)
    return resident, "CARD-M"


def _card_and_certificates(wired: Container, number: str) -> tuple[CardStatus, set[str]]:
    with wired.uow() as uow:
        card = uow.cards.find_by_number(number)
        assert card is not None
        return card.status, {c.status.value for c in uow.certificates.of_card(card.id or 0)}


def _move_in(wired: Container, actor: Actor = MINATO, **evidence: object) -> moving.MovedIn:
    fields: dict[str, object] = {"birth_date": BORN, "moved_in_on": date(2026, 11, 25),
                                 "postal_code": "1050011", "address": "芝公園1番1号"}
    fields.update(evidence)
    return moving.record_moving_in(wired.uow, actor=actor, now=wired.clock(), ca=wired.ca,
                                   vault=wired.vault, **fields)  # type: ignore[arg-type]


def test_a_dead_holders_card_lapses_and_both_certificates_are_revoked(
        pki_container: Container, tmp_path: Path) -> None:
    wired = pki_container
    resident, number = _holder(wired, tmp_path)
    with pytest.raises(NotFound):  # only the holding municipality records a death
        register.record_death(wired.uow, actor=MINATO, resident_id=resident.id or 0,
                              died_on=date(2026, 11, 24), now=wired.clock(), ca=wired.ca)
    register.record_death(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                          died_on=date(2026, 11, 24), now=wired.clock(), ca=wired.ca)
    assert _card_and_certificates(wired, number) == (CardStatus.LAPSED, {"revoked"})


def test_only_the_origin_records_a_moving_out_and_only_the_destination_the_moving_in(
        pki_container: Container, tmp_path: Path) -> None:
    wired = pki_container
    resident, number = _holder(wired, tmp_path)
    rid = resident.id or 0
    with pytest.raises(NotFound):
        moving.record_moving_out(wired.uow, actor=MINATO, resident_id=rid,
                                 to_municipality="13103", planned_on=date(2026, 11, 30),
                                 now=wired.clock(), ca=wired.ca)
    with pytest.raises(InvalidInput):  # within one municipality: a 転居, not a moving-out
        moving.record_moving_out(wired.uow, actor=CHIYODA, resident_id=rid,
                                 to_municipality="13101", planned_on=date(2026, 11, 30),
                                 now=wired.clock(), ca=wired.ca)
    out = moving.record_moving_out(wired.uow, actor=CHIYODA, resident_id=rid,
                                   to_municipality="13103", planned_on=date(2026, 11, 24),
                                   now=wired.clock(), ca=wired.ca)
    assert out.notice.by_card
    assert len(out.notice.reference) == 12
    # The signature certificate goes with the old address; the card stays active.
    status, _ = _card_and_certificates(wired, number)
    assert status is CardStatus.ACTIVE
    with pytest.raises(NotFound):  # the destination sees nothing before the moving-in
        register.get_resident(wired.uow, actor=MINATO, resident_id=rid, now=wired.clock())
    with pytest.raises(NotFound):  # another town cannot use the card to take them
        _move_in(wired, actor=SAPPORO, card_number=number)
    with pytest.raises(NotFound):  # the wrong birth date finds nothing
        _move_in(wired, card_number=number, birth_date=date(1990, 6, 2))
    moved = _move_in(wired, card_number=number)
    assert moved.resident.municipality_code == "13103"
    assert moved.notice.status is MovingStatus.MOVED_IN
    assert register.get_resident(wired.uow, actor=MINATO, resident_id=rid,
                                 now=wired.clock()).municipality_code == "13103"
    with pytest.raises(NotFound):
        register.get_resident(wired.uow, actor=CHIYODA, resident_id=rid, now=wired.clock())
    with pytest.raises(NotFound):  # the same evidence twice finds nothing the second time
        _move_in(wired, card_number=number)
    with pytest.raises(NotFound):  # the continuation is the new municipality's
        moving.continue_card(wired.uow, actor=CHIYODA, resident_id=rid, card_number=number,
                             now=wired.clock(), ca=wired.ca)
    done = moving.continue_card(wired.uow, actor=MINATO, resident_id=rid, card_number=number,
                                now=wired.clock(), ca=wired.ca)
    assert done.card_continued_on == wired.clock().date()
    status, certs = _card_and_certificates(wired, number)
    assert status is CardStatus.ACTIVE
    assert "active" in certs


def test_a_card_not_presented_within_90_days_lapses_in_the_daily_job(
        pki_container: Container, tmp_path: Path, clock: FrozenClock) -> None:
    wired = pki_container
    resident, number = _holder(wired, tmp_path)
    out = moving.record_moving_out(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                                   to_municipality="13103", planned_on=date(2026, 11, 24),
                                   now=wired.clock(), ca=wired.ca)
    _move_in(wired, reference=out.notice.reference)
    today = wired.clock().date()
    assert moving.lapse_overdue_cards(wired.uow, actor=AGENCY, on=today + timedelta(days=90),
                                      now=wired.clock(), ca=wired.ca) == 0
    assert moving.lapse_overdue_cards(wired.uow, actor=AGENCY, on=today + timedelta(days=91),
                                      now=wired.clock(), ca=wired.ca) == 1
    assert _card_and_certificates(wired, number) == (CardStatus.LAPSED, {"revoked"})
    clock.now += timedelta(days=91)
    with pytest.raises(Conflict, match="lapsed"):
        moving.continue_card(wired.uow, actor=MINATO, resident_id=resident.id or 0,
                             card_number=number, now=wired.clock(), ca=wired.ca)


def test_a_card_brought_too_late_lapses_and_the_certificate_still_moves_them_in(
        pki_container: Container, tmp_path: Path, clock: FrozenClock) -> None:
    wired = pki_container
    resident, number = _holder(wired, tmp_path)
    out = moving.record_moving_out(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                                   to_municipality="13103", planned_on=date(2026, 11, 26),
                                   now=wired.clock(), ca=wired.ca)
    clock.now += timedelta(days=32)  # 31 days after the planned day: the card lapsed
    with pytest.raises(Conflict, match="lapsed"):
        _move_in(wired, card_number=number, moved_in_on=date(2026, 12, 26))
    moved = _move_in(wired, reference=out.notice.reference, moved_in_on=date(2026, 12, 26))
    assert moved.notice.card_lapsed is CardLapse.NO_MOVING_IN
    assert _card_and_certificates(wired, number) == (CardStatus.LAPSED, {"revoked"})


def test_a_move_voids_a_waiting_application_only_at_the_moving_in_and_certificates_are_one_way(
        pki_container: Container, tmp_path: Path) -> None:
    wired = pki_container
    resident, _ = _holder(wired, tmp_path)
    out = moving.record_moving_out(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                                   to_municipality="13103", planned_on=date(2026, 11, 24),
                                   now=wired.clock(), ca=wired.ca)
    with pytest.raises(Conflict):  # no second moving-out, no 転居 while moving out
        moving.record_moving_out(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                                 to_municipality="13104", planned_on=date(2026, 11, 24),
                                 now=wired.clock(), ca=wired.ca)
    with pytest.raises(Conflict):
        register.move_resident(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                               to_municipality="13101", postal_code="1000002",
                               address="千代田2番2号", moved_on=date(2026, 11, 24),
                               now=wired.clock(), ca=wired.ca)
    moving.cancel_moving_out(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                             now=wired.clock())
    with pytest.raises(NotFound):  # a withdrawn moving-out moves no one
        _move_in(wired, reference=out.notice.reference)
    with wired.uow() as uow:
        signs = [c for c in uow.certificates.of_card(uow.cards.of_resident(
            resident.id or 0)[0].id or 0) if c.kind is CertKind.SIGN]
    assert signs
    assert all(c.status.value == "revoked" for c in signs)
