"""Settlement with the kiosk operators (docs/services.md "Settlement"): the fees charged
per operator and municipality over a period (a calendar month by default, Japan time),
the documents counted by kind, the refusals counted by reason; and the cards whose PIN
was refused more than once, counted by the card across kiosks.

Two views over the same reads: the issuing agency's (`kiosk:settlement`, the staff
console and `GET /api/v1/kiosk/operators/settlement`), and an operator's own over its
signed API key (`GET /api/v1/kiosk/settlement`: its own rows only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.kiosk import KioskDocument
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.kiosk import authenticated_in
from mynumbercard.services.kiosk_ports import KioskUnit
from mynumbercard.services.ports import AuditRecord
from mynumbercard.services.relying_parties import SecretSealer, SignedRequest

MAX_DAYS = 400
MAX_CARDS = 200  # the console lists the cards with the most refused PINs first


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """Documents of one kind an operator's kiosks produced for one municipality."""

    operator: str  # the kiosk operator's key id
    municipality_code: str
    document: KioskDocument
    documents: int
    fees: int  # yen


@dataclass(frozen=True, slots=True)
class RefusalRow:
    operator: str
    refused: str  # a kiosk refusal (`certificate_expired`, `pin_wrong`, ...)
    count: int


@dataclass(frozen=True, slots=True)
class CardPinFailures:
    """One card's refused PINs at kiosks: the count is the card's, whichever kiosk."""

    serial: str  # the user-authentication certificate's serial, hexadecimal
    failures: int
    operators: int  # how many kiosk operators saw them
    fewest_tries_left: int  # 0: the card locked its PIN
    last_at: datetime


class KioskSettlementViews(Protocol):
    def document_rows(self, *, start: datetime, end: datetime,
                      operator: str | None) -> Sequence[DocumentRow]: ...
    def refusal_rows(self, *, start: datetime, end: datetime,
                     operator: str | None) -> Sequence[RefusalRow]: ...
    def repeated_pin_failures(self, *, start: datetime, end: datetime,
                              limit: int) -> Sequence[CardPinFailures]:
        """Cards with two refused PINs or more in the period, the most first."""
        ...


class KioskSettlementUnit(KioskUnit, Protocol):
    @property
    def kiosk_settlement(self) -> KioskSettlementViews: ...


UowFactory = Callable[[], KioskSettlementUnit]


@dataclass(frozen=True, slots=True)
class KindCount:
    document: KioskDocument
    documents: int
    fees: int


@dataclass(frozen=True, slots=True)
class MunicipalityFees:
    municipality_code: str
    municipality_name: str  # the prefecture and the municipality
    by_kind: list[KindCount]  # every kind, in the same order on every row
    documents: int
    fees: int


@dataclass(frozen=True, slots=True)
class RefusalCount:
    refused: str
    count: int


@dataclass(frozen=True, slots=True)
class OperatorSettlement:
    operator: str  # key id
    name: str
    municipalities: list[MunicipalityFees]
    by_kind: list[KindCount]
    documents: int
    fees: int
    refusals: list[RefusalCount]
    refused: int


@dataclass(frozen=True, slots=True)
class AgencySettlement:
    start: date  # the first day, Japan time
    end: date  # the last day, included
    operators: list[OperatorSettlement]
    documents: int
    fees: int
    refused: int
    repeated_pin_failures: list[CardPinFailures]


def period(start: date | None, end: date | None, *, today: date) -> tuple[date, date]:
    """The days `start`..`end`; without them the calendar month of `today`; with only
    `start`, its month."""
    if start is None and end is None:
        start = today.replace(day=1)
    if start is None:
        raise InvalidInput("give the period's first day (from) with its last (to)")
    if end is None:
        following = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        end = following - timedelta(days=1)
    if end < start:
        raise InvalidInput("the period ends on or after its start")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(f"a period is at most {MAX_DAYS} days")
    return start, end


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    begin = datetime(start.year, start.month, start.day, tzinfo=JST)
    return begin, datetime(end.year, end.month, end.day, tzinfo=JST) + timedelta(days=1)


def summarise(operator: str, name: str, rows: Sequence[DocumentRow],
              refusals: Sequence[RefusalRow],
              towns_named: dict[str, str]) -> OperatorSettlement:
    """One operator's rows, per municipality and kind (pure: the rows are its own)."""
    kinds = list(KioskDocument)
    towns: dict[str, dict[KioskDocument, DocumentRow]] = {}
    for row in rows:
        towns.setdefault(row.municipality_code, {})[row.document] = row

    def counts(found: Sequence[tuple[KioskDocument, int, int]]) -> list[KindCount]:
        return [KindCount(kind, sum(n for k, n, _ in found if k is kind),
                          sum(f for k, _, f in found if k is kind)) for kind in kinds]

    municipalities = []
    for code in sorted(towns):
        by_kind = counts([(r.document, r.documents, r.fees) for r in towns[code].values()])
        municipalities.append(MunicipalityFees(code, towns_named.get(code, code), by_kind,
                                               sum(k.documents for k in by_kind),
                                               sum(k.fees for k in by_kind)))
    refused = sorted((RefusalCount(r.refused, r.count) for r in refusals),
                     key=lambda r: (-r.count, r.refused))
    return OperatorSettlement(
        operator, name, municipalities,
        counts([(r.document, r.documents, r.fees) for r in rows]),
        sum(r.documents for r in rows), sum(r.fees for r in rows), refused,
        sum(r.count for r in refused))


def _town_names_in(uow: KioskSettlementUnit, rows: Sequence[DocumentRow]) -> dict[str, str]:
    named = {}
    for code in sorted({r.municipality_code for r in rows}):
        town = uow.municipalities.get(code)
        named[code] = town.prefecture + town.name
    return named


def agency(uow_factory: UowFactory, *, actor: Actor, start: date | None = None,
           end: date | None = None, now: datetime) -> AgencySettlement:
    """Every kiosk operator's settlement over the period, and the cards whose PIN was
    refused more than once (the issuing agency's operators and administrators)."""
    actor.require(Permission.KIOSK_SETTLEMENT)
    first, last = period(start, end, today=now.astimezone(JST).date())
    begin, finish = _bounds(first, last)
    with uow_factory() as uow:
        views = uow.kiosk_settlement
        rows = views.document_rows(start=begin, end=finish, operator=None)
        refusals = views.refusal_rows(start=begin, end=finish, operator=None)
        cards = list(views.repeated_pin_failures(start=begin, end=finish, limit=MAX_CARDS))
        names = {p.key_id: p.name for p in uow.relying_parties.all()}
        towns = _town_names_in(uow, rows)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.KIOSK_SETTLEMENT,
                                     "kiosk:*", {"from": first.isoformat(),
                                                 "to": last.isoformat()}))
        uow.commit()
    keys = sorted({r.operator for r in rows} | {r.operator for r in refusals},
                  key=lambda k: (names.get(k, k), k))
    operators = [summarise(k, names.get(k, k), [r for r in rows if r.operator == k],
                           [r for r in refusals if r.operator == k], towns) for k in keys]
    return AgencySettlement(first, last, operators, sum(o.documents for o in operators),
                            sum(o.fees for o in operators), sum(o.refused for o in operators),
                            cards)


@dataclass(frozen=True, slots=True)
class OwnSettlement:
    """What a kiosk operator sees of itself: its documents and fees, its refusals."""

    operator: str
    start: date
    end: date
    settlement: OperatorSettlement
    documents: int
    fees: int


def own(uow_factory: UowFactory, sealer: SecretSealer, *, request: SignedRequest,
        start: date | None = None, end: date | None = None, now: datetime) -> OwnSettlement:
    """The calling operator's own rows only (its signed API key names it)."""
    first, last = period(start, end, today=now.astimezone(JST).date())
    begin, finish = _bounds(first, last)
    with uow_factory() as uow:
        party = authenticated_in(uow, sealer, request, now)
        views = uow.kiosk_settlement
        rows = views.document_rows(start=begin, end=finish, operator=party.key_id)
        refusals = views.refusal_rows(start=begin, end=finish, operator=party.key_id)
        towns = _town_names_in(uow, rows)
        uow.audit.record(AuditRecord(now, party.actor_name, AuditAction.KIOSK_SETTLEMENT,
                                     f"relying-party:{party.id}",
                                     {"from": first.isoformat(), "to": last.isoformat()}))
        uow.commit()
    mine = summarise(party.key_id, party.name, rows, refusals, towns)
    return OwnSettlement(party.key_id, first, last, mine, mine.documents, mine.fees)
