"""Seeding the operators' console's pages through the services: a card applied for,
approved, produced and shipped (its shipment not received), and a certificate change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mynumbercard.bootstrap import Container
from mynumbercard.domain.application import Channel
from mynumbercard.domain.certificate import CertKind, NewCertificate
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.generators.sample_portrait import sample_portrait
from mynumbercard.services import applications as apps
from mynumbercard.services import issuance, register
from mynumbercard.services.application_ports import FormReason

SETUP = Actor("console-setup", Role.ADMIN)
AGENCY = Actor("console-agency", Role.OPERATOR)


@dataclass(frozen=True)
class Shipped:
    resident_id: int
    application_ref: int
    run_id: int
    shipment_id: int
    card_number: str


def produced_and_shipped(wired: Container, municipality: str = "13101") -> Shipped:
    """A resident's card, applied for online, approved, produced and shipped today: only
    this application's (the browser tests' site is shared; another test's approved
    application, received on another day, is not this helper's to produce)."""
    now = wired.clock()
    resident = register.register_resident(
        wired.uow, actor=SETUP, now=now, family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=date(1990, 6, 1),
        sex=Sex.FEMALE, municipality_code=municipality, postal_code="1000001",
        address="千代田1番1号", registered_on=date(1990, 6, 1))
    form = apps.issue_form(wired.uow, actor=SETUP, resident_id=resident.id or 0,
                           reason=FormReason.FIRST, now=now)
    ref = apps.submit(wired.uow, wired.photos, wired.photo_inspector,
                      actor=apps.online_applicant(Channel.PC), channel=Channel.PC,
                      application_id=form.application_id, birth_date=resident.birth_date,
                      photo=sample_portrait(), now=now).application.id or 0
    apps.approve(wired.uow, actor=AGENCY, application_ref=ref, now=now)
    run = issuance.run_production(wired.uow, wired.vault, actor=AGENCY, now=now,
                                  within=(ref, ref))
    (shipment_id,) = issuance.ship(wired.uow, actor=AGENCY, now=now,
                                   within=(ref, ref)).shipments
    return Shipped(resident.id or 0, ref, run.run_id or 0, shipment_id,
                   run.made[0].card_number)


def held_certificate(wired: Container, card_number: str, *, serial: int = 0x5EED) -> None:
    """A certificate on the card, then put on hold (as a loss report does): the status
    change the console lists. Seeded through the repositories: issuing one needs the
    chip's key pair."""
    now = wired.clock()
    with wired.uow() as uow:
        card = uow.cards.find_by_number(card_number)
        assert card is not None
        stored = uow.certificates.add(NewCertificate(
            CertKind.AUTH, serial, card.id or 0, now, now + timedelta(days=365)),
            b"not a real certificate", shard=0, now=now)
        stored.suspend(at=now)
        uow.certificates.save(stored, actor="console-call-centre", now=now)
        uow.commit()
