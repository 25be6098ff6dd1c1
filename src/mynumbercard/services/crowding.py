"""Crowding at the counter (docs/offices.md "Crowding"): walk-ins recorded by the clerk,
the hours the desk saw, the wait expected per hour of the coming days, the quietest free
slots, and the custody hand-off the counter proposes when the wait is above the office's
level.

Every mark (a walk-in's or a booking's, `services/appointments.mark`) adds to its hour's
row in the same transaction; the forecast reads at most a year of those rows of one
office and fits `domain/crowding.py`'s model on them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.certificate import JST, CertificateStatus, is_expired
from mynumbercard.domain.crowding import (
    HISTORY_DAYS,
    HandoffReason,
    HourForecast,
    arrival_seen,
    deadlines_between,
    forecast,
    handoff_reason,
    open_hours,
    service_seen,
    wait_seen,
)
from mynumbercard.domain.errors import InvalidInput, NotFound
from mynumbercard.domain.office_calendar import DayHours
from mynumbercard.domain.offices import Office
from mynumbercard.domain.renewal import certificate_renewal_open
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.walk_ins import WalkIn, WalkInStep
from mynumbercard.services.appointments import Availability
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.crowding_ports import HoursSeen, WalkInRepository
from mynumbercard.services.custody_ports import CustodyRepository
from mynumbercard.services.offices import HoldsOffices, get_office, no_office, week_hours
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    CardRepository,
    CertificateRepository,
    ResidentRepository,
    Transaction,
)


class ReadsCrowding(HoldsOffices, Protocol):
    """What the forecast reads: the office's calendar and the hours its desk saw."""

    @property
    def hours_seen(self) -> HoursSeen: ...


class CrowdingUnit(ReadsCrowding, Transaction, Protocol):
    """What the walk-ins, the forecast and the hand-off advice read and write."""

    @property
    def walk_ins(self) -> WalkInRepository: ...
    @property
    def cards(self) -> CardRepository: ...
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def certificates(self) -> CertificateRepository: ...
    @property
    def custody(self) -> CustodyRepository: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], CrowdingUnit]
Holidays = Collection[date]
MAX_DAYS = 35
NO_CARD = "no card with this number is on the register"
OTHER_OFFICE = "this walk-in is at another office"
MAX_DAY_WALK_INS = 300
_WALK_IN_ACTIONS = {WalkInStep.STARTED: AuditAction.WALK_IN_START,
                    WalkInStep.ENDED: AuditAction.WALK_IN_END,
                    WalkInStep.LEFT: AuditAction.WALK_IN_LEAVE}


def _desk_office(uow: HoldsOffices, actor: Actor, code: str) -> Office:
    actor.require_role(Permission.APPOINTMENT_DESK)
    office = get_office(uow, code)
    actor.require_visible(Permission.APPOINTMENT_DESK,
                          municipality_code=office.municipality_code,
                          hidden=no_office(code).message)
    return office


def record_walk_in(uow_factory: UowFactory, *, actor: Actor, office_code: str,
                   purpose: Purpose, now: datetime) -> WalkIn:
    """A resident without a booking arrived at the counter: the clerk records them."""
    actor.require_role(Permission.APPOINTMENT_DESK)
    with uow_factory() as uow:
        office = _desk_office(uow, actor, office_code)
        walk_in = WalkIn(id=None, office_code=office.code, purpose=purpose, arrived_at=now)
        uow.walk_ins.add(walk_in)
        uow.hours_seen.add(office.code, arrival_seen(now))
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.WALK_IN_ARRIVE,
                                     f"walk-in:{walk_in.id}",
                                     {"office": office.code, "purpose": purpose.value}))
        uow.commit()
    return walk_in


def mark_walk_in(uow_factory: UowFactory, *, actor: Actor, walk_in_id: int, step: WalkInStep,
                 now: datetime, office_code: str | None = None) -> WalkIn:
    """The start or end of a walk-in's service, or their leaving unserved. `office_code`:
    the office the clerk is at (the desk page's), whose walk-ins only they mark."""
    actor.require_role(Permission.APPOINTMENT_DESK)
    hidden = f"no walk-in {walk_in_id}"
    with uow_factory() as uow:
        walk_in = uow.walk_ins.get(walk_in_id)
        if walk_in is None:
            raise NotFound(hidden)
        actor.require_visible(Permission.APPOINTMENT_DESK,
                              municipality_code=walk_in.office_code[:5], hidden=hidden)
        if office_code is not None and walk_in.office_code != office_code:
            raise InvalidInput(OTHER_OFFICE)
        walk_in.mark(step, at=now)
        uow.walk_ins.save(walk_in)
        if step is WalkInStep.STARTED:
            uow.hours_seen.add(walk_in.office_code, wait_seen(walk_in.arrived_at, now))
        elif step is WalkInStep.ENDED and walk_in.started_at is not None:
            uow.hours_seen.add(walk_in.office_code, service_seen(walk_in.started_at, now))
        uow.audit.record(AuditRecord(now, actor.name, _WALK_IN_ACTIONS[step],
                                     f"walk-in:{walk_in.id}", None))
        uow.commit()
    return walk_in


@dataclass(frozen=True, slots=True)
class DeskWalkIn:
    walk_in: WalkIn
    waited_minutes: int | None  # to the start of service, or so far; None: left


@dataclass(frozen=True, slots=True)
class DeskQueue:
    """One day's walk-ins at an office, and its counter now (whatever the day shown)."""

    office: Office
    walk_ins: list[DeskWalkIn]  # in arrival order
    waiting_now: int  # today's walk-ins who wait still
    expected_wait_minutes: float | None  # forecast for the current hour
    level_minutes: int | None  # the office's hand-off level
    crowded: bool  # above the level: the counter proposes the hand-off to who may


def desk_queue(uow_factory: UowFactory, holidays: Holidays, *, actor: Actor,
               office_code: str, on: date, now: datetime,
               extra_deadlines: Collection[date] = ()) -> DeskQueue:
    """The desk page's walk-ins of `on`, with the walk-ins waiting now and the wait
    expected this hour against the office's hand-off level (`handoff_advice`'s test)."""
    actor.require_role(Permission.APPOINTMENT_DESK)
    today = now.astimezone(JST).date()
    with uow_factory() as uow:
        office = _desk_office(uow, actor, office_code)
        start = datetime.combine(on, time(0), JST)
        found = uow.walk_ins.of_day(office.code, start, start + timedelta(days=1),
                                    limit=MAX_DAY_WALK_INS)
        waiting = uow.walk_ins.waiting(office.code,
                                       since=datetime.combine(today, time(0), JST))
        expected = crowding_in(uow, holidays, office, start=today, days=1, now=now,
                               extra_deadlines=extra_deadlines).wait_at(now)
    level = office.handoff_wait_minutes
    rows = []
    for walk_in in found:
        waited = walk_in.waited(now)
        rows.append(DeskWalkIn(walk_in, None if waited is None
                               else int(waited.total_seconds() // 60)))
    return DeskQueue(office, rows, waiting, expected, level,
                     expected is not None and level is not None and expected > level)


@dataclass(frozen=True, slots=True)
class DayCrowding:
    hours: DayHours
    forecast: list[HourForecast]  # each open hour, in order


@dataclass(frozen=True, slots=True)
class Crowding:
    office: Office
    days: list[DayCrowding]
    history_from: date  # the history read: from this day to yesterday

    def wait_at(self, moment: datetime) -> float | None:
        local = moment.astimezone(JST)
        for day in self.days:
            if day.hours.day == local.date():
                return next((f.wait_minutes for f in day.forecast if f.hour == local.hour),
                            None)
        return None


def crowding_in(uow: ReadsCrowding, holidays: Holidays, office: Office, *, start: date,
                days: int, now: datetime, extra_deadlines: Collection[date] = ()) -> Crowding:
    """The wait expected in each open hour of `days` days from `start`."""
    if not (1 <= days <= MAX_DAYS):
        raise InvalidInput(f"ask for 1 to {MAX_DAYS} days")
    today = now.astimezone(JST).date()
    first = today - timedelta(days=HISTORY_DAYS)
    calendar = week_hours(uow, holidays, office, start, days)
    history = uow.hours_seen.between(office.code, first, today - timedelta(days=1))
    deadlines = deadlines_between(first, start + timedelta(days=days), extra_deadlines)
    found = forecast(history, [(h.day, open_hours(h.windows)) for h in calendar],
                     deadlines=deadlines, today=today)
    by_day: dict[date, list[HourForecast]] = {}
    for hour in found:
        by_day.setdefault(hour.day, []).append(hour)
    return Crowding(office, [DayCrowding(h, by_day.get(h.day, [])) for h in calendar], first)


def crowding(uow_factory: UowFactory, holidays: Holidays, *, office_code: str, start: date,
             days: int, now: datetime, extra_deadlines: Collection[date] = ()) -> Crowding:
    with uow_factory() as uow:
        office = get_office(uow, office_code)
        return crowding_in(uow, holidays, office, start=start, days=days, now=now,
                           extra_deadlines=extra_deadlines)


@dataclass(frozen=True, slots=True)
class QuietSlot:
    starts_at: datetime
    free: int
    wait_minutes: float | None  # the wait expected in the slot's hour


def quietest_slots(found: Availability, expected: Crowding, *,
                   limit: int) -> list[QuietSlot]:
    """Free slots, the quietest hour first (no forecast: after those with one), then the
    earliest."""
    slots = [QuietSlot(s.starts_at, s.free, expected.wait_at(s.starts_at))
             for day in found.days for s in day.slots if s.free > 0]
    slots.sort(key=lambda s: (s.wait_minutes is None, s.wait_minutes or 0.0, s.starts_at))
    return slots[:limit]


@dataclass(frozen=True, slots=True)
class HandoffAdvice:
    """What the counter proposes to the holder of `card_number` at this hour."""

    office: str
    card_number: str
    hour: int
    expected_wait_minutes: float | None
    level_minutes: int | None
    waiting_now: int  # walk-ins recorded today who wait still
    propose: bool
    reason: HandoffReason
    certificates_valid_until: date | None  # the earliest still valid


def handoff_advice(uow_factory: UowFactory, holidays: Holidays, *, actor: Actor,
                   office_code: str, card_number: str, now: datetime,
                   extra_deadlines: Collection[date] = ()) -> HandoffAdvice:
    """Propose leaving the card for the certificates' renewal by post (`custody`) when
    the wait expected now at the office is above its level and the holder may: the card
    usable, its certificates not yet expired and their renewal open, not left already.
    The clerk must be of the office's and the card's municipality."""
    actor.require_role(Permission.CERTIFICATE_ISSUE)
    today = now.astimezone(JST).date()
    with uow_factory() as uow:
        office = get_office(uow, office_code)
        actor.require_visible(Permission.CERTIFICATE_ISSUE,
                              municipality_code=office.municipality_code,
                              hidden=no_office(office_code).message)
        card = uow.cards.find_by_number(card_number)
        resident = uow.residents.get(card.resident_id) if card is not None else None
        if (card is None or card.id is None or resident is None
                or not actor.may(Permission.CERTIFICATE_ISSUE,
                                 municipality_code=resident.municipality_code)):
            raise NotFound(NO_CARD)
        valid = sorted(c.not_after.astimezone(JST).date()
                       for c in uow.certificates.of_card(card.id)
                       if c.status is CertificateStatus.ACTIVE
                       and not is_expired(c.not_after, now))
        in_custody = uow.custody.open_for_card(card.id) is not None
        expected = crowding_in(uow, holidays, office, start=today, days=1, now=now,
                               extra_deadlines=extra_deadlines).wait_at(now)
        since = datetime.combine(today, datetime.min.time(), JST)
        waiting = uow.walk_ins.waiting(office.code, since=since)
    reason = handoff_reason(
        wait_minutes=expected, level_minutes=office.handoff_wait_minutes,
        card_usable=card.status is CardStatus.ACTIVE and today <= card.expires_on,
        valid_certificates=len(valid),
        renewal_open=all(certificate_renewal_open(valid_until=d, today=today) for d in valid),
        in_custody=in_custody)
    return HandoffAdvice(office.code, card.card_number, now.astimezone(JST).hour, expected,
                         office.handoff_wait_minutes, waiting,
                         reason is HandoffReason.PROPOSE, reason, valid[0] if valid else None)
