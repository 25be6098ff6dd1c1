"""Relying parties, their nonces, and the kiosk's challenges, offers, maintenance,
documents and PIN failures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, delete, func, insert, select, update
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

# The statements every kiosk transaction and signed request runs, built once: building
# a statement and its cache key each call cost more than SQLite's own work.
_rp, _n, _ch, _mt, _of, _doc = (relying_parties.c, relying_party_nonces.c, kiosk_challenges.c,
                                kiosk_maintenance.c, kiosk_offers.c, kiosk_documents.c)
_PARTY = select(relying_parties).where(_rp.key_id == bindparam("key_id"))
_FORGET_NONCES = delete(relying_party_nonces).where(
    _n.key_id == bindparam("key_id"), _n.seen_at < bindparam("before"))
_NOTE_NONCE = {name: made(relying_party_nonces).on_conflict_do_nothing().returning(_n.nonce)
               for name, made in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))}
_NOTE_NONCES = {name: made(relying_party_nonces).on_conflict_do_nothing().returning(
    _n.key_id, _n.nonce) for name, made in (("postgresql", postgresql_insert),
                                            ("sqlite", sqlite_insert))}
_ADD_CHALLENGE = insert(kiosk_challenges)
_USE_CHALLENGE = update(kiosk_challenges).where(  # an UPDATE's names are not its columns'
    _ch.challenge == bindparam("b_challenge"), _ch.operator == bindparam("b_operator"),
    _ch.used_at.is_(None), _ch.expires_at > bindparam("b_now")).values(
    used_at=bindparam("b_used_at"))
_MAINTENANCE = select(kiosk_maintenance).where(_mt.ends_at > bindparam("now")).order_by(
    _mt.starts_at).limit(100)
_OFFER = select(kiosk_offers).where(_of.municipality_code == bindparam("code"),
                                    _of.document == bindparam("document"))
_ADD_DOCUMENT = {name: made(kiosk_documents).on_conflict_do_nothing(
    index_elements=[_doc.verification_code]).returning(_doc.id)
    for name, made in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))}
_c, _o = certificates.c, ocsp_responses.c
_LINKED = (select(residents, _c.card_id.label("link_card_id"), _c.status.label("link_status"),
                  _c.revocation_reason.label("link_reason"), _o.der.label("link_ocsp_der"))
           .select_from(certificates.join(cards, cards.c.id == _c.card_id)
                        .join(residents, residents.c.id == cards.c.resident_id)
                        .outerjoin(ocsp_responses, and_(_o.kind == _c.kind,
                                                        _o.serial == _c.serial)))
           .where(_c.serial == bindparam("serial"), _c.kind == CertKind.AUTH.value))


def _dialect(conn: Connection) -> str:
    """Which of a prebuilt INSERT … ON CONFLICT's forms the connection's database takes."""
    return "postgresql" if conn.dialect.name == "postgresql" else "sqlite"


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
        row = self._conn.execute(_PARTY, {"key_id": key_id}).first()
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
        self._conn.execute(_FORGET_NONCES, {"key_id": key_id, "before": forget_before})
        # INSERT … ON CONFLICT DO NOTHING: a replay meets the primary key without the
        # savepoint an IntegrityError would need (two statements fewer per call)
        added = self._conn.execute(_NOTE_NONCE[_dialect(self._conn)], {
            "key_id": key_id, "nonce": nonce, "seen_at": now}).first()
        return added is not None

    def note_nonces(self, nonces: Sequence[tuple[str, str]], *, now: datetime,
                    forget_before: datetime) -> set[tuple[str, str]]:
        # One DELETE per key and one INSERT for all (executemany, one cached statement).
        for key_id in sorted({key_id for key_id, _ in nonces}):
            self._conn.execute(_FORGET_NONCES, {"key_id": key_id, "before": forget_before})
        if not nonces:
            return set()
        added = self._conn.execute(_NOTE_NONCES[_dialect(self._conn)], [
            {"key_id": key_id, "nonce": nonce, "seen_at": now} for key_id, nonce in nonces])
        return {(row.key_id, row.nonce) for row in added}


class SqlKiosk:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # --- challenges -------------------------------------------------------------------

    def add_challenge(self, challenge: str, *, operator: str, now: datetime,
                      expires_at: datetime) -> None:
        self._conn.execute(_ADD_CHALLENGE, {"challenge": challenge, "operator": operator,
                                            "issued_at": now, "expires_at": expires_at})

    def use_challenge(self, challenge: str, *, operator: str, now: datetime) -> bool:
        """Spend the challenge once: a conditional update, settled by the database."""
        return self._conn.execute(_USE_CHALLENGE, {
            "b_challenge": challenge, "b_operator": operator, "b_now": now,
            "b_used_at": now}).rowcount == 1

    def expired_challenges(self, *, before: datetime) -> int:
        return int(self._conn.execute(select(func.count()).select_from(kiosk_challenges)
                                      .where(_ch.expires_at < before)).scalar_one())

    def prune_challenges(self, *, before: datetime, limit: int) -> int:
        """The oldest expired first, by the expiry index; rows another worker is deleting
        are skipped (PostgreSQL; SQLite has one writer)."""
        oldest = (select(_ch.challenge).where(_ch.expires_at < before)
                  .order_by(_ch.expires_at).limit(limit).with_for_update(skip_locked=True))
        return self._conn.execute(delete(kiosk_challenges).where(
            _ch.challenge.in_(oldest.scalar_subquery()))).rowcount

    def linked(self, serial: int) -> Linked | None:
        """One read instead of four (certificate, card, resident, OCSP answer)."""
        from mynumbercard.adapters.db.repositories import resident_from_row  # noqa: PLC0415
        row = self._conn.execute(_LINKED, {"serial": format(serial, "x")}).first()
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
        row = self._conn.execute(_OFFER, {"code": municipality_code,
                                          "document": document.value}).first()
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
        return [Maintenance(as_utc(r.starts_at), as_utc(r.ends_at), r.note)
                for r in self._conn.execute(_MAINTENANCE, {"now": now})]

    # --- documents, PIN failures, settlement ------------------------------------------

    def add_document(self, document: IssuedDocument) -> None:
        # ON CONFLICT DO NOTHING: a code taken is told without a savepoint (two
        # statements fewer per document).
        added = self._conn.execute(_ADD_DOCUMENT[_dialect(self._conn)], {
            "verification_code": document.verification_code,
            "document": document.document.value,
            "municipality_code": document.municipality_code,
            "resident_id": document.resident_id, "issued_at": document.issued_at,
            "operator": document.operator, "fee": document.fee,
            "pdf_sha256": document.pdf_sha256}).first()
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
