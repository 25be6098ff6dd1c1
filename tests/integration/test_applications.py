"""From application to the holder's hands, on a real database, CA and card files."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pypdf import PdfReader
from sqlalchemy import func, select

from mynumbercard.adapters.db.tables import application_events, applications, audit_log, cards
from mynumbercard.bootstrap import Container
from mynumbercard.chip import Chip
from mynumbercard.domain.application import (
    ApplicationKind,
    ApplicationStatus,
    ApplicationVoided,
    Channel,
    DeficiencyReason,
    VoidReason,
)
from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.certificate import CertificateStatus, CertKind
from mynumbercard.domain.errors import (
    Conflict,
    InvalidApplicationId,
    NotFound,
    PermissionDenied,
)
from mynumbercard.domain.photo import PhotoFinding
from mynumbercard.domain.pickup import (
    IdDocument,
    IdentityNotEstablished,
    Proof,
    ProxyPickUp,
    ProxyReason,
    ProxyRefused,
)
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.resident import Resident, Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import (
    application_views,
    certificates,
    issuance,
    moving,
    pickup,
    register,
)
from mynumbercard.services import applications as apps
from mynumbercard.services import cards as cards_service
from mynumbercard.services.application_ports import FormReason, PhotoVerdict
from mynumbercard.services.custody import cancel, leave_card

from card_checks import files_holding_keys
from conftest import FrozenClock

CHIYODA = Actor("clerk-chiyoda", Role.CLERK, "13101")
OPERATOR = Actor("operator", Role.OPERATOR)
PINS = {PinKind.SIGNATURE: "ABC123", PinKind.USER_AUTH: "1234",
        PinKind.RESIDENT_REGISTER: "5678", PinKind.CARD_INFO: "9012"}
IN_PERSON = pickup.InPerson(frozenset({IdDocument.DRIVERS_LICENCE}))
PHOTO = b"\xff\xd8 stands for a JPEG: the inspector below is a fake of the photo port"


class FakeInspector:
    """The photo port's fake: these tests are about the flow, not the photo check."""

    def __init__(self, findings: tuple[PhotoFinding, ...] = (),
                 accepted: bool = True) -> None:
        self.findings, self.accepted = findings, accepted

    def inspect(self, data: bytes) -> PhotoVerdict:
        return PhotoVerdict(self.accepted, self.findings)


def _resident(wired: Container, *, municipality: str = "13101", born: date = date(1990, 6, 1),
              clerk: Actor = CHIYODA) -> Resident:
    return register.register_resident(
        wired.uow, actor=clerk, now=wired.clock(), family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=born, sex=Sex.FEMALE,
        municipality_code=municipality, postal_code="1000001", address="千代田1番1号",
        registered_on=born)


def _advance(clock: FrozenClock, days: int) -> None:
    clock.now += timedelta(days=days)


def _apply(wired: Container, resident: Resident, *, clerk: Actor = CHIYODA,
           inspector: FakeInspector | None = None) -> apps.Submitted:
    form = apps.issue_form(wired.uow, actor=clerk, resident_id=resident.id or 0,
                           reason=FormReason.FIRST, now=wired.clock())
    return apps.submit(wired.uow, wired.photos, inspector or FakeInspector(),
                       actor=apps.online_applicant(Channel.PC), channel=Channel.PC,
                       application_id=form.application_id, birth_date=resident.birth_date,
                       photo=PHOTO, now=wired.clock())


def _to_office(wired: Container, clock: FrozenClock, ref: int,
               clerk: Actor = CHIYODA) -> str:
    """Review, production, shipping and receipt: about three weeks."""
    _advance(clock, 5)
    apps.approve(wired.uow, actor=OPERATOR, application_ref=ref, now=wired.clock())
    _advance(clock, 7)
    assert issuance.run_production(wired.uow, wired.vault, actor=OPERATOR,
                                   now=wired.clock()).cards >= 1
    _advance(clock, 3)
    shipped = issuance.ship(wired.uow, actor=OPERATOR, now=wired.clock())
    _advance(clock, 5)
    for shipment_id in shipped.shipments:
        issuance.receive_shipment(wired.uow, actor=Actor("admin", Role.ADMIN),
                                  shipment_id=shipment_id, now=wired.clock())
    with wired.uow() as uow:
        application = uow.applications.get(ref)
        assert application.card_id is not None
        return uow.cards.get(application.card_id).card_number


def _hand_over(wired: Container, number: str, *, clerk: Actor = CHIYODA,
               identity: pickup.InPerson | ProxyPickUp = IN_PERSON) -> pickup.HandedOver:
    return pickup.hand_over(wired.uow, wired.vault, wired.ca, actor=clerk, card_number=number,
                            identity=identity, notice_presented=True, pins=PINS,
                            now=wired.clock())


def test_the_whole_way_from_online_application_to_the_holders_hands(
        pki_container: Container, clock: FrozenClock,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    wired = pki_container
    resident = _resident(wired)
    submitted = _apply(wired, resident)
    ref = submitted.application.id or 0
    assert submitted.application.kind is ApplicationKind.FIRST
    apps.start_review(wired.uow, actor=OPERATOR, application_ref=ref, now=wired.clock())
    apps.mark_deficient(wired.uow, actor=OPERATOR, application_ref=ref,
                        reason=DeficiencyReason.PHOTO, message="顔が切れています",
                        now=wired.clock())
    status = application_views.status_for_resident(
        wired.uow, application_id=submitted.application.application_id,
        birth_date=resident.birth_date)
    assert status.status == "deficient"
    assert status.deficiency is not None
    assert status.deficiency.message == "顔が切れています"
    _advance(clock, 2)
    again = apps.submit(wired.uow, wired.photos, FakeInspector(),
                        actor=apps.online_applicant(Channel.SMARTPHONE),
                        channel=Channel.SMARTPHONE,
                        application_id=submitted.application.application_id,
                        birth_date=resident.birth_date, photo=PHOTO + b"retake",
                        now=wired.clock())
    assert again.resubmission
    assert again.application.submissions == 2
    number = _to_office(wired, clock, ref)

    view = application_views.application_view(wired.uow, actor=OPERATOR,
                                              application_ref=ref, now=wired.clock())
    assert [h.to_status for h in view.history] == [
        "received", "in_review", "deficient", "received", "approved", "in_production",
        "shipped", "ready_for_pick_up"]
    with wired.uow() as uow:
        card = uow.cards.find_by_number(number)
        assert card is not None
        assert card.status is CardStatus.PRODUCED
        # Issued the day of the production run; an adult's card runs to the 10th birthday.
        assert card.issued_on == date(2026, 12, 9)
        assert card.expires_on == date(2036, 6, 1)
    assert view.pick_up_deadline == date(2027, 3, 17)  # arrived 12-17, + 3 months

    handed = _hand_over(wired, number)
    assert {c.kind for c in handed.certificates} == {CertKind.SIGN, CertKind.AUTH}
    # The card left the office with its holder: nothing under the data directory (the
    # vault, the database, the CA) holds its keys, and the office's reader refuses it.
    assert files_holding_keys(wired.settings.home, handed.card) == []
    with pytest.raises(Conflict, match="with its holder"):
        wired.vault.terminal(number)
    holder = tmp_path_factory.mktemp("holder") / "card.json"
    holder.write_bytes(handed.card)
    chip = Chip.open(holder)
    chip.verify_pin(PinKind.USER_AUTH, "1234")
    assert b"BEGIN CERTIFICATE" in chip.read_certificate(CertKind.AUTH)
    signature = chip.sign(CertKind.SIGN, PINS[PinKind.SIGNATURE], b"contract")
    signed_by = x509.load_pem_x509_certificate(
        chip.read_certificate(CertKind.SIGN, PINS[PinKind.SIGNATURE])).public_key()
    assert isinstance(signed_by, rsa.RSAPublicKey)
    signed_by.verify(signature, b"contract", padding.PKCS1v15(), hashes.SHA256())
    with wired.uow() as uow:
        assert uow.cards.get(card.id or 0).status is CardStatus.ACTIVE
        assert uow.applications.get(ref).status is ApplicationStatus.HANDED_OVER
    with pytest.raises(Conflict, match="handed over already"):
        _hand_over(wired, number)
    with wired.engine.connect() as conn:
        actions = set(conn.execute(select(audit_log.c.action)).scalars())
    assert {"application:submit", "application:resubmit", "application:mark-deficient",
            "production:run", "production:ship", "shipment:receive",
            "card:hand-over"} <= actions


def test_a_mistyped_or_unknown_id_and_a_wrong_birth_date_are_refused(
        pki_container: Container) -> None:
    wired = pki_container
    resident = _resident(wired)
    form = apps.issue_form(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                           reason=FormReason.FIRST, now=wired.clock())
    mistyped = form.application_id[:-1] + str((int(form.application_id[-1]) + 1) % 10)
    online = apps.online_applicant(Channel.PC)
    with pytest.raises(InvalidApplicationId):
        apps.submit(wired.uow, wired.photos, FakeInspector(), actor=online, channel=Channel.PC,
                    application_id=mistyped, birth_date=resident.birth_date, photo=PHOTO,
                    now=wired.clock())
    with pytest.raises(NotFound):
        apps.submit(wired.uow, wired.photos, FakeInspector(), actor=online, channel=Channel.PC,
                    application_id=form.application_id, birth_date=date(1990, 6, 2),
                    photo=PHOTO, now=wired.clock())
    unreadable = PhotoFinding.of("format", value="text", threshold="JPEG or PNG",
                                 message_ja="読めません", message_en="unreadable")
    rejected = FakeInspector((unreadable,), accepted=False)
    with pytest.raises(apps.PhotoRejected) as caught:
        apps.submit(wired.uow, wired.photos, rejected, actor=online, channel=Channel.PC,
                    application_id=form.application_id, birth_date=resident.birth_date,
                    photo=b"not an image", now=wired.clock())
    assert caught.value.findings == (unreadable,)
    assert str(caught.value) == "the ID photo cannot be accepted: format"
    with wired.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(applications)).scalar() == 0


def test_paper_and_booth_channels_need_an_intake_actor(pki_container: Container) -> None:
    wired = pki_container
    resident = _resident(wired)
    form = apps.issue_form(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                           reason=FormReason.FIRST, now=wired.clock())
    with pytest.raises(PermissionDenied):
        apps.submit(wired.uow, wired.photos, FakeInspector(),
                    actor=apps.online_applicant(Channel.PC), channel=Channel.PHOTO_BOOTH,
                    application_id=form.application_id, birth_date=resident.birth_date,
                    photo=PHOTO, now=wired.clock())
    booth = Actor("booth-shinjuku-1", Role.BOOTH)
    made = apps.submit(wired.uow, wired.photos, FakeInspector(), actor=booth,
                       channel=Channel.PHOTO_BOOTH, application_id=form.application_id,
                       birth_date=resident.birth_date, photo=PHOTO, now=wired.clock())
    assert made.application.channel is Channel.PHOTO_BOOTH


def test_a_new_form_kills_the_old_id_and_voids_its_pending_application(
        pki_container: Container) -> None:
    wired = pki_container
    resident = _resident(wired)
    first = _apply(wired, resident)
    new = apps.issue_form(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                          reason=FormReason.LOST, now=wired.clock())
    assert new.application_id != first.application.application_id
    with wired.uow() as uow:
        old = uow.applications.get(first.application.id or 0)
        assert old.status is ApplicationStatus.VOIDED
        assert old.void_reason is VoidReason.NEW_FORM
    with pytest.raises(Conflict, match="no longer valid"):
        apps.submit(wired.uow, wired.photos, FakeInspector(),
                    actor=apps.online_applicant(Channel.PC), channel=Channel.PC,
                    application_id=first.application.application_id,
                    birth_date=resident.birth_date, photo=PHOTO, now=wired.clock())


def _old_card_with_certificates(wired: Container, resident: Resident) -> tuple[str, list[Any]]:
    """A card issued 2017-03-01 to a holder born 1990-01-20: valid to 2027-01-20, with
    both certificates, as the counter made them."""
    number = "OLD-CARD-2017"
    cards_service.register_card(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                                card_number=number, applied_on=date(2017, 2, 1),
                                issued_on=date(2017, 3, 1), now=wired.clock())
    wired.vault.personalise(number, card_face={
        "name": "山田 花子", "address": "千代田1番1号",
        "birth_date": resident.birth_date.isoformat(),
        "sex": "female", "individual_number": resident.individual_number or ""})
    terminal = wired.vault.terminal(number)
    terminal.set_initial_pins(PINS)
    issued = certificates.issue_certificates(wired.uow, wired.authority, terminal,
                                             actor=CHIYODA, now=wired.clock())
    return number, issued


def _keep(tmp_path_factory: pytest.TempPathFactory, card: bytes) -> Path:
    """The holder keeps the card they were given, outside the office's data directory."""
    path = tmp_path_factory.mktemp("holder") / "card.json"
    path.write_bytes(card)
    return path


def test_a_holder_of_a_valid_card_is_refused_until_the_renewal_window_then_renews(
        pki_container: Container, clock: FrozenClock,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    wired = pki_container
    clock.now = clock.now.replace(month=10, day=1)
    resident = _resident(wired, born=date(1990, 1, 20))
    number, old_certificates = _old_card_with_certificates(wired, resident)
    with pytest.raises(Conflict, match="renewal opens on 2026-10-20"):
        _apply(wired, resident)
    clock.now = clock.now.replace(day=20)
    renewal = _apply(wired, resident)
    assert renewal.application.kind is ApplicationKind.RENEWAL
    new_number = _to_office(wired, clock, renewal.application.id or 0)
    # The old card left at the office for certificate renewal: no hand-over until that
    # hand-off is closed, so the register never returns a card that is not back.
    held = _keep(tmp_path_factory, wired.vault.release(number))  # the holder's card
    custody = leave_card(wired.uow, actor=CHIYODA, card_number=number,
                         documents={IdDocument.PASSPORT}, now=wired.clock())
    with pytest.raises(Conflict, match="custody"):
        _hand_over(wired, new_number)
    cancel(wired.uow, actor=CHIYODA, custody_id=custody.id or 0,
           reason="renewed by a new card", now=wired.clock())
    assert Chip.open(held).card_id == number  # given back from the terminal's reader
    handed = _hand_over(wired, new_number)
    assert handed.returned_cards == [number]
    with wired.uow() as uow:
        returned = uow.cards.find_by_number(number)
        assert returned is not None
        assert returned.status is CardStatus.RETURNED
        for certificate in old_certificates:
            (row,) = uow.certificates.find(certificate.serial, certificate.kind)
            assert row.status is CertificateStatus.REVOKED


def test_moving_to_another_municipality_voids_and_destroys_the_waiting_card(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    resident = _resident(wired)
    ref = _apply(wired, resident).application.id or 0
    number = _to_office(wired, clock, ref)
    assert wired.vault.path(number).exists()
    out = moving.record_moving_out(wired.uow, actor=CHIYODA, resident_id=resident.id or 0,
                                   to_municipality="13104", planned_on=date(2026, 12, 14),
                                   now=wired.clock(), ca=wired.ca)
    assert wired.vault.path(number).exists()  # the moving-out alone voids nothing
    moving.record_moving_in(wired.uow, actor=Actor("clerk-shinjuku", Role.CLERK, "13104"),
                            reference=out.notice.reference, birth_date=resident.birth_date,
                            moved_in_on=date(2026, 12, 14), postal_code="1600022",
                            address="新宿1丁目1番1号", now=wired.clock(), ca=wired.ca,
                            vault=wired.vault)
    assert not wired.vault.path(number).exists()
    with wired.uow() as uow:
        card = uow.cards.find_by_number(number)
        assert card is not None
        assert card.status is CardStatus.DESTROYED
    with pytest.raises(ApplicationVoided):
        _hand_over(wired, number)
    status = application_views.status_for_resident(
        wired.uow, application_id=_form_id(wired, ref), birth_date=resident.birth_date)
    assert status.status == "voided"
    assert "apply again" in (status.next_step or "")


def _form_id(wired: Container, ref: int) -> str:
    with wired.uow() as uow:
        return uow.applications.get(ref).application_id


def test_a_move_between_wards_of_a_designated_city_sends_the_card_to_the_new_ward(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    chuo = Actor("clerk-sapporo-chuo", Role.CLERK, "01101")
    kita = Actor("clerk-sapporo-kita", Role.CLERK, "01102")
    resident = _resident(wired, municipality="01101", clerk=chuo)
    ref = _apply(wired, resident, clerk=chuo).application.id or 0
    number = _to_office(wired, clock, ref, clerk=chuo)
    register.move_resident(wired.uow, actor=chuo, resident_id=resident.id or 0,
                           to_municipality="01102", postal_code="0010010",
                           address="北十条西1丁目", moved_on=date(2026, 12, 15),
                           now=wired.clock(), ca=wired.ca, vault=wired.vault)
    with pytest.raises(NotFound):  # not chuo's office any more: chuo is told nothing
        _hand_over(wired, number, clerk=chuo)
    assert _hand_over(wired, number, clerk=kita).card_number == number


def test_a_proxy_needs_a_reason_proof_documents_and_the_holders_sealed_pin_form(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    resident = _resident(wired)
    ref = _apply(wired, resident).application.id or 0
    number = _to_office(wired, clock, ref)
    proxy = ProxyPickUp(reason=ProxyReason.ILLNESS,
                        proofs=frozenset({Proof.MEDICAL_CERTIFICATE}),
                        proxy_documents=frozenset({IdDocument.PASSPORT,
                                                   IdDocument.HEALTH_INSURANCE_CARD}),
                        holder_documents=frozenset({IdDocument.HEALTH_INSURANCE_CARD,
                                                    IdDocument.PENSION_BOOK}),
                        delegation_signed=True, sealed_pin_form_number="12345678")
    with pytest.raises(ProxyRefused, match="not been mailed"):
        _hand_over(wired, number, identity=proxy)
    with wired.uow() as uow:
        uow.applications.mark_notice_printed(ref, pin_form_number="87654321",
                                             now=wired.clock())
        uow.commit()
    with pytest.raises(ProxyRefused, match="sealed PIN form"):
        _hand_over(wired, number, identity=proxy)
    no_proof = replace(proxy, sealed_pin_form_number="87654321", proofs=frozenset())
    with pytest.raises(ProxyRefused, match="proof"):
        _hand_over(wired, number, identity=no_proof)
    with pytest.raises(IdentityNotEstablished):
        _hand_over(wired, number, identity=pickup.InPerson(
            frozenset({IdDocument.HEALTH_INSURANCE_CARD})))
    with wired.uow() as uow:
        assert uow.applications.get(ref).status is ApplicationStatus.READY_FOR_PICK_UP
    with wired.uow() as uow:  # refused attempts leave no trace of an opened form
        assert [r.action for _, r in uow.audit.list(subject=f"application:{ref}", limit=50,
                                                    before_id=None)
                if r.action.startswith("pin-form:")] == []
    done = _hand_over(wired, number,
                      identity=replace(proxy, sealed_pin_form_number="87654321"))
    assert done.card_number == number
    with wired.uow() as uow:  # opened in front of the proxy, then destroyed; no PIN kept
        records = [r for _, r in uow.audit.list(subject=f"application:{ref}", limit=50,
                                                before_id=None)][::-1]
    forms = [r for r in records if r.action.startswith("pin-form:")]
    assert [r.action for r in forms] == ["pin-form:open", "pin-form:destroy"]
    assert all(r.actor == CHIYODA.name and r.details is None for r in forms)
    assert not any(pin in repr(records) for pin in PINS.values())


def test_two_clerks_handing_over_one_card_at_once_exactly_one_succeeds(
        pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    resident = _resident(wired)
    number = _to_office(wired, clock, _apply(wired, resident).application.id or 0)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def clerk() -> None:
        start.wait()
        try:
            _hand_over(wired, number)
            outcomes.append("handed over")
        except Conflict as refused:
            outcomes.append(type(refused).__name__)

    threads = [threading.Thread(target=clerk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["Conflict", "handed over"]
    with wired.engine.connect() as conn:
        handed = conn.execute(select(func.count()).select_from(application_events).where(
            application_events.c.to_status == "handed_over")).scalar()
        active = conn.execute(select(func.count()).select_from(cards).where(
            cards.c.status == "active")).scalar()
    assert (handed, active) == (1, 1)


def test_a_deficient_application_sends_the_applicant_a_letter_to_apply_again(
        container: Container, tmp_path: Path) -> None:
    from mynumbercard.adapters.documents import PdfLetterPrinter  # noqa: PLC0415
    from mynumbercard.adapters.letter_files import LetterDirectory  # noqa: PLC0415
    from mynumbercard.domain.application import DeficiencyReason  # noqa: PLC0415
    from mynumbercard.services import mail  # noqa: PLC0415

    wired = container
    resident = _resident(wired)
    submitted = _apply(wired, resident)
    ref = submitted.application.id or 0
    apps.mark_deficient(wired.uow, actor=OPERATOR, application_ref=ref,
                        reason=DeficiencyReason.PHOTO, message="背景に影があります。",
                        now=wired.clock())
    sent = mail.dispatch(wired.uow, PdfLetterPrinter(), LetterDirectory(tmp_path),
                         actor=OPERATOR, now=wired.clock(), base_url="https://example.jp")
    assert sent.letters == 1
    text = "".join(page.extract_text() for page in PdfReader(sent.files[0]).pages)
    for expected in ("不備", "顔写真が基準に合っていません。", "背景に影があります。",
                     "同じ申請書IDで", "山田 花子"):
        assert expected in text, expected
    number = submitted.application.application_id
    assert " ".join(number[i:i + 4] for i in range(0, 23, 4)) in text
    # Found deficient again after a re-application: a second letter, not the same one twice.
    assert mail.dispatch(wired.uow, PdfLetterPrinter(), LetterDirectory(tmp_path),
                         actor=OPERATOR, now=wired.clock(),
                         base_url="https://example.jp").letters == 0
    apps.submit(wired.uow, wired.photos, FakeInspector(), actor=apps.online_applicant(
        Channel.PC), channel=Channel.PC, application_id=number, birth_date=resident.birth_date,
        photo=PHOTO, now=wired.clock())
    apps.mark_deficient(wired.uow, actor=OPERATOR, application_ref=ref,
                        reason=DeficiencyReason.SIGNATURE, message="署名欄が空欄です。",
                        now=wired.clock())
    again = mail.dispatch(wired.uow, PdfLetterPrinter(), LetterDirectory(tmp_path),
                          actor=OPERATOR, now=wired.clock(), base_url="https://example.jp")
    assert again.letters == 1
    assert "署名欄が空欄です。" in "".join(
        page.extract_text() for page in PdfReader(again.files[0]).pages)
