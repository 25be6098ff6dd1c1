"""Cards for the tests: one in its holder's hands, and where a card's private keys are
(whoever has a file holding them can sign as the holder)."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta
from pathlib import Path

from mynumbercard.bootstrap import Container
from mynumbercard.domain.application import Channel
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import applications as apps
from mynumbercard.services import cards, certificates, issuance, register
from mynumbercard.services.application_ports import FormReason, PhotoVerdict

from conftest import FrozenClock

CHIYODA_CLERK = Actor("clerk-chiyoda", Role.CLERK, "13101")
HOLDER_PINS = {PinKind.SIGNATURE: "ABC123", PinKind.USER_AUTH: "1234",
               PinKind.RESIDENT_REGISTER: "5678", PinKind.CARD_INFO: "9012"}


def held_card(wired: Container, number: str, *, issued_on: date) -> bytes:
    """Yamada Hanako of Chiyoda (born 1990-01-20), her card `number` issued on
    `issued_on` with both certificates (PINs `HOLDER_PINS`), released to her: the card
    file she holds."""
    born = date(1990, 1, 20)
    resident = register.register_resident(
        wired.uow, actor=CHIYODA_CLERK, now=wired.clock(), family_name="山田",
        given_name="花子", family_name_kana="ヤマダ", given_name_kana="ハナコ",
        birth_date=born, sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=born)
    cards.register_card(wired.uow, actor=CHIYODA_CLERK, resident_id=resident.id or 0,
                        card_number=number, applied_on=issued_on, issued_on=issued_on,
                        now=wired.clock())
    wired.vault.personalise(number, card_face={
        "name": "山田 花子", "address": "千代田1番1号", "birth_date": born.isoformat(),
        "sex": "female", "individual_number": resident.individual_number or ""})
    terminal = wired.vault.terminal(number)
    terminal.set_initial_pins(HOLDER_PINS)
    certificates.issue_certificates(wired.uow, wired.authority, terminal,
                                    actor=CHIYODA_CLERK, now=wired.clock())
    return wired.vault.release(number)


def private_keys(card: bytes) -> list[bytes]:
    """The PKCS#8 DER private keys in a card file."""
    slots = json.loads(card)["body"]["keys"].values()
    return [base64.b64decode(slot["private_key_pkcs8"]) for slot in slots if slot]


def files_holding_keys(root: Path, card: bytes) -> list[Path]:
    """Every file under `root` holding one of the card's private keys, as DER, as the
    card file's base64, or as a PEM's first line."""
    needles: list[bytes] = []
    for der in private_keys(card):
        text = base64.b64encode(der)
        needles += [der, text, text[:64]]
    assert needles, "the card has no key pair"
    return [path for path in sorted(root.rglob("*"))
            if path.is_file() and any(n in path.read_bytes() for n in needles)]


class AcceptingInspector:
    """The photo port's fake, for tests about the card rather than the photo."""

    def inspect(self, data: bytes) -> PhotoVerdict:
        return PhotoVerdict(True, ())


ADMIN = Actor("admin", Role.ADMIN)


def card_waiting(wired: Container) -> str:
    """Suzuki Ichiro of Chiyoda (born 1985): his application through review,
    production, shipping and receipt (the container's clock, a `FrozenClock`, moves on
    15 days); the card waits in the office's safe. Its number."""
    clock: FrozenClock = wired.clock  # type: ignore[assignment]  # one with `now` to move
    resident = register.register_resident(
        wired.uow, actor=ADMIN, now=clock(), family_name="鈴木", given_name="一郎",
        family_name_kana="スズキ", given_name_kana="イチロウ", birth_date=date(1985, 4, 2),
        sex=Sex.MALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(1985, 4, 10))
    form = apps.issue_form(wired.uow, actor=ADMIN, resident_id=resident.id or 0,
                           reason=FormReason.FIRST, now=clock())
    done = apps.submit(wired.uow, wired.photos, AcceptingInspector(),
                       actor=apps.online_applicant(Channel.PC), channel=Channel.PC,
                       application_id=form.application_id, birth_date=resident.birth_date,
                       photo=b"\xff\xd8 a photo", now=clock())
    clock.now += timedelta(days=5)
    apps.approve(wired.uow, actor=ADMIN, application_ref=done.application.id or 0, now=clock())
    clock.now += timedelta(days=7)
    issuance.run_production(wired.uow, wired.vault, actor=ADMIN, now=clock())
    clock.now += timedelta(days=3)
    for shipment in issuance.ship(wired.uow, actor=ADMIN, now=clock()).shipments:
        issuance.receive_shipment(wired.uow, actor=ADMIN, shipment_id=shipment, now=clock())
    with wired.uow() as uow:
        application = uow.applications.get(done.application.id or 0)
        return uow.cards.get(application.card_id or 0).card_number
