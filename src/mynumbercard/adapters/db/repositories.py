"""The unit of work and repositories on SQLAlchemy Core (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, Self

from sqlalchemy import (
    Connection,
    Engine,
    NestedTransaction,
    Row,
    Transaction,
    bindparam,
    exists,
    insert,
    select,
    update,
)

from mynumbercard.adapters.db.application_repositories import SqlApplications
from mynumbercard.adapters.db.certificate_repositories import (
    SqlCards,
    SqlCertificates,
    SqlCrlNumbers,
    SqlOcspStore,
)
from mynumbercard.adapters.db.console_repositories import SqlConsoleViews
from mynumbercard.adapters.db.counter_task_repositories import SqlCounterTasks
from mynumbercard.adapters.db.crowding_repositories import SqlHoursSeen, SqlWalkIns
from mynumbercard.adapters.db.email_repositories import SqlEmailQueue
from mynumbercard.adapters.db.kiosk_repositories import SqlKiosk, SqlRelyingParties
from mynumbercard.adapters.db.kiosk_settlement_views import SqlKioskSettlement
from mynumbercard.adapters.db.loss_repositories import SqlLossReports
from mynumbercard.adapters.db.mail_repositories import SqlCohorts, SqlJobChunks, SqlMailQueue
from mynumbercard.adapters.db.moving_repositories import SqlMovingNotices
from mynumbercard.adapters.db.office_repositories import SqlAppointments, SqlOffices
from mynumbercard.adapters.db.points_repositories import SqlPoints, SqlPointSignIns
from mynumbercard.adapters.db.renewal_repositories import SqlCustody, SqlExpiryLedger
from mynumbercard.adapters.db.sign_in_repositories import SqlSignInGuards
from mynumbercard.adapters.db.stay_repositories import SqlStays
from mynumbercard.adapters.db.tables import (
    applications,
    audit_log,
    municipalities,
    resident_events,
    residents,
    sessions,
    staff,
)
from mynumbercard.adapters.db.validity_check_repositories import SqlValidityChecks
from mynumbercard.domain import search_key
from mynumbercard.domain.errors import Conflict, NotFound, UnknownMunicipality
from mynumbercard.domain.individual_number import notice_kind_for
from mynumbercard.domain.municipality import Municipality
from mynumbercard.domain.resident import (
    NewResident,
    ResidenceStatus,
    Resident,
    ResidentStatus,
    Sex,
)
from mynumbercard.domain.staff import Role
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.ports import AuditRecord, OcspWritten
from mynumbercard.services.staff_ports import EXTEND_STEP, NewStaffAccount, StaffAccount

_log = logging.getLogger(__name__)

_RESIDENT_FIELDS = (
    "individual_number", "number_assigned_on", "family_name", "given_name",
    "family_name_kana", "given_name_kana", "birth_date", "municipality_code", "postal_code",
    "address", "nationality", "period_of_stay_until", "former_family_name",
    "former_family_name_kana",
)


def _new_id(primary_key: Any) -> int:
    (new_id,) = primary_key
    return int(new_id)


def _resident_values(resident: Resident) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(resident, name) for name in _RESIDENT_FIELDS}
    values.update(
        sex=resident.sex.value,
        residence_status=resident.residence_status.value,
        status=resident.status.value,
        name_key=search_key.name_key(resident.family_name, resident.given_name),
        kana_key=search_key.name_key(resident.family_name_kana, resident.given_name_kana),
        address_key=search_key.address_key(resident.address),
        number_notice_kind=(
            notice_kind_for(resident.number_assigned_on).value
            if resident.number_assigned_on else None
        ),
    )
    return values


def _resident_from_row(row: Row[Any]) -> Resident:
    m = row._mapping
    return Resident(
        id=m["id"],
        sex=Sex(m["sex"]),
        residence_status=ResidenceStatus(m["residence_status"]),
        status=ResidentStatus(m["status"]),
        version=m["version"],
        **{name: m[name] for name in _RESIDENT_FIELDS},
    )


resident_from_row = _resident_from_row  # for the other repositories' modules


_MUNICIPALITY = select(municipalities).where(municipalities.c.code == bindparam("code"))


class SqlMunicipalities:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, code: str) -> Municipality:
        row = self._conn.execute(_MUNICIPALITY, {"code": code}).first()
        if row is None:
            raise UnknownMunicipality(f"no municipality has the code {code}")
        return Municipality(**row._mapping)


class SqlResidents:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, resident: NewResident, *, now: datetime) -> Resident:
        draft = resident.stored(0)  # its columns; the id comes from the insert
        result = self._conn.execute(
            insert(residents).values(**_resident_values(draft), version=0, created_at=now,
                                     updated_at=now)
        )
        stored = resident.stored(_new_id(result.inserted_primary_key))
        self._flush_events(stored, now)
        return stored

    def get(self, resident_id: int) -> Resident:
        row = self._conn.execute(select(residents).where(residents.c.id == resident_id)).first()
        if row is None:
            raise NotFound(f"no resident with id {resident_id}")
        return _resident_from_row(row)

    def find_by_number(self, number: str) -> Resident | None:
        row = self._conn.execute(
            select(residents).where(residents.c.individual_number == number)
        ).first()
        return _resident_from_row(row) if row else None

    def number_taken(self, number: str) -> bool:
        return bool(self._conn.scalar(
            select(exists().where(residents.c.individual_number == number))
        ))

    def save(self, resident: Resident, *, now: datetime) -> None:
        # Optimistic: the row must still be at the version we read, settled by the database.
        result = self._conn.execute(
            update(residents)
            .where(residents.c.id == resident.id, residents.c.version == resident.version)
            .values(**_resident_values(resident), version=resident.version + 1, updated_at=now)
        )
        if result.rowcount != 1:
            raise Conflict("the resident was changed by someone else meanwhile: reload and retry")
        resident.version += 1
        # Every way a municipality changes (a move between wards, a moving-in, ...) saves
        # here: the applications' copy of it (the review queue's key) follows at once.
        self._conn.execute(
            update(applications)
            .where(applications.c.resident_id == resident.id,
                   applications.c.holder_municipality_code.is_distinct_from(
                       resident.municipality_code))
            .values(holder_municipality_code=resident.municipality_code))
        self._flush_events(resident, now)

    def list_in(self, municipality_code: str, *, limit: int, after_id: int) -> Sequence[Resident]:
        rows = self._conn.execute(
            select(residents)
            .where(residents.c.municipality_code == municipality_code, residents.c.id > after_id)
            .order_by(residents.c.id)
            .limit(limit)
        )
        return [_resident_from_row(row) for row in rows]

    def _flush_events(self, resident: Resident, now: datetime) -> None:
        if not resident.events:
            return
        self._conn.execute(insert(resident_events), [
            {"resident_id": resident.id, "kind": e.kind.value, "occurred_on": e.occurred_on,
             "from_municipality": e.from_municipality, "to_municipality": e.to_municipality,
             "recorded_at": now}
            for e in resident.events
        ])
        resident.events.clear()

    def events_of(self, resident_id: int) -> list[tuple[str, date]]:
        rows = self._conn.execute(
            select(resident_events.c.kind, resident_events.c.occurred_on)
            .where(resident_events.c.resident_id == resident_id)
            .order_by(resident_events.c.id)
        )
        return [(kind, occurred_on) for kind, occurred_on in rows]


class SqlStaff:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, account: NewStaffAccount, *, now: datetime) -> StaffAccount:
        result = self._conn.execute(insert(staff).values(
            username=account.username, password_hash=account.password_hash,
            role=account.role.value, municipality_code=account.municipality_code,
            active=account.active, created_at=now,
            scopes=" ".join(sorted(account.scopes)) if account.scopes is not None else None,
            credential_hash=account.credential_hash,
        ))
        return account.stored(_new_id(result.inserted_primary_key))

    @staticmethod
    def _account(m: Any) -> StaffAccount:
        scopes = frozenset(m["scopes"].split()) if m["scopes"] is not None else None
        return StaffAccount(m["id"], m["username"], m["password_hash"], Role(m["role"]),
                            m["municipality_code"], bool(m["active"]), scopes,
                            m["credential_hash"])

    def _one(self, condition: Any) -> StaffAccount | None:
        row = self._conn.execute(select(staff).where(condition)).first()
        return None if row is None else self._account(row._mapping)

    def find_by_username(self, username: str) -> StaffAccount | None:
        return self._one(staff.c.username == username)

    def get(self, staff_id: int) -> StaffAccount:
        account = self._one(staff.c.id == staff_id)
        if account is None:
            raise NotFound(f"no staff account with id {staff_id}")
        return account

    def find_by_credential(self, credential_hash: str) -> StaffAccount | None:
        return self._one(staff.c.credential_hash == credential_hash)

    def list_all(self) -> Sequence[StaffAccount]:
        rows = self._conn.execute(select(staff).order_by(staff.c.username))
        return [self._account(row._mapping) for row in rows]

    def has_active_admin(self) -> bool:
        return bool(self._conn.scalar(select(exists().where(
            staff.c.role == "admin", staff.c.active.is_(True),
            staff.c.scopes.is_(None)))))

    def set_active(self, staff_id: int, active: bool) -> None:
        self._conn.execute(update(staff).where(staff.c.id == staff_id).values(active=active))

    def set_password_hash(self, staff_id: int, password_hash: str) -> None:
        self._conn.execute(update(staff).where(staff.c.id == staff_id)
                           .values(password_hash=password_hash))

    def set_role(self, staff_id: int, role: Role, municipality_code: str | None) -> None:
        self._conn.execute(update(staff).where(staff.c.id == staff_id)
                           .values(role=role.value, municipality_code=municipality_code))


class SqlSessions:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, *, token_hash: str, staff_id: int, issued_at: datetime,
            expires_at: datetime) -> None:
        self._conn.execute(insert(sessions).values(
            token_hash=token_hash, staff_id=staff_id, issued_at=issued_at, expires_at=expires_at))

    def active_staff_id(self, token_hash: str, *, now: datetime) -> int | None:
        staff_id = self._conn.scalar(
            select(sessions.c.staff_id).where(
                sessions.c.token_hash == token_hash,
                sessions.c.expires_at > now,
                sessions.c.revoked_at.is_(None),
            )
        )
        return int(staff_id) if staff_id is not None else None

    def revoke(self, token_hash: str, *, now: datetime) -> int | None:
        staff_id = self.active_staff_id(token_hash, now=now)
        if staff_id is None:
            return None
        done = self._conn.execute(update(sessions).where(sessions.c.token_hash == token_hash,
                                                         sessions.c.revoked_at.is_(None))
                                  .values(revoked_at=now))
        return staff_id if done.rowcount == 1 else None

    def revoke_all(self, staff_id: int, *, now: datetime) -> int:
        done = self._conn.execute(update(sessions).where(
            sessions.c.staff_id == staff_id, sessions.c.revoked_at.is_(None),
            sessions.c.expires_at > now).values(revoked_at=now))
        return int(done.rowcount)

    def extend(self, token_hash: str, *, now: datetime, idle: timedelta,
               longest: timedelta) -> None:
        found = self._conn.execute(select(sessions.c.issued_at, sessions.c.expires_at).where(
            sessions.c.token_hash == token_hash, sessions.c.revoked_at.is_(None),
            sessions.c.expires_at > now)).first()
        if found is None:
            return
        issued, expires = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)
                           for moment in found)
        until = min(now + idle, issued + longest)
        if until - expires >= EXTEND_STEP:
            self._conn.execute(update(sessions).where(sessions.c.token_hash == token_hash)
                               .values(expires_at=until))


_RECORD = insert(audit_log)  # built once: every use case writes one


def _record_values(record: AuditRecord) -> dict[str, Any]:
    return {"at": record.at, "actor": record.actor, "action": record.action.value,
            "subject": record.subject, "details": record.details}


class SqlAuditLog:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def record(self, record: AuditRecord) -> None:
        self._conn.execute(_RECORD, _record_values(record))

    def record_many(self, records: Sequence[AuditRecord]) -> None:
        if records:  # one executemany: a batch of reports writes its records at once
            self._conn.execute(_RECORD, [_record_values(r) for r in records])

    def list(self, *, subject: str | None, limit: int, before_id: int | None,
             person: str | None = None, action: str | None = None,
             since: datetime | None = None,
             until: datetime | None = None) -> Sequence[tuple[int, AuditRecord]]:
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if subject is not None:
            query = query.where(audit_log.c.subject == subject)
        if person is not None:
            query = query.where(audit_log.c.actor == person)
        if action is not None:
            query = query.where(audit_log.c.action == action)
        # In UTC, as stored: SQLite compares the text and drops the offset (a day's start
        # in Japan, 00:00+09:00, read as 00:00 UTC missed the day's first nine hours).
        if since is not None:
            query = query.where(audit_log.c.at >= since.astimezone(UTC))
        if until is not None:
            query = query.where(audit_log.c.at < until.astimezone(UTC))
        if before_id is not None:
            query = query.where(audit_log.c.id < before_id)
        return [
            (row.id, AuditRecord(row.at, row.actor, AuditAction.parse(row.action), row.subject,
                                 row.details))
            for row in self._conn.execute(query)
        ]


def _lookups(conn: Connection) -> Any:
    from mynumbercard.adapters.db.lookup_repositories import SqlLookups  # noqa: PLC0415 - it imports this module

    return SqlLookups(conn)


class SqlUnitOfWork:
    """One connection, one transaction; rolled back unless committed."""

    def __init__(self, engine: Engine,
                 publish: Callable[[Sequence[OcspWritten]], None] | None = None) -> None:
        self._engine = engine
        self._publish = publish  # OCSP responses written, told after the commit

    def __enter__(self) -> Self:
        self._conn = self._engine.connect()
        self._tx: Transaction | NestedTransaction = self._conn.begin()
        return self._bind()

    def _bind(self) -> Self:
        self.municipalities = SqlMunicipalities(self._conn)
        self.residents = SqlResidents(self._conn)
        self.staff = SqlStaff(self._conn)
        self.sessions = SqlSessions(self._conn)
        self.sign_in = SqlSignInGuards(self._conn)
        self.audit = SqlAuditLog(self._conn)
        self.cards = SqlCards(self._conn)
        self.certificates = SqlCertificates(self._conn)
        self._written: list[OcspWritten] = []
        self.ocsp = SqlOcspStore(self._conn, self._written.append)
        self.crl_numbers = SqlCrlNumbers(self._conn)
        self.applications = SqlApplications(self._conn)
        self.mail = SqlMailQueue(self._conn)
        self.email = SqlEmailQueue(self._conn)
        self.jobs = SqlJobChunks(self._conn)
        self.cohorts = SqlCohorts(self._conn)
        self.validity_checks = SqlValidityChecks(self._conn)
        self.custody, self.expiries = SqlCustody(self._conn), SqlExpiryLedger(self._conn)
        self.moves = SqlMovingNotices(self._conn)
        self.stays = SqlStays(self._conn)
        self.losses = SqlLossReports(self._conn)
        self.offices, self.appointments = SqlOffices(self._conn), SqlAppointments(self._conn)
        self.walk_ins, self.hours_seen = SqlWalkIns(self._conn), SqlHoursSeen(self._conn)
        self.lookups = _lookups(self._conn)
        self.relying_parties, self.kiosk = SqlRelyingParties(self._conn), SqlKiosk(self._conn)
        self.points, self.point_sign_ins = SqlPoints(self._conn), SqlPointSignIns(self._conn)
        self.counter_tasks = SqlCounterTasks(self._conn)
        self.console = SqlConsoleViews(self._conn)  # the operators' console's reads
        self.kiosk_settlement = SqlKioskSettlement(self._conn)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            self._conn.close()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        with self._conn.begin_nested():  # released on success, rolled back on an error
            yield

    def commit(self) -> None:
        self._tx.commit()
        written, self._written[:] = list(self._written), []
        if written and self._publish is not None:
            try:  # the database is the truth; a store that missed this follows the feed
                self._publish(written)
            except Exception:
                _log.exception("OCSP answer store not updated after a commit")


class RolledBackUnitOfWork(SqlUnitOfWork):
    """A simulation's unit of work: a savepoint inside one outer transaction that the
    simulation rolls back at its end, so every "commit" is seen by the rest of the
    simulated run and by nothing outside it."""

    def __init__(self, connection: Connection) -> None:
        self._shared = connection
        self._publish = None  # nothing leaves a simulation

    def __enter__(self) -> Self:
        self._conn = self._shared
        self._tx = self._conn.begin_nested()
        return self._bind()

    def __exit__(self, *exc: object) -> None:
        if self._tx.is_active:
            self._tx.rollback()
