"""Applications, their forms and events, production runs and shipments, in SQL.

Row locks (``FOR UPDATE``, ``SKIP LOCKED`` for the batch claims) are PostgreSQL's; SQLite
renders none and needs none, since its writers take the whole database in turn
(``BEGIN IMMEDIATE``, engine.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, Row, Select, insert, select, update

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.tables import (
    application_events,
    application_forms,
    applications,
    production_runs,
    residents,
    shipments,
)
from mynumbercard.domain.application import (
    CLOSED,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Channel,
    DeficiencyReason,
    NewApplication,
    VoidReason,
)
from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.domain.photo import PhotoFinding
from mynumbercard.services.application_ports import (
    ApplicationForm,
    FormReason,
    HistoryEntry,
    IdSpan,
)
from mynumbercard.services.issuance_ports import Shipment

_PLAIN = ("application_id", "resident_id", "received_on", "submissions",
          "want_signature_certificate", "want_auth_certificate", "photo_digest",
          "deficiency_message", "card_id", "production_run_id", "shipment_id", "office_code",
          "pick_up_deadline", "arrived_on")


def _values(app: Application) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(app, name) for name in _PLAIN}
    values.update(
        kind=app.kind.value, channel=app.channel.value, status=app.status.value,
        deficiency_reason=app.deficiency_reason.value if app.deficiency_reason else None,
        void_reason=app.void_reason.value if app.void_reason else None,
        photo_findings=[_stored(f) for f in app.photo_findings],
    )
    return values


def _stored(finding: PhotoFinding) -> dict[str, Any]:
    return {"code": finding.code.value, "severity": finding.severity.value,
            "value": finding.value, "threshold": finding.threshold,
            "message_ja": finding.message_ja, "message_en": finding.message_en}


def _finding(stored: dict[str, Any]) -> PhotoFinding:
    return PhotoFinding.of(stored["code"], value=stored.get("value"),
                           threshold=stored.get("threshold", ""),
                           message_ja=stored.get("message_ja", ""),
                           message_en=stored.get("message_en", ""))


def _application(row: Row[Any]) -> Application:
    m = row._mapping
    return Application(
        id=m["id"], kind=ApplicationKind(m["kind"]), channel=Channel(m["channel"]),
        status=ApplicationStatus(m["status"]),
        deficiency_reason=(DeficiencyReason(m["deficiency_reason"])
                           if m["deficiency_reason"] else None),
        void_reason=VoidReason(m["void_reason"]) if m["void_reason"] else None,
        photo_findings=[_finding(f) for f in m["photo_findings"] or []],
        version=m["version"],
        **{name: m[name] for name in _PLAIN},
    )


def _new_id(result: CursorResult[Any]) -> int:
    (new_id,) = result.inserted_primary_key or (0,)
    return int(new_id)


def _form(row: Row[Any]) -> ApplicationForm:
    m = row._mapping
    return ApplicationForm(application_id=m["application_id"], resident_id=m["resident_id"],
                           reason=FormReason(m["reason"]), issued_at=as_utc(m["issued_at"]),
                           dead_at=as_utc(m["dead_at"]) if m["dead_at"] else None)


class SqlApplications:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # --- forms --------------------------------------------------------------------

    def add_form(self, form: ApplicationForm) -> None:
        self._conn.execute(insert(application_forms).values(
            application_id=form.application_id, resident_id=form.resident_id,
            reason=form.reason.value, issued_at=form.issued_at, dead_at=form.dead_at))

    def form(self, application_id: str) -> ApplicationForm | None:
        row = self._conn.execute(select(application_forms).where(
            application_forms.c.application_id == application_id)).first()
        return _form(row) if row else None

    def live_form(self, resident_id: int) -> ApplicationForm | None:
        row = self._conn.execute(select(application_forms).where(
            application_forms.c.resident_id == resident_id,
            application_forms.c.dead_at.is_(None))).first()
        return _form(row) if row else None

    def kill_form(self, application_id: str, *, now: datetime) -> None:
        self._conn.execute(update(application_forms).where(
            application_forms.c.application_id == application_id,
            application_forms.c.dead_at.is_(None)).values(dead_at=now))

    def replace_forms(self, forms: Sequence[ApplicationForm], *, now: datetime) -> None:
        if not forms:
            return
        self._conn.execute(update(application_forms).where(
            application_forms.c.resident_id.in_([f.resident_id for f in forms]),
            application_forms.c.dead_at.is_(None)).values(dead_at=now))
        self._conn.execute(insert(application_forms), [
            {"application_id": f.application_id, "resident_id": f.resident_id,
             "reason": f.reason.value, "issued_at": f.issued_at, "dead_at": None}
            for f in forms])

    # --- applications -------------------------------------------------------------

    def add(self, application: NewApplication, *, actor: str, now: datetime) -> Application:
        received = application.stored(0)  # its columns; the id comes from the insert
        holder_town = select(residents.c.municipality_code).where(
            residents.c.id == application.resident_id).scalar_subquery()
        result = self._conn.execute(insert(applications).values(
            **_values(received), holder_municipality_code=holder_town, version=0,
            created_at=now, updated_at=now))
        stored = application.stored(_new_id(result))
        self._write_events(stored, actor=actor, now=now)
        return stored

    def _one(self, query: Select[Any], lock: bool) -> Application | None:
        if lock:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return _application(row) if row else None

    def get(self, application_ref: int, *, lock: bool = False) -> Application:
        found = self._one(select(applications).where(applications.c.id == application_ref),
                          lock)
        if found is None:
            raise NotFound(f"no application {application_ref}")
        return found

    def by_application_id(self, application_id: str, *, lock: bool = False
                          ) -> Application | None:
        return self._one(select(applications).where(
            applications.c.application_id == application_id), lock)

    def by_card(self, card_id: int, *, lock: bool = False) -> Application | None:
        return self._one(select(applications).where(applications.c.card_id == card_id), lock)

    def open_of_resident(self, resident_id: int) -> Sequence[Application]:
        closed = [status.value for status in CLOSED]
        rows = self._conn.execute(select(applications).where(
            applications.c.resident_id == resident_id, applications.c.status.not_in(closed))
            .order_by(applications.c.id))
        return [_application(row) for row in rows]

    def save(self, application: Application, *, actor: str, now: datetime) -> None:
        result = self._conn.execute(
            update(applications).where(applications.c.id == application.id,
                                       applications.c.version == application.version)
            .values(**_values(application), version=application.version + 1,
                    updated_at=now))
        if result.rowcount != 1:
            raise Conflict("the application was changed by someone else meanwhile: "
                           "reload and retry")
        application.version += 1
        self._write_events(application, actor=actor, now=now)

    def _write_events(self, application: Application, *, actor: str, now: datetime) -> None:
        if application.events:
            self._conn.execute(insert(application_events), [
                {"application_ref": application.id, "kind": event.kind,
                 "from_status": event.from_status.value if event.from_status else None,
                 "to_status": event.to_status.value, "details": event.details or None,
                 "actor": actor, "at": now}
                for event in application.events])
            application.events.clear()

    def history(self, application_ref: int) -> Sequence[HistoryEntry]:
        rows = self._conn.execute(select(application_events).where(
            application_events.c.application_ref == application_ref)
            .order_by(application_events.c.id))
        return [HistoryEntry(at=as_utc(r.at), actor=r.actor, kind=r.kind,
                             from_status=r.from_status, to_status=r.to_status,
                             details=dict(r.details or {})) for r in rows]

    def _claim(self, query: Select[Any], limit: int,
               within: IdSpan | None = None) -> Sequence[Application]:
        if within is not None:
            query = query.where(applications.c.id.between(*within))
        query = query.order_by(applications.c.id).limit(limit).with_for_update(skip_locked=True)
        return [_application(row) for row in self._conn.execute(query)]

    def claim(self, status: ApplicationStatus, *, limit: int,
              within: IdSpan | None = None) -> Sequence[Application]:
        return self._claim(select(applications).where(applications.c.status == status.value),
                           limit, within)

    def ids(self, status: ApplicationStatus) -> Sequence[int]:
        return list(self._conn.scalars(select(applications.c.id).where(
            applications.c.status == status.value).order_by(applications.c.id)))

    def at_office(self, office_code: str, status: ApplicationStatus, *, limit: int,
                  after_ref: int = 0) -> Sequence[Application]:
        rows = self._conn.execute(select(applications).where(
            applications.c.office_code == office_code, applications.c.status == status.value,
            applications.c.id > after_ref).order_by(applications.c.id).limit(limit))
        return [_application(row) for row in rows]

    def _ready(self) -> Select[Any]:
        return select(applications).where(
            applications.c.status == ApplicationStatus.READY_FOR_PICK_UP.value)

    def notices_due(self, *, limit: int, within: IdSpan | None = None
                    ) -> Sequence[Application]:
        return self._claim(self._ready().where(applications.c.notice_printed_at.is_(None)),
                           limit, within)

    def mark_notice_printed(self, application_ref: int, *, pin_form_number: str,
                            now: datetime) -> None:
        self._conn.execute(update(applications).where(applications.c.id == application_ref)
                           .values(notice_printed_at=now, pin_form_number=pin_form_number))

    def reminders_due(self, *, today: date, limit: int, within: IdSpan | None = None
                      ) -> Sequence[Application]:
        return self._claim(self._ready().where(
            applications.c.pick_up_deadline < today,
            applications.c.notice_printed_at.is_not(None),
            applications.c.reminder_printed_at.is_(None)), limit, within)

    def mark_reminder_printed(self, application_ref: int, *, now: datetime) -> None:
        self._conn.execute(update(applications).where(applications.c.id == application_ref)
                           .values(reminder_printed_at=now))

    def uncollected(self, *, arrived_before: date, limit: int, within: IdSpan | None = None
                    ) -> Sequence[Application]:
        return self._claim(self._ready().where(applications.c.arrived_on < arrived_before),
                           limit, within)

    def pin_form_number(self, application_ref: int) -> str | None:
        return self._conn.execute(select(applications.c.pin_form_number).where(
            applications.c.id == application_ref)).scalar()

    # --- production and shipping ---------------------------------------------------

    def add_run(self, *, produced_on: date, cards: int, now: datetime) -> int:
        result = self._conn.execute(insert(production_runs).values(
            produced_on=produced_on, cards=cards, created_at=now))
        return _new_id(result)

    def add_shipment(self, *, municipality_code: str, cards: int, now: datetime) -> int:
        result = self._conn.execute(insert(shipments).values(
            municipality_code=municipality_code, cards=cards, shipped_at=now))
        return _new_id(result)

    def shipment(self, shipment_id: int) -> Shipment:
        row = self._conn.execute(select(shipments).where(shipments.c.id == shipment_id)).first()
        if row is None:
            raise NotFound(f"no shipment {shipment_id}")
        return Shipment(id=row.id, municipality_code=row.municipality_code, cards=row.cards,
                        shipped_at=as_utc(row.shipped_at),
                        received_at=as_utc(row.received_at) if row.received_at else None)

    def receive_shipment(self, shipment_id: int, *, actor: str, now: datetime) -> None:
        result = self._conn.execute(update(shipments).where(
            shipments.c.id == shipment_id, shipments.c.received_at.is_(None))
            .values(received_at=now, received_by=actor))
        if result.rowcount != 1:
            raise Conflict(f"shipment {shipment_id} was received already")

    def of_shipment(self, shipment_id: int) -> Sequence[Application]:
        rows = self._conn.execute(select(applications).where(
            applications.c.shipment_id == shipment_id).order_by(applications.c.id)
            .with_for_update())
        return [_application(row) for row in rows]
