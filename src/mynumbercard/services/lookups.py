"""Finding things: residents by number, name or address; a card by its number; the
review queue and an application by its Application ID.

Authorise before look-up: the role is checked before any query, and a clerk's search is
confined to their own municipality in the query itself. A thing the caller may not see
answers exactly as an unknown one (the same 404, or an empty list). Every look-up that
shows personal data writes an audit record naming the residents shown, by id; the query
itself (a name, a number) never goes into the audit log.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain import application_id as application_ids
from mynumbercard.domain import bounds, individual_number, search_key
from mynumbercard.domain.application import Application
from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import InvalidInput, NotFound
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission, Role
from mynumbercard.services.application_ports import Applications
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.lookup_ports import Lookups, QueueFilter
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    CardRepository,
    CertificateRepository,
    ResidentRepository,
    Transaction,
)


class LookupsUnit(Transaction, Protocol):
    """What the staff look-ups read (and audit) in one transaction."""

    @property
    def lookups(self) -> Lookups: ...
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def applications(self) -> Applications: ...
    @property
    def cards(self) -> CardRepository: ...
    @property
    def certificates(self) -> CertificateRepository: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], LookupsUnit]

MAX_RESULTS = 100  # residents in one search answer
MAX_QUEUE_PAGE = 200  # applications in one queue page
MAX_ADDRESS_PREFIX = 100
_NO_CARD = "no card with this number"
_NO_APPLICATION = "no application with this Application ID"
_CARD_NUMBER = re.compile(r"[0-9A-F]{16}")
_ANY_CARD_NUMBER = re.compile(bounds.CARD_NUMBER_PATTERN)
_POSTAL_CODE = re.compile(r"[0-9]{7}")
_CURSOR = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})\.([0-9]{1,18})")


def _typed(text: str, *, field: str, longest: int) -> str:
    """What staff typed, NFKC-normalised; bounded, and no control or private-use
    characters (they match nothing and only hide what was asked)."""
    if len(text) > longest * 2:  # before normalising: NFKC may lengthen
        raise InvalidInput(f"{field} is at most {longest} characters")
    if any(unicodedata.category(c)[0] == "C" and c not in search_key.WHITESPACE for c in text):
        raise InvalidInput(f"{field} holds a control or unassigned character")
    return unicodedata.normalize("NFKC", text).strip()


def _confine(actor: Actor, permission: Permission, municipality_code: str | None) -> str | None:
    """The municipality a search is confined to: a clerk's own (another is refused), or
    the filter another role gave (None: all)."""
    actor.require(permission, municipality_code=municipality_code)
    if actor.role is Role.CLERK:
        return actor.municipality_code
    return municipality_code


def _visible(actor: Actor, permission: Permission, municipality_code: str) -> bool:
    return actor.may(permission, municipality_code=municipality_code)


# --- residents -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResidentQuery:
    """One of: ``number``; ``name`` with ``birth_date``; ``postal_code`` (and ``address``)."""

    number: str | None = None
    name: str | None = None
    birth_date: date | None = None
    postal_code: str | None = None
    address: str | None = None
    municipality_code: str | None = None
    limit: int = 20
    after_id: int = 0


def _kind(query: ResidentQuery) -> str:
    given = [k for k, v in (("number", query.number), ("name", query.name),
                            ("postal_code", query.postal_code)) if v is not None]
    if len(given) != 1:
        raise InvalidInput("search by one of: number; name with birth_date; postal_code "
                           "(with an address prefix)")
    if given == ["name"] and query.birth_date is None:
        raise InvalidInput("a search by name needs the birth_date too")
    if query.address is not None and given != ["postal_code"]:
        raise InvalidInput("an address prefix goes with its postal_code")
    return given[0]


def search_residents(uow_factory: UowFactory, *, actor: Actor, query: ResidentQuery,
                     now: datetime) -> Sequence[Resident]:
    """Residents matching ``query``, at most ``query.limit`` (<= 100)."""
    kind = _kind(query)
    town = _confine(actor, Permission.RESIDENT_READ, query.municipality_code)
    limit = max(1, min(query.limit, MAX_RESULTS))
    with uow_factory() as uow:
        found: Sequence[Resident]
        if kind == "number":
            digits = _typed(query.number or "", field="number", longest=20)
            number = individual_number.parse(re.sub(r"[ -]", "", digits))
            resident = uow.residents.find_by_number(number)
            found = ([resident] if resident is not None and
                     (town is None or resident.municipality_code == town) else [])
        elif kind == "name":
            key = search_key.fold(_typed(query.name or "", field="name",
                                         longest=search_key.MAX_PREFIX))
            if not key:
                raise InvalidInput("name is empty once spaces are taken out")
            found = uow.lookups.residents_by_name(
                key[:search_key.MAX_PREFIX], birth_date=query.birth_date or date.min,
                municipality_code=town, limit=limit)
        else:
            postal = re.sub(r"[ -]", "", _typed(query.postal_code or "", field="postal_code",
                                                 longest=10))
            if not _POSTAL_CODE.fullmatch(postal):
                raise InvalidInput("a postal code has 7 digits (a hyphen after the third "
                                   "is allowed)")
            key = search_key.address_key(_typed(query.address or "", field="address",
                                                longest=MAX_ADDRESS_PREFIX))
            found = uow.lookups.residents_by_address(postal, key, municipality_code=town,
                                                     limit=limit, after_id=query.after_id)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.RESIDENT_SEARCH,
                                     f"municipality:{town}" if town else "residents",
                                     {"by": kind, "ids": [r.id for r in found]}))
        uow.commit()
        return found


# --- cards ---------------------------------------------------------------------------


def card_number_forms(text: str) -> list[str]:
    """The numbers a typed card number may stand for: as typed (1-32 letters, digits,
    hyphens: a card registered at the counter keeps its chip's id), and a number this
    system made, 16 hexadecimal digits, typed grouped or in lower case."""
    typed = _typed(text, field="card number", longest=40)
    grouped = re.sub(r"[ -]", "", typed).upper()
    forms = [typed] if _ANY_CARD_NUMBER.fullmatch(typed) else []
    if _CARD_NUMBER.fullmatch(grouped) and grouped != typed:
        forms.append(grouped)
    if not forms:
        raise InvalidInput("a card number has 1 to 32 letters, digits or hyphens (the "
                           "cards made here: 16 hexadecimal digits)")
    return forms


@dataclass(frozen=True, slots=True)
class CertificateOnCard:
    kind: CertKind
    serial: str  # hexadecimal
    status: str  # active, suspended, revoked, or expired by the date
    not_after: datetime


@dataclass(frozen=True, slots=True)
class CardView:
    card_number: str
    status: CardStatus
    issued_on: date
    expires_on: date
    applied_on: date | None
    resident_id: int
    municipality_code: str
    certificates: tuple[CertificateOnCard, ...]


def card_view(uow_factory: UowFactory, *, actor: Actor, card_number: str,
              now: datetime) -> CardView:
    """A card with its dates, its holder's resident id and its certificates."""
    forms = card_number_forms(card_number)
    actor.require(Permission.RESIDENT_READ)
    with uow_factory() as uow:
        card = next(filter(None, map(uow.cards.find_by_number, forms)), None)
        holder = uow.residents.get(card.resident_id) if card is not None else None
        if card is None or holder is None or not _visible(
                actor, Permission.RESIDENT_READ, holder.municipality_code):
            raise NotFound(_NO_CARD)
        certificates = uow.certificates.of_card(card.id)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.CARD_READ,
                                     f"resident:{card.resident_id}", {"card": card.id}))
        uow.commit()
    return CardView(
        card_number=card.card_number, status=card.status, issued_on=card.issued_on,
        expires_on=card.expires_on, applied_on=card.applied_on, resident_id=card.resident_id,
        municipality_code=holder.municipality_code,
        certificates=tuple(CertificateOnCard(c.kind, c.serial_hex, c.status_on(now),
                                             c.not_after) for c in certificates))


# --- applications --------------------------------------------------------------------


def parse_cursor(text: str) -> tuple[date, int]:
    """A queue cursor, ``YYYY-MM-DD.id`` as the previous page's ``next`` gave it."""
    match = _CURSOR.fullmatch(text.strip())
    if match is None:
        raise InvalidInput("after is a cursor from a previous page: YYYY-MM-DD.id")
    try:
        return date.fromisoformat(match.group(1)), int(match.group(2))
    except ValueError:
        raise InvalidInput("after is a cursor from a previous page: YYYY-MM-DD.id") from None


def cursor_of(application: Application) -> str:
    return f"{application.received_on.isoformat()}.{application.id}"


@dataclass(frozen=True, slots=True)
class QueuePage:
    applications: Sequence[Application]
    next: str | None  # the cursor of the next page, None on the last


def application_queue(uow_factory: UowFactory, *, actor: Actor, wanted: QueueFilter,
                      limit: int, now: datetime) -> QueuePage:
    """A page of the queue: ``wanted.status``, oldest received first."""
    town = _confine(actor, Permission.APPLICATION_READ, wanted.municipality_code)
    if (wanted.received_from and wanted.received_to
            and wanted.received_from > wanted.received_to):
        raise InvalidInput("received_from is after received_to")
    size = max(1, min(limit, MAX_QUEUE_PAGE))
    confined = QueueFilter(wanted.status, wanted.channel, town, wanted.received_from,
                           wanted.received_to, wanted.after)
    with uow_factory() as uow:
        found = uow.lookups.application_queue(confined, limit=size + 1)
        page = found[:size]
        if page:
            uow.audit.record(AuditRecord(
                now, actor.name, AuditAction.APPLICATION_LIST,
                f"municipality:{town}" if town else "applications",
                {"status": wanted.status.value, "ids": [a.id for a in page]}))
            uow.commit()
    return QueuePage(page, cursor_of(page[-1]) if len(found) > size else None)


def application_ref(uow_factory: UowFactory, *, actor: Actor, application_id: str) -> int:
    """The reference of the application with this Application ID (hyphens, spaces and
    full-width digits allowed; the check digit is checked before any look-up)."""
    digits = application_ids.parse(_typed(application_id, field="application_id",
                                          longest=40))
    actor.require(Permission.APPLICATION_READ)
    with uow_factory() as uow:
        application = uow.applications.by_application_id(digits)
        if application is None or not _visible(
                actor, Permission.APPLICATION_READ,
                uow.residents.get(application.resident_id).municipality_code):
            raise NotFound(_NO_APPLICATION)
        return application.id
