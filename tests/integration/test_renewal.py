"""Certificate renewal at the counter, the custody hand-off and the expiry job, on a real
database (SQLite and PostgreSQL), CA and card files."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509 import ocsp
from sqlalchemy import func, select

from mynumbercard.adapters.db.tables import audit_log, certificate_custody_events
from mynumbercard.bootstrap import Container
from mynumbercard.chip import Chip
from mynumbercard.domain.certificate import CertificateStatus, CertKind, RevocationReason
from mynumbercard.domain.errors import Conflict, InvalidTransition, NotFound
from mynumbercard.domain.pickup import IdDocument, IdentityNotEstablished
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.renewal import CardNotUsable, RenewalNotOpen
from mynumbercard.domain.resident import Resident, Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards as cards_service
from mynumbercard.services import certificates, crls, custody, expiry, register, renewal

from card_checks import files_holding_keys
from conftest import FrozenClock

CHIYODA = Actor("clerk-chiyoda", Role.CLERK, "13101")
MINATO = Actor("clerk-minato", Role.CLERK, "13103")
AGENCY = Actor("agency", Role.ADMIN)
PINS = {PinKind.SIGNATURE: "ABC123", PinKind.USER_AUTH: "1234",
        PinKind.RESIDENT_REGISTER: "5678", PinKind.CARD_INFO: "9012"}
PASSPORT = [IdDocument.PASSPORT]
NUMBER = "CARD-2017"


def _at(clock: FrozenClock, day: date) -> None:
    clock.now = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 10:00 JST


def _card(wired: Container, clock: FrozenClock, *, born: date = date(1990, 1, 20),
          issued: date = date(2017, 3, 1)) -> Resident:
    """By default born 1990-01-20, card issued 2017-03-01 (valid to 2027-01-20),
    certificates issued on 2026-10-01 (valid to the card's expiry: renewal opens
    2026-10-20)."""
    _at(clock, date(2026, 10, 1))
    resident = register.register_resident(
        wired.uow, actor=CHIYODA, now=wired.clock(), family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=born,
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=born)
    cards_service.register_card(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                                card_number=NUMBER, applied_on=issued, issued_on=issued,
                                now=wired.clock())
    wired.vault.personalise(NUMBER, card_face={
        "name": "山田 花子", "address": "千代田1番1号",
        "sex": "female", "individual_number": resident.individual_number or "",
        "birth_date": born.isoformat()})
    terminal = wired.vault.terminal(NUMBER)
    terminal.set_initial_pins(PINS)
    certificates.issue_certificates(wired.uow, wired.authority, terminal, actor=CHIYODA,
                                    now=wired.clock())
    _holder(wired).write_bytes(wired.vault.release(NUMBER))  # handed over in 2017
    return resident


def _holder(wired: Container) -> Path:
    """Where the holder keeps the card: beside, not inside, the office's data directory."""
    home = wired.settings.home
    return home.with_name(f"{home.name}-holder.card")


def _on_card(wired: Container) -> dict[CertKind, int]:
    held = wired.vault.holds(NUMBER)
    chip = Chip.open(wired.vault.path(NUMBER) if held else _holder(wired))
    return {kind: x509.load_pem_x509_certificate(
        chip.read_certificate(kind, PINS[PinKind.SIGNATURE] if kind is CertKind.SIGN else None)
    ).serial_number for kind in CertKind}


def _statuses(wired: Container) -> dict[int, CertificateStatus]:
    with wired.uow() as uow:
        card = uow.cards.find_by_number(NUMBER)
        assert card is not None
        return {c.serial: c.status for c in uow.certificates.of_card(card.id or 0)}


def _renew(wired: Container, kinds: frozenset[CertKind] = frozenset(CertKind),
           clerk: Actor = CHIYODA) -> renewal.Renewed:
    """At the counter, on the card the holder presents in the reader (the card file
    driven with the reader's APDUs here); they take it back renewed."""
    return renewal.renew_certificates(wired.uow, wired.ca, wired.card_terminal(_holder(wired)),
                                      actor=clerk, kinds=kinds, now=wired.clock())


def _renew_left(wired: Container, ref: int, clerk: Actor = CHIYODA) -> None:
    """The card left at the office, renewed in the counter terminal's reader."""
    custody.renew_in_custody(wired.uow, wired.ca, actor=clerk, custody_id=ref,
                             now=wired.clock(), terminal=wired.card_terminal(_holder(wired)))


def _actions(wired: Container, prefix: str) -> list[str]:
    with wired.engine.connect() as conn:
        return list(conn.scalars(select(audit_log.c.action)
                                 .where(audit_log.c.action.like(f"{prefix}%"))
                                 .order_by(audit_log.c.id)))


def test_counter_renewal_opens_three_months_before_expiry_and_stays_open_after(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    _card(wired, clock)
    before = _on_card(wired)
    with pytest.raises(RenewalNotOpen, match="renewal opens on 2026-10-20") as refused:
        _renew(wired)
    assert refused.value.opens_on == date(2026, 10, 20)
    _at(clock, date(2026, 10, 20))
    with pytest.raises(NotFound):  # another town's card: as if it were not there
        _renew(wired, clerk=MINATO)
    done = _renew(wired)
    assert {c.kind for c in done.certificates} == set(CertKind)
    after = _on_card(wired)
    assert after == {c.kind: c.serial for c in done.certificates}
    statuses = _statuses(wired)
    assert all(statuses[s] is CertificateStatus.REVOKED for s in before.values())
    assert all(statuses[s] is CertificateStatus.ACTIVE for s in after.values())
    assert _actions(wired, "certificate:renew") == ["certificate:renew"]
    # the new certificates run to the card's expiry: their window is open at once
    assert all(c.not_after.date() == date(2027, 1, 20) for c in done.certificates)
    _at(clock, date(2027, 1, 21))
    with pytest.raises(CardNotUsable, match="expired on 2027-01-20"):
        _renew(wired)


def test_without_a_valid_certificate_one_is_issued_any_time(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    _card(wired, clock)
    auth = _on_card(wired)[CertKind.AUTH]
    certificates.change_status(wired.uow, wired.authority, actor=AGENCY, serial=auth,
                               kind=CertKind.AUTH, reason=RevocationReason.KEY_COMPROMISE,
                               now=wired.clock())
    with pytest.raises(RenewalNotOpen):
        _renew(wired)  # the signature certificate is still valid
    done = _renew(wired, frozenset({CertKind.AUTH}))
    assert [c.kind for c in done.certificates] == [CertKind.AUTH]


def _leave(wired: Container, documents: list[IdDocument] = PASSPORT) -> int:
    left = custody.leave_card(wired.uow, actor=CHIYODA, card_number=NUMBER,
                              documents=documents, now=wired.clock())
    return left.id or 0


def test_a_card_left_at_the_office_is_renewed_and_mailed_back(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    _card(wired, clock)
    with pytest.raises(RenewalNotOpen):
        _leave(wired)
    _at(clock, date(2026, 11, 2))
    with pytest.raises(IdentityNotEstablished):
        _leave(wired, [IdDocument.PENSION_BOOK])
    ref = _leave(wired)
    with pytest.raises(Conflict, match="already left"):
        _leave(wired)  # settled by the partial unique index
    with pytest.raises(Conflict, match="custody"):
        _renew(wired)  # not behind the custody record's back
    # The card is in the office's reader now (here: the holder's card file).
    with pytest.raises(InvalidTransition):
        custody.mail_card(wired.uow, actor=CHIYODA, custody_id=ref,
                          tracking_number="1", now=wired.clock())
    _renew_left(wired, ref)
    renewed = _on_card(wired)
    custody.mail_card(wired.uow, actor=CHIYODA, custody_id=ref,
                      tracking_number="3001-2345-6789", now=wired.clock())
    custody.record_return(wired.uow, actor=CHIYODA, custody_id=ref, reason="not collected",
                          now=wired.clock())
    custody.mail_card(wired.uow, actor=CHIYODA, custody_id=ref,
                      tracking_number="3001-2345-6790", now=wired.clock())
    custody.record_delivery(wired.uow, actor=CHIYODA, custody_id=ref, now=wired.clock())
    assert _on_card(wired) == renewed
    assert files_holding_keys(wired.settings.home, _holder(wired).read_bytes()) == []
    Chip.open(_holder(wired)).sign(CertKind.AUTH, PINS[PinKind.USER_AUTH], b"data")
    view = custody.custody_view(wired.uow, actor=CHIYODA, custody_id=ref)
    assert view.status == "delivered"
    assert view.mailings == 2
    assert [h.to_status for h in view.history] == [
        "left_at_office", "renewed", "mailed", "returned_undelivered", "mailed", "delivered"]
    assert view.history[1].details["serials"] == sorted(
        format(s, "x") for s in _on_card(wired).values())
    assert _actions(wired, "custody:") == ["custody:leave", "custody:renew", "custody:mail",
                                           "custody:return", "custody:mail", "custody:deliver"]
    with pytest.raises(NotFound):
        custody.custody_view(wired.uow, actor=MINATO, custody_id=ref)


def _race(*steps: Callable[[], Any]) -> list[str]:
    start, outcomes = threading.Barrier(len(steps)), []

    def run(step: Callable[[], Any]) -> None:
        start.wait()
        try:
            step()
            outcomes.append("done")
        except Conflict as refused:
            outcomes.append(type(refused).__name__)

    threads = [threading.Thread(target=run, args=(s,)) for s in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_two_clerks_on_one_custody_step_at_once_exactly_one_succeeds(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    _card(wired, clock)
    _at(clock, date(2026, 11, 2))
    ref = _leave(wired)

    def renew() -> None:
        _renew_left(wired, ref)

    assert _race(renew, renew) in (["Conflict", "done"], ["InvalidTransition", "done"])
    statuses = _statuses(wired)
    assert sum(s is CertificateStatus.ACTIVE for s in statuses.values()) == 2
    assert set(_on_card(wired).values()) == {
        s for s, status in statuses.items() if status is CertificateStatus.ACTIVE}

    def mail() -> None:
        custody.mail_card(wired.uow, actor=CHIYODA, custody_id=ref,
                          tracking_number="1", now=wired.clock())

    assert _race(mail, mail) in (["Conflict", "done"], ["InvalidTransition", "done"])
    with wired.engine.connect() as conn:
        mailed = conn.scalar(select(func.count()).select_from(certificate_custody_events)
                             .where(certificate_custody_events.c.to_status == "mailed"))
    assert mailed == 1


def _answer(wired: Container, serial: int, kind: CertKind) -> ocsp.OCSPResponse:
    with wired.uow() as uow:
        der = uow.ocsp.get(kind=kind, serial=serial)
    assert der is not None
    return ocsp.load_der_ocsp_response(der)


def test_expiry_follows_the_date_and_the_job_records_it_and_replaces_the_ocsp_answer(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    # card to 2026-12-20 (the test CA's OCSP signers run to 2027-01-01)
    _card(wired, clock, born=date(1990, 12, 20), issued=date(2016, 12, 21))
    _at(clock, date(2026, 12, 18))
    done = _renew(wired)  # the good answer would run 4 days, past expiry
    for made in done.certificates:
        good = _answer(wired, made.serial, made.kind)
        assert good.certificate_status is ocsp.OCSPCertStatus.GOOD
        assert good.next_update_utc == made.not_after  # capped at notAfter
    serial = done.certificates[0].serial
    _at(clock, date(2026, 12, 21))  # no job has run: the date decides
    status = certificates.certificate_status(wired.uow, serial=serial, now=wired.clock())
    assert status.status == "expired"
    with pytest.raises(CardNotUsable):  # the card expired with them
        _renew(wired)
    run = expiry.expire(wired.uow, wired.ca, actor=AGENCY, on=date(2026, 12, 21),
                        now=wired.clock())
    assert (run.cards, run.certificates) == (1, 4)  # the superseded pair expired too
    for made in done.certificates:
        final = _answer(wired, made.serial, made.kind)
        assert final.response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED
    again = expiry.expire(wired.uow, wired.ca, actor=AGENCY, on=date(2026, 12, 21),
                          now=wired.clock())
    assert (again.cards, again.certificates) == (0, 0)
    assert _actions(wired, "card:expire") == ["card:expire"]
    assert _actions(wired, "certificate:expire") == ["certificate:expire"]
    assert certificates.certificate_status(wired.uow, serial=serial,
                                           now=wired.clock()).status == "expired"


def test_a_revoked_certificate_stays_on_one_crl_past_its_expiry_then_leaves(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    _card(wired, clock, born=date(1990, 12, 20), issued=date(2016, 12, 21))
    auth = _on_card(wired)[CertKind.AUTH]
    certificates.change_status(wired.uow, wired.authority, actor=AGENCY, serial=auth,
                               kind=CertKind.AUTH, reason=RevocationReason.KEY_COMPROMISE,
                               now=wired.clock())

    def listed() -> bool:
        paths = crls.publish_crls(wired.uow, wired.authority, wired.crl_sink, now=wired.clock())
        for path in paths:
            if "/auth/" in path and not path.endswith("-delta.crl"):
                crl = x509.load_der_x509_crl(Path(path).read_bytes())
                if crl.get_revoked_certificate_by_serial_number(auth) is not None:
                    return True
        return False

    assert listed()
    clock.now = datetime(2026, 12, 21, 1, 0, tzinfo=UTC)  # expired 10 hours ago
    assert listed()  # RFC 5280 3.3: on one CRL issued past its validity
    clock.now = datetime(2026, 12, 22, 16, 0, tzinfo=UTC)
    assert not listed()
