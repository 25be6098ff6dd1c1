"""Repositories for cards, certificates and pre-produced OCSP responses."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from mynumbercard.adapters.db.tables import (
    cards,
    certificate_events,
    certificates,
    crl_numbers,
    ocsp_changes,
    ocsp_responses,
)
from mynumbercard.domain.card import Card, CardStatus, NewCard
from mynumbercard.domain.certificate import (
    Certificate,
    CertificateStatus,
    CertKind,
    NewCertificate,
    RevocationReason,
)
from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.services.pki_ports import Revoked
from mynumbercard.services.ports import CrlState, OcspWritten


def as_utc(value: datetime) -> datetime:
    """A stored timestamp in UTC: SQLite hands it back naive (we store UTC only),
    PostgreSQL in the session's time zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _card(row: Row[Any]) -> Card:
    m = row._mapping
    return Card(id=m["id"], card_number=m["card_number"], resident_id=m["resident_id"],
                issued_on=m["issued_on"], expires_on=m["expires_on"],
                applied_on=m["applied_on"], status=CardStatus(m["status"]),
                version=m["version"])


class SqlCards:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, card: NewCard, *, now: datetime) -> Card:
        result = self._conn.execute(insert(cards).values(
            card_number=card.card_number, resident_id=card.resident_id, status=card.status.value,
            issued_on=card.issued_on, expires_on=card.expires_on, applied_on=card.applied_on,
            version=0, created_at=now,
            updated_at=now))
        (card_id,) = result.inserted_primary_key or (0,)
        return card.stored(int(card_id))

    def get(self, card_id: int) -> Card:
        row = self._conn.execute(select(cards).where(cards.c.id == card_id)).first()
        if row is None:
            raise NotFound(f"no card with id {card_id}")
        return _card(row)

    def find_by_number(self, card_number: str) -> Card | None:
        row = self._conn.execute(select(cards).where(cards.c.card_number == card_number)).first()
        return _card(row) if row else None

    def of_resident(self, resident_id: int) -> Sequence[Card]:
        rows = self._conn.execute(select(cards).where(cards.c.resident_id == resident_id)
                                  .order_by(cards.c.id))
        return [_card(row) for row in rows]

    def save(self, card: Card, *, now: datetime) -> None:
        result = self._conn.execute(
            update(cards).where(cards.c.id == card.id, cards.c.version == card.version)
            .values(status=card.status.value, expires_on=card.expires_on,
                    version=card.version + 1, updated_at=now))
        if result.rowcount != 1:
            raise Conflict("the card was changed by someone else meanwhile: reload and retry")
        card.version += 1


_CERT_COLUMNS = (certificates.c.id, certificates.c.kind, certificates.c.serial,
                 certificates.c.card_id, certificates.c.not_before, certificates.c.not_after,
                 certificates.c.status, certificates.c.revoked_at,
                 certificates.c.revocation_reason, certificates.c.version,
                 certificates.c.released_at)


def _certificate(row: Row[Any, *tuple[Any, ...]]) -> Certificate:
    m = row._mapping
    reason = m["revocation_reason"]
    return Certificate(
        id=m["id"], kind=CertKind(m["kind"]), serial=int(m["serial"], 16), card_id=m["card_id"],
        not_before=as_utc(m["not_before"]), not_after=as_utc(m["not_after"]),
        status=CertificateStatus(m["status"]),
        revoked_at=as_utc(m["revoked_at"]) if m["revoked_at"] else None,
        reason=RevocationReason(reason) if reason else None, version=m["version"],
        released_at=as_utc(m["released_at"]) if m["released_at"] else None,
    )


class SqlCertificates:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, certificate: NewCertificate, der: bytes, *, shard: int,
            now: datetime) -> Certificate:
        result = self._conn.execute(insert(certificates).values(
            serial=certificate.serial_hex, kind=certificate.kind.value,
            card_id=certificate.card_id, status=CertificateStatus.ACTIVE.value,
            not_before=certificate.not_before, not_after=certificate.not_after, shard=shard,
            der=der, version=0, created_at=now, updated_at=now))
        (new_id,) = result.inserted_primary_key or (0,)
        stored = certificate.stored(int(new_id))
        self._event(stored.id, "issued", None, now, "system")
        return stored

    def find(self, serial: int, kind: CertKind | None = None) -> Sequence[Certificate]:
        query = select(*_CERT_COLUMNS).where(certificates.c.serial == format(serial, "x"))
        if kind is not None:
            query = query.where(certificates.c.kind == kind.value)
        return [_certificate(row) for row in self._conn.execute(query)]

    def of_card(self, card_id: int) -> Sequence[Certificate]:
        rows = self._conn.execute(select(*_CERT_COLUMNS).where(certificates.c.card_id == card_id)
                                  .order_by(certificates.c.id))
        return [_certificate(row) for row in rows]

    def save(self, certificate: Certificate, *, actor: str, now: datetime) -> None:
        # One-shot transitions are settled here: the row must still be as we read it.
        result = self._conn.execute(
            update(certificates)
            .where(certificates.c.id == certificate.id,
                   certificates.c.version == certificate.version)
            .values(status=certificate.status.value, revoked_at=certificate.revoked_at,
                    revocation_reason=certificate.reason.value if certificate.reason else None,
                    released_at=certificate.released_at,
                    version=certificate.version + 1, updated_at=now))
        if result.rowcount != 1:
            raise Conflict("the certificate was changed meanwhile: reload and retry")
        certificate.version += 1
        kind = {CertificateStatus.SUSPENDED: "suspended",
                CertificateStatus.ACTIVE: "released"}.get(certificate.status, "revoked")
        self._event(certificate.id, kind,
                    certificate.reason.value if certificate.reason else None, now, actor)

    def der(self, certificate_id: int) -> bytes:
        value = self._conn.scalar(select(certificates.c.der)
                                  .where(certificates.c.id == certificate_id))
        if value is None:
            raise NotFound(f"no certificate with id {certificate_id}")
        return bytes(value)

    def revoked_in(self, kind: CertKind, shard: int, *, alive_at: datetime,
                   since: datetime | None) -> Iterator[Revoked]:
        query = select(certificates.c.serial, certificates.c.revoked_at,
                       certificates.c.revocation_reason).where(
            certificates.c.kind == kind.value,
            certificates.c.shard == shard,
            certificates.c.status.in_(("suspended", "revoked")),
            certificates.c.not_after > alive_at,
        )
        if since is not None:
            query = query.where(certificates.c.revoked_at > since)
        for serial, revoked_at, reason in self._conn.execute(query.execution_options(
                yield_per=10_000)):
            yield Revoked(int(serial, 16), as_utc(revoked_at),
                          RevocationReason(reason))
        if since is not None:  # a delta also lists the holds lifted since its base
            yield from self._released_in(kind, shard, alive_at=alive_at, since=since)

    def _released_in(self, kind: CertKind, shard: int, *, alive_at: datetime,
                     since: datetime) -> Iterator[Revoked]:
        query = select(certificates.c.serial, certificates.c.released_at).where(
            certificates.c.kind == kind.value,
            certificates.c.shard == shard,
            certificates.c.status == "active",
            certificates.c.not_after > alive_at,
            certificates.c.released_at > since,
        )
        for serial, released_at in self._conn.execute(query):
            yield Revoked(int(serial, 16), as_utc(released_at),
                          RevocationReason.REMOVE_FROM_CRL)

    def _event(self, certificate_id: int, kind: str, reason: str | None, at: datetime,
               actor: str) -> None:
        self._conn.execute(insert(certificate_events).values(
            certificate_id=certificate_id, kind=kind, reason=reason, at=at, actor=actor))


class SqlOcspStore:
    """Responses and the change feed; each response written is told to `written` (the
    unit of work hands them to the answer store after its commit)."""

    def __init__(self, conn: Connection,
                 written: Callable[[OcspWritten], None] | None = None) -> None:
        self._conn = conn
        self._written = written

    def put(self, *, kind: CertKind, serial: int, der: bytes, this_update: datetime,
            next_update: datetime) -> None:
        key = (ocsp_responses.c.kind == kind.value) & (
            ocsp_responses.c.serial == format(serial, "x"))
        values = {"der": der, "this_update": this_update, "next_update": next_update}
        if self._conn.execute(update(ocsp_responses).where(key).values(**values)).rowcount == 0:
            self._conn.execute(insert(ocsp_responses).values(
                kind=kind.value, serial=format(serial, "x"), **values))
        # After the row is written (and locked): a later writer of the same response
        # waits for this commit, so its change comes later in the feed too.
        change = self._conn.execute(insert(ocsp_changes).values(
            kind=kind.value, serial=format(serial, "x"), at=this_update)
            .returning(ocsp_changes.c.id)).scalar_one()
        if self._written is not None:
            self._written(OcspWritten(kind, serial, der, this_update, next_update, change))

    def prune_changes(self, *, before: datetime) -> int:
        """Forget the feed's changes older than `before`: a store that far behind is
        rebuilt (`ocsp build-store`)."""
        return self._conn.execute(delete(ocsp_changes).where(ocsp_changes.c.at < before)
                                  ).rowcount

    def certificate_bounds(self) -> tuple[int, int] | None:
        lo, hi = self._conn.execute(select(func.min(certificates.c.id),
                                           func.max(certificates.c.id))).one()
        return None if lo is None else (int(lo), int(hi))

    def without_response(self, lo: int, hi: int, *, alive_at: datetime
                         ) -> Sequence[Certificate]:
        """Certificates with ids in [lo, hi], unexpired at `alive_at`, with no response."""
        answered = select(ocsp_responses.c.serial).where(
            ocsp_responses.c.kind == certificates.c.kind,
            ocsp_responses.c.serial == certificates.c.serial)
        query = (select(*_CERT_COLUMNS)
                 .where(certificates.c.id.between(lo, hi),
                        certificates.c.not_after > alive_at, ~answered.exists())
                 .order_by(certificates.c.id))
        return [_certificate(row) for row in self._conn.execute(query)]

    def get(self, *, kind: CertKind, serial: int) -> bytes | None:
        value = self._conn.scalar(select(ocsp_responses.c.der).where(
            ocsp_responses.c.kind == kind.value,
            ocsp_responses.c.serial == format(serial, "x")))
        return bytes(value) if value is not None else None

    def due(self, *, before: datetime, limit: int, signed_before: datetime | None = None,
            within: tuple[int, int] | None = None) -> Sequence[tuple[CertKind, int]]:
        query = (select(ocsp_responses.c.kind, ocsp_responses.c.serial)
                 .where(ocsp_responses.c.next_update < before).limit(limit))
        if signed_before is not None:
            query = query.where(ocsp_responses.c.this_update < signed_before)
        if within is None:
            query = query.order_by(ocsp_responses.c.next_update)
        else:
            query = (query.join(certificates, _same_certificate())
                     .where(certificates.c.id.between(*within)).order_by(certificates.c.id))
        rows = self._conn.execute(query)
        return [(CertKind(kind), int(serial, 16)) for kind, serial in rows]

    def due_certificate_ids(self, *, before: datetime,
                            signed_before: datetime | None = None) -> Sequence[int]:
        query = (select(certificates.c.id).join(ocsp_responses, _same_certificate())
                 .where(ocsp_responses.c.next_update < before).order_by(certificates.c.id))
        if signed_before is not None:
            query = query.where(ocsp_responses.c.this_update < signed_before)
        return list(self._conn.scalars(query))


def _same_certificate() -> Any:
    return (ocsp_responses.c.kind == certificates.c.kind) & (
        ocsp_responses.c.serial == certificates.c.serial)


class SqlCrlNumbers:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, kind: CertKind, shard: int) -> CrlState | None:
        row = self._conn.execute(select(crl_numbers).where(
            crl_numbers.c.kind == kind.value, crl_numbers.c.shard == shard)).first()
        if row is None:
            return None
        return CrlState(row.number, row.base_number,
                        as_utc(row.base_this_update))

    def put(self, kind: CertKind, shard: int, state: CrlState) -> None:
        key = (crl_numbers.c.kind == kind.value) & (crl_numbers.c.shard == shard)
        values = {"number": state.number, "base_number": state.base_number,
                  "base_this_update": state.base_this_update}
        if self._conn.execute(update(crl_numbers).where(key).values(**values)).rowcount == 0:
            self._conn.execute(insert(crl_numbers).values(kind=kind.value, shard=shard, **values))
