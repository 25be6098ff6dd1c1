"""The kiosk's administration: what each municipality offers and for what fee, announced
maintenance, the console (fees per operator, PIN failures per card), and the public
check of a verification code (the operators' settlement: kiosk_settlement.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import InvalidInput, NotFound
from mynumbercard.domain.kiosk import KioskDocument, Maintenance, check_fee, normalise_code
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.kiosk import UowFactory
from mynumbercard.services.kiosk_ports import Offer, OperatorTotal, PinFailure
from mynumbercard.services.ports import AuditRecord

MAX_PERIOD = timedelta(days=400)
UNKNOWN_CODE = "no document with this verification code"


@dataclass(frozen=True, slots=True)
class MaintenanceView:
    id: int
    starts_at: datetime
    ends_at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class Console:
    start: datetime
    end: datetime
    totals: list[OperatorTotal]
    pin_failures: list[PinFailure]


@dataclass(frozen=True, slots=True)
class Verified:
    verification_code: str
    document: KioskDocument
    title: str
    municipality: str
    issued_on: date
    pdf_sha256: str


def set_offer(uow_factory: UowFactory, *, actor: Actor, municipality_code: str,
              document: KioskDocument, fee: int | None, domicile: bool = False,
              now: datetime) -> Offer | None:
    """The municipality offers `document` at kiosks for `fee` yen (None: withdrawn)."""
    actor.require(Permission.KIOSK_MANAGE)
    offer = None if fee is None else Offer(municipality_code, document, check_fee(fee),
                                           domicile)
    with uow_factory() as uow:
        uow.municipalities.get(municipality_code)
        uow.kiosk.set_offer(offer, municipality_code=municipality_code, document=document)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.KIOSK_OFFER,
                                     f"municipality:{municipality_code}",
                                     {"document": document.value, "fee": fee,
                                      "domicile": domicile}))
        uow.commit()
    return offer


def announce_maintenance(uow_factory: UowFactory, *, actor: Actor, starts_at: datetime,
                         ends_at: datetime, note: str, now: datetime) -> MaintenanceView:
    actor.require(Permission.KIOSK_MANAGE)
    if len(note) > 200:
        raise InvalidInput("a maintenance note is at most 200 characters")
    window = Maintenance(starts_at, ends_at, note)
    if window.ends_at - window.starts_at > timedelta(days=7):
        raise InvalidInput("a maintenance window is at most 7 days")
    with uow_factory() as uow:
        window_id = uow.kiosk.add_maintenance(window, by=actor.name)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.KIOSK_ANNOUNCE_MAINTENANCE,
                                     f"kiosk-maintenance:{window_id}",
                                     {"starts_at": starts_at.isoformat(),
                                      "ends_at": ends_at.isoformat()}))
        uow.commit()
    return MaintenanceView(window_id, starts_at, ends_at, note)


def _period(start: date, end: date) -> tuple[datetime, datetime]:
    if end < start:
        raise InvalidInput("the period ends on or after its start")
    begin = datetime(start.year, start.month, start.day, tzinfo=JST)
    finish = datetime(end.year, end.month, end.day, tzinfo=JST) + timedelta(days=1)
    if finish - begin > MAX_PERIOD:
        raise InvalidInput("a period is at most 400 days")
    return begin, finish


def console(uow_factory: UowFactory, *, actor: Actor, start: date, end: date,
            now: datetime) -> Console:
    """Fees per operator and municipality over the days `start`..`end` (Japan time), and
    the PIN failures the cards reported at kiosks in that period."""
    actor.require(Permission.KIOSK_MANAGE)
    begin, finish = _period(start, end)
    with uow_factory() as uow:
        totals = list(uow.kiosk.totals(start=begin, end=finish))
        failures = [f for f in uow.kiosk.pin_failures(since=begin, limit=1000)
                    if f.at < finish]
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.KIOSK_SETTLEMENT,
                                     "kiosk:*", {"from": start.isoformat(),
                                                 "to": end.isoformat()}))
        uow.commit()
    return Console(begin, finish, totals, failures)


def verify(uow_factory: UowFactory, *, code: str, now: datetime) -> Verified:
    """Whether a verification code is genuine: the kind of document, its municipality
    and day only (nothing of the person; the paper shows that)."""
    printed = normalise_code(code)
    with uow_factory() as uow:
        found = uow.kiosk.document_by_code(printed)
        uow.audit.record(AuditRecord(now, "public", AuditAction.KIOSK_VERIFY,
                                     "kiosk-document:*", {"found": found is not None}))
        uow.commit()
    if found is None:
        raise NotFound(UNKNOWN_CODE)
    return Verified(found.verification_code, found.document, found.document.title_ja,
                    found.municipality_code, found.issued_at.astimezone(JST).date(),
                    found.pdf_sha256)


