"""Cards for the tests: one in its holder's hands, and where a card's private keys are
(whoever has a file holding them can sign as the holder)."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

from mynumbercard.bootstrap import Container
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards, certificates, register

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
