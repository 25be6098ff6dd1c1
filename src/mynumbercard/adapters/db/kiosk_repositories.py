"""Relying parties, their nonces, and the kiosk's challenges, offers, maintenance,
documents and PIN failures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.kiosk_tables import (
    kiosk_challenges,
    kiosk_documents,
    kiosk_maintenance,
    kiosk_offers,
    kiosk_pin_failures,
    relying_parties,
    relying_party_nonces,
)
from mynumbercard.adapters.db.tables import cards, certificates, ocsp_responses, residents
from mynumbercard.domain.certificate import CertificateStatus, CertKind, RevocationReason
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.kiosk import KioskDocument, Maintenance
from mynumbercard.domain.relying_party import PartyKind, RelyingParty
from mynumbercard.domain.resident import Resident, ResidentStatus
from mynumbercard.services.kiosk_ports import (
    IssuedDocument,
    Linked,
    OcspStatus,
    Offer,
    OperatorTotal,
    PinFailure,
)


def _dialect_insert(conn: Connection) -> Any:
    """INSERT with ON CONFLICT for the connection's database."""
    return postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert


def _party(row: Row[Any]) -> RelyingParty:
    m = row._mapping
    return RelyingParty(m["id"], m["key_id"], m["name"], PartyKind(m["kind"]), m["active"],
                        m["client_cert_sha256"])


class SqlRelyingParties:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, party: RelyingParty, sealed_secret: bytes, *, now: datetime,
            by: str) -> int:
        result = self._conn.execute(insert(relying_parties).values(
            key_id=party.key_id, name=party.name, kind=party.kind.value,
            sealed_secret=sealed_secret, active=True, created_at=now, created_by=by,
            client_cert_sha256=party.client_cert_sha256))
        (party_id,) = result.inserted_primary_key or (0,)
        return int(party_id)

    def by_key_id(self, key_id: str) -> tuple[RelyingParty, bytes] | None:
        row = self._conn.execute(select(relying_parties).where(
            relying_parties.c.key_id == key_id)).first()
        return (_party(row), bytes(row._mapping["sealed_secret"])) if row else None

    def all(self) -> Sequence[RelyingParty]:
        return [_party(r) for r in self._conn.execute(
            select(relying_parties).order_by(relying_parties.c.id))]

    def disable(self, key_id: str) -> bool:
        return self._conn.execute(update(relying_parties).where(
            relying_parties.c.key_id == key_id, relying_parties.c.active.is_(True))
            .values(active=False)).rowcount == 1

    def note_nonce(self, key_id: str, nonce: str, *, now: datetime,
                   forget_before: datetime) -> bool:
        nonces = relying_party_nonces
        self._conn.execute(delete(nonces).where(nonces.c.key_id == key_id,
                                                nonces.c.seen_at < forget_before))
        # INSERT … ON CONFLICT DO NOTHING: a replay meets the primary key without the
        # savepoint an IntegrityError would need (two statements fewer per call)
        added = self._conn.execute(_dialect_insert(self._conn)(nonces).values(
            key_id=key_id, nonce=nonce, seen_at=now).on_conflict_do_nothing()
            .returning(nonces.c.nonce)).first()
        return added is not None


class SqlKiosk:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # --- challenges -------------------------------------------------------------------

    def add_challenge(self, challenge: str, *, operator: str, now: datetime,
                      expires_at: datetime) -> None:
        self._conn.execute(insert(kiosk_challenges).values(
            challenge=challenge, operator=operator, issued_at=now, expires_at=expires_at))

    def use_challenge(self, challenge: str, *, operator: str, now: datetime) -> bool:
        """Spend the challenge once: a conditional update, settled by the database."""
        c = kiosk_challenges.c
        return self._conn.execute(update(kiosk_challenges).where(
            c.challenge == challenge, c.operator == operator, c.used_at.is_(None),
            c.expires_at > now).values(used_at=now)).rowcount == 1

    def prune_challenges(self, *, before: datetime) -> int:
        return self._conn.execute(delete(kiosk_challenges).where(
            kiosk_challenges.c.expires_at < before)).rowcount

    def linked(self, serial: int) -> Linked | None:
        """One read instead of four (certificate, card, resident, OCSP answer)."""
        from mynumbercard.adapters.db.repositories import resident_from_row  # noqa: PLC0415
        c, o = certificates.c, ocsp_responses.c
        row = self._conn.execute(
            select(residents, c.card_id.label("link_card_id"),
                   c.status.label("link_status"), c.revocation_reason.label("link_reason"),
                   o.der.label("link_ocsp_der"))
            .select_from(certificates.join(cards, cards.c.id == c.card_id)
                         .join(residents, residents.c.id == cards.c.resident_id)
                         .outerjoin(ocsp_responses, and_(o.kind == c.kind,
                                                         o.serial == c.serial)))
            .where(c.serial == format(serial, "x"), c.kind == CertKind.AUTH.value)).first()
        if row is None:
            return None
        m = row._mapping
        reason = m["link_reason"]
        der = m["link_ocsp_der"]
        return Linked(m["link_card_id"], resident_from_row(row),
                      OcspStatus(CertificateStatus(m["link_status"]),
                                 RevocationReason(reason) if reason else None),
                      bytes(der) if der is not None else None)

    # --- offers and maintenance -------------------------------------------------------

    def offer(self, municipality_code: str, document: KioskDocument) -> Offer | None:
        row = self._conn.execute(select(kiosk_offers).where(
            kiosk_offers.c.municipality_code == municipality_code,
            kiosk_offers.c.document == document.value)).first()
        if row is None:
            return None
        m = row._mapping
        return Offer(m["municipality_code"], KioskDocument(m["document"]), m["fee"],
                     m["domicile"])

    def set_offer(self, offer: Offer | None, *, municipality_code: str,
                  document: KioskDocument) -> None:
        o = kiosk_offers.c
        self._conn.execute(delete(kiosk_offers).where(o.municipality_code == municipality_code,
                                                      o.document == document.value))
        if offer is not None:
            self._conn.execute(insert(kiosk_offers).values(
                municipality_code=offer.municipality_code, document=offer.document.value,
                fee=offer.fee, domicile=offer.domicile))

    def offers(self) -> Sequence[Offer]:
        o = kiosk_offers.c
        return [Offer(r.municipality_code, KioskDocument(r.document), r.fee, r.domicile)
                for r in self._conn.execute(select(kiosk_offers).order_by(
                    o.municipality_code, o.document))]

    def add_maintenance(self, window: Maintenance, *, by: str) -> int:
        result = self._conn.execute(insert(kiosk_maintenance).values(
            starts_at=window.starts_at.astimezone(UTC), ends_at=window.ends_at.astimezone(UTC),
            note=window.note,
            announced_by=by))
        (window_id,) = result.inserted_primary_key or (0,)
        return int(window_id)

    def maintenance_after(self, now: datetime) -> Sequence[Maintenance]:
        m = kiosk_maintenance.c
        return [Maintenance(as_utc(r.starts_at), as_utc(r.ends_at), r.note)
                for r in self._conn.execute(select(kiosk_maintenance).where(
                    m.ends_at > now).order_by(m.starts_at).limit(100))]

    # --- documents, PIN failures, settlement ------------------------------------------

    def add_document(self, document: IssuedDocument) -> None:
        # ON CONFLICT DO NOTHING: a code taken is told without a savepoint (two
        # statements fewer per document).
        added = self._conn.execute(_dialect_insert(self._conn)(kiosk_documents).values(
            verification_code=document.verification_code, document=document.document.value,
            municipality_code=document.municipality_code, resident_id=document.resident_id,
            issued_at=document.issued_at, operator=document.operator, fee=document.fee,
            pdf_sha256=document.pdf_sha256).on_conflict_do_nothing(
            index_elements=[kiosk_documents.c.verification_code])
            .returning(kiosk_documents.c.id)).first()
        if added is None:  # 80 random bits: never in practice
            raise Conflict("verification code taken: try again")

    def document_by_code(self, code: str) -> IssuedDocument | None:
        row = self._conn.execute(select(kiosk_documents).where(
            kiosk_documents.c.verification_code == code)).first()
        if row is None:
            return None
        m = row._mapping
        return IssuedDocument(m["verification_code"], KioskDocument(m["document"]),
                              m["municipality_code"], m["resident_id"],
                              as_utc(m["issued_at"]), m["operator"], m["fee"],
                              m["pdf_sha256"])

    def add_pin_failure(self, failure: PinFailure) -> None:
        self._conn.execute(insert(kiosk_pin_failures).values(
            serial=failure.serial, operator=failure.operator,
            tries_left=failure.tries_left, at=failure.at))

    def pin_failures(self, *, since: datetime, limit: int) -> Sequence[PinFailure]:
        p = kiosk_pin_failures.c
        return [PinFailure(r.serial, r.operator, r.tries_left, as_utc(r.at))
                for r in self._conn.execute(select(kiosk_pin_failures).where(p.at >= since)
                                            .order_by(p.serial, p.at).limit(limit))]

    def totals(self, *, start: datetime, end: datetime,
               operator: str | None = None) -> Sequence[OperatorTotal]:
        d = kiosk_documents.c
        where = and_(d.issued_at >= start, d.issued_at < end,
                     *([d.operator == operator] if operator is not None else []))
        query = (select(d.operator, d.municipality_code, func.count(), func.sum(d.fee))
                 .where(where).group_by(d.operator, d.municipality_code)
                 .order_by(d.operator, d.municipality_code))
        return [OperatorTotal(op, code, int(count), int(total or 0))
                for op, code, count, total in self._conn.execute(query)]

    def household_of(self, resident: Resident) -> Sequence[Resident]:
        # repositories.py builds this module's classes into its unit of work
        from mynumbercard.adapters.db.repositories import resident_from_row  # noqa: PLC0415
        r = residents.c
        rows = self._conn.execute(select(residents).where(
            r.postal_code == resident.postal_code, r.address == resident.address,
            r.municipality_code == resident.municipality_code,
            r.status == ResidentStatus.ACTIVE.value).order_by(r.birth_date, r.id).limit(30))
        return [resident_from_row(row) for row in rows]
