"""In-memory fakes of the application ports (`services/application_ports.py`,
`issuance_ports.py`, `notice_ports.py`) and of the cards, for the application use cases
without a database. The SQL is tested against the real thing in tests/integration/."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime

from mynumbercard.domain.application import (
    CLOSED,
    Application,
    ApplicationStatus,
    NewApplication,
)
from mynumbercard.domain.card import Card, NewCard
from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.services.application_ports import (
    ApplicationForm,
    HistoryEntry,
    IdSpan,
    PhotoVerdict,
)
from mynumbercard.services.issuance_ports import Shipment
from mynumbercard.services.pki_ports import CardTerminal

from fakes import FakeUnitOfWork


class FakeApplicationStore:
    """Forms, applications and their history; runs and shipments as counters."""

    def __init__(self) -> None:
        self.forms: dict[str, ApplicationForm] = {}
        self.rows: dict[int, Application] = {}
        self.history_rows: dict[int, list[HistoryEntry]] = {}
        self.shipments: dict[int, Shipment] = {}
        self.runs = 0
        self.notices: dict[int, str] = {}  # application → the sealed PIN form's number
        self.reminders: set[int] = set()

    # --- forms ------------------------------------------------------------------------

    def add_form(self, form: ApplicationForm) -> None:
        if form.application_id in self.forms:
            raise Conflict("that Application ID exists already")
        self.forms[form.application_id] = form

    def form(self, application_id: str) -> ApplicationForm | None:
        return self.forms.get(application_id)

    def live_form(self, resident_id: int) -> ApplicationForm | None:
        return next((f for f in self.forms.values()
                     if f.resident_id == resident_id and f.dead_at is None), None)

    def kill_form(self, application_id: str, *, now: datetime) -> None:
        form = self.forms[application_id]
        if form.dead_at is None:
            self.forms[application_id] = replace(form, dead_at=now)

    def replace_forms(self, forms: Sequence[ApplicationForm], *, now: datetime) -> None:
        for form in forms:
            old = self.live_form(form.resident_id)
            if old is not None:
                self.kill_form(old.application_id, now=now)
            self.add_form(form)

    # --- applications -----------------------------------------------------------------

    def _write(self, application: Application, *, actor: str, now: datetime) -> None:
        self.history_rows.setdefault(application.id, []).extend(
            HistoryEntry(at=now, actor=actor, kind=e.kind,
                         from_status=e.from_status.value if e.from_status else None,
                         to_status=e.to_status.value, details=dict(e.details))
            for e in application.events)
        application.events.clear()
        self.rows[application.id] = copy.deepcopy(application)

    def add(self, application: NewApplication, *, actor: str, now: datetime) -> Application:
        if any(a.application_id == application.application_id for a in self.rows.values()):
            raise Conflict("an application with that Application ID exists already")
        stored = application.stored(len(self.rows) + 1)
        self._write(stored, actor=actor, now=now)
        return stored

    def get(self, application_ref: int, *, lock: bool = False) -> Application:
        if application_ref not in self.rows:
            raise NotFound(f"no application {application_ref}")
        return copy.deepcopy(self.rows[application_ref])

    def _first(self, wanted: object, field: str) -> Application | None:
        return next((copy.deepcopy(a) for a in self.rows.values()
                     if getattr(a, field) == wanted), None)

    def by_application_id(self, application_id: str, *, lock: bool = False
                          ) -> Application | None:
        return self._first(application_id, "application_id")

    def by_card(self, card_id: int, *, lock: bool = False) -> Application | None:
        return self._first(card_id, "card_id")

    def open_of_resident(self, resident_id: int) -> Sequence[Application]:
        return [copy.deepcopy(a) for _, a in sorted(self.rows.items())
                if a.resident_id == resident_id and a.status not in CLOSED]

    def save(self, application: Application, *, actor: str, now: datetime) -> None:
        if self.rows[application.id].version != application.version:
            raise Conflict("the application was changed by someone else meanwhile")
        application.version += 1
        self._write(application, actor=actor, now=now)

    def history(self, application_ref: int) -> Sequence[HistoryEntry]:
        return list(self.history_rows.get(application_ref, []))

    def at_office(self, office_code: str, status: ApplicationStatus, *, limit: int,
                  after_ref: int = 0) -> Sequence[Application]:
        return [copy.deepcopy(a) for i, a in sorted(self.rows.items())
                if a.office_code == office_code and a.status is status and i > after_ref
                ][:limit]

    # --- production and shipping ------------------------------------------------------

    def claim(self, status: ApplicationStatus, *, limit: int,
              within: IdSpan | None = None) -> Sequence[Application]:
        lo, hi = within or (0, max(self.rows, default=0))
        return [copy.deepcopy(a) for ref, a in sorted(self.rows.items())
                if a.status is status and lo <= ref <= hi][:limit]

    def ids(self, status: ApplicationStatus) -> Sequence[int]:
        return sorted(ref for ref, a in self.rows.items() if a.status is status)

    def add_run(self, *, produced_on: date, cards: int, now: datetime) -> int:
        self.runs += 1
        return self.runs

    def add_shipment(self, *, municipality_code: str, cards: int, now: datetime) -> int:
        shipment_id = len(self.shipments) + 1
        self.shipments[shipment_id] = Shipment(shipment_id, municipality_code, cards, now, None)
        return shipment_id

    def shipment(self, shipment_id: int) -> Shipment:
        if shipment_id not in self.shipments:
            raise NotFound(f"no shipment {shipment_id}")
        return self.shipments[shipment_id]

    def receive_shipment(self, shipment_id: int, *, actor: str, now: datetime) -> None:
        shipment = self.shipment(shipment_id)
        if shipment.received_at is not None:
            raise Conflict("this shipment's arrival was recorded already")
        self.shipments[shipment_id] = replace(shipment, received_at=now)

    def of_shipment(self, shipment_id: int) -> Sequence[Application]:
        return [copy.deepcopy(a) for _, a in sorted(self.rows.items())
                if a.shipment_id == shipment_id]


    # --- the letters of cards waiting at the office ----------------------------------

    def _ready(self, within: IdSpan | None) -> list[Application]:
        lo, hi = within or (0, max(self.rows, default=0))
        return [copy.deepcopy(a) for ref, a in sorted(self.rows.items())
                if a.status is ApplicationStatus.READY_FOR_PICK_UP and lo <= ref <= hi]

    def notices_due(self, *, limit: int, within: IdSpan | None = None
                    ) -> Sequence[Application]:
        return [a for a in self._ready(within) if a.id not in self.notices][:limit]

    def mark_notice_printed(self, application_ref: int, *, pin_form_number: str,
                            now: datetime) -> None:
        self.notices[application_ref] = pin_form_number

    def reminders_due(self, *, today: date, limit: int, within: IdSpan | None = None
                      ) -> Sequence[Application]:
        return [a for a in self._ready(within) if a.id in self.notices
                and a.id not in self.reminders and a.pick_up_deadline is not None
                and a.pick_up_deadline < today][:limit]

    def mark_reminder_printed(self, application_ref: int, *, now: datetime) -> None:
        self.reminders.add(application_ref)

    def uncollected(self, *, arrived_before: date, limit: int, within: IdSpan | None = None
                    ) -> Sequence[Application]:
        return [a for a in self._ready(within)
                if a.arrived_on is not None and a.arrived_on < arrived_before][:limit]

    def pin_form_number(self, application_ref: int) -> str | None:
        return self.notices.get(application_ref)


class FakeCardStore:
    def __init__(self) -> None:
        self.rows: dict[int, Card] = {}

    def add(self, card: NewCard, *, now: datetime) -> Card:
        if self.find_by_number(card.card_number) is not None:
            raise Conflict("that card number exists already")
        stored = card.stored(len(self.rows) + 1)
        self.rows[stored.id] = copy.deepcopy(stored)
        return stored

    def get(self, card_id: int) -> Card:
        if card_id not in self.rows:
            raise NotFound(f"no card {card_id}")
        return copy.deepcopy(self.rows[card_id])

    def find_by_number(self, card_number: str) -> Card | None:
        return next((copy.deepcopy(c) for c in self.rows.values()
                     if c.card_number == card_number), None)

    def of_resident(self, resident_id: int) -> Sequence[Card]:
        return [copy.deepcopy(c) for _, c in sorted(self.rows.items())
                if c.resident_id == resident_id]

    def save(self, card: Card, *, now: datetime) -> None:
        if self.rows[card.id].version != card.version:
            raise Conflict("the card was changed by someone else meanwhile")
        card.version += 1
        self.rows[card.id] = copy.deepcopy(card)


class FakePhotos:
    """The photo store: photos by their SHA-256."""

    def __init__(self) -> None:
        self.photos: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.photos[digest] = data
        return digest

    def get(self, digest: str) -> bytes:
        if digest not in self.photos:
            raise NotFound("no such photo")
        return self.photos[digest]


class FixedInspector:
    """The photo check's verdict, decided by the test (the real check has its own tests)."""

    def __init__(self, verdict: PhotoVerdict | None = None) -> None:
        self.verdict = verdict or PhotoVerdict(accepted=True, findings=[])

    def inspect(self, data: bytes) -> PhotoVerdict:
        return self.verdict


class FakeVault:
    """The office's safe as a set of card numbers: enough for production's use cases
    (the card files and the chip have their own tests, tests/unit/chip/)."""

    def __init__(self, *, fail_after: int | None = None) -> None:
        self.cards: dict[str, Mapping[str, str]] = {}
        self.destroyed: list[str] = []
        self._fail_after = fail_after

    def personalise(self, card_number: str, *, card_face: Mapping[str, str]) -> None:
        if self._fail_after is not None and len(self.cards) >= self._fail_after:
            raise OSError("the card printer jammed")
        self.cards[card_number] = dict(card_face)

    def holds(self, card_number: str) -> bool:
        return card_number in self.cards

    def terminal(self, card_number: str) -> CardTerminal:
        raise NotImplementedError("no chip in the fake vault")

    def release(self, card_number: str) -> bytes:
        del self.cards[card_number]
        return b""

    def destroy(self, card_number: str) -> None:
        self.cards.pop(card_number, None)
        self.destroyed.append(card_number)


class ApplicationsFakeUnit(FakeUnitOfWork):
    """The register's fake unit with the applications and the cards in memory: an
    `applications.ApplicationsUnit` (and enough of the register's for its residents)."""

    applications: FakeApplicationStore  # type: ignore[assignment]
    cards: FakeCardStore  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.applications = FakeApplicationStore()
        self.cards = FakeCardStore()


class NoticesFakeUnit(ApplicationsFakeUnit):
    """A `notices.NoticesUnit` in memory: the applications' fake unit with the chunk
    table and no configured office."""

    def __init__(self) -> None:
        from job_fakes import FakeJobChunks  # noqa: PLC0415 - job_fakes imports this module
        from mail_fakes import NoOffices  # noqa: PLC0415

        super().__init__()
        self.jobs = FakeJobChunks()
        self.offices = NoOffices()
