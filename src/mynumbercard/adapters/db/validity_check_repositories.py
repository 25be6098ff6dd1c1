"""The wrong-validity check's reads and writes, in SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.mail_repositories import insert_ignoring_duplicates
from mynumbercard.adapters.db.tables import (
    applications,
    cards,
    certificates,
    correction_cases,
    resident_stays,
    residents,
    validity_findings,
)
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.correction import CaseStatus, CorrectionCase, NewCorrectionCase
from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.domain.stay import Stay, stay_bounding_card
from mynumbercard.services.validity_check_ports import CheckedCard, CheckedCertificate, Finding

IN_USE = ("produced", "active", "lost")
LIMITED_STAY = "limited_stay"


def _case(row: Any) -> CorrectionCase:
    return CorrectionCase(id=row.id, card_id=row.card_id, resident_id=row.resident_id,
                          municipality_code=row.municipality_code, wrong_on=row.wrong_on,
                          correct_on=row.correct_on, cause=row.cause, subject=row.subject,
                          status=CaseStatus(row.status), version=row.version)


class SqlValidityChecks:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def id_bounds(self) -> tuple[int, int] | None:
        lo, hi = self._conn.execute(select(func.min(cards.c.id), func.max(cards.c.id))).one()
        return None if lo is None else (int(lo), int(hi))

    def cards(self, lo: int, hi: int) -> Sequence[CheckedCard]:
        # The application day: kept on the card, or (cards stored before it was) on the
        # application that made it.
        applied = func.coalesce(cards.c.applied_on, applications.c.received_on)
        query = (select(cards.c.id, cards.c.resident_id, residents.c.municipality_code,
                        residents.c.birth_date, applied.label("applied_on"), cards.c.issued_on,
                        cards.c.expires_on, residents.c.residence_status,
                        residents.c.period_of_stay_until)
                 .join(residents, residents.c.id == cards.c.resident_id)
                 .outerjoin(applications, applications.c.card_id == cards.c.id)
                 .where(cards.c.id >= lo, cards.c.id <= hi, cards.c.status.in_(IN_USE))
                 .order_by(cards.c.id))
        rows = list(self._conn.execute(query))
        stays = self._stays({r.resident_id for r in rows
                             if r.residence_status == LIMITED_STAY})
        return [CheckedCard(r.id, r.resident_id, r.municipality_code, r.birth_date,
                            r.applied_on, r.issued_on, r.expires_on,
                            r.period_of_stay_until if r.residence_status == LIMITED_STAY
                            else None,
                            stay_bounding_card(stays.get(r.resident_id, ()), card_id=r.id,
                                               issued_on=r.issued_on))
                for r in rows]

    def _stays(self, resident_ids: set[int]) -> dict[int, list[Stay]]:
        found: dict[int, list[Stay]] = defaultdict(list)
        if resident_ids:
            for r in self._conn.execute(select(resident_stays).where(
                    resident_stays.c.resident_id.in_(sorted(resident_ids)))):
                found[r.resident_id].append(Stay(r.until, r.granted_on, r.card_id,
                                                 r.card_extended_on))
        return found

    def certificates(self, lo: int, hi: int) -> Sequence[CheckedCertificate]:
        query = (select(certificates.c.id, certificates.c.card_id, certificates.c.not_before,
                        certificates.c.not_after)
                 .where(certificates.c.card_id >= lo, certificates.c.card_id <= hi,
                        certificates.c.status == "active")
                 .order_by(certificates.c.card_id, certificates.c.id))
        return [CheckedCertificate(r.id, r.card_id,
                                   as_utc(r.not_before).astimezone(JST).date(),
                                   as_utc(r.not_after).astimezone(JST).date())
                for r in self._conn.execute(query)]

    def add_findings(self, run_key: str, findings: Sequence[Finding], *,
                     now: datetime) -> None:
        if findings:
            self._conn.execute(insert_ignoring_duplicates(self._conn, validity_findings), [
                {"run_key": run_key, "subject": f.subject, "subject_id": f.subject_id,
                 "card_id": f.card_id, "municipality_code": f.municipality_code,
                 "stored_on": f.stored_on, "correct_on": f.correct_on, "cause": f.cause,
                 "found_at": now} for f in findings])

    def open_cases(self, cases: Sequence[NewCorrectionCase], *, now: datetime
                   ) -> list[CorrectionCase]:
        if not cases:
            return []
        statement = insert_ignoring_duplicates(self._conn, correction_cases).returning(
            correction_cases.c.id, correction_cases.c.card_id)
        rows = self._conn.execute(statement, [
            {"card_id": c.card_id, "resident_id": c.resident_id,
             "municipality_code": c.municipality_code, "status": CaseStatus.OPEN.value,
             "subject": c.subject, "wrong_on": c.wrong_on, "correct_on": c.correct_on,
             "cause": c.cause, "opened_at": now, "version": 0} for c in cases]).all()
        opened = {card_id: case_id for case_id, card_id in rows}
        return [case.stored(opened[case.card_id]) for case in cases if case.card_id in opened]

    def report(self, run_key: str) -> Sequence[tuple[str, str, str, int]]:
        rows = self._conn.execute(
            select(validity_findings.c.municipality_code, validity_findings.c.subject,
                   validity_findings.c.cause, func.count())
            .where(validity_findings.c.run_key == run_key)
            .group_by(validity_findings.c.municipality_code, validity_findings.c.subject,
                      validity_findings.c.cause)
            .order_by(validity_findings.c.municipality_code, validity_findings.c.subject,
                      validity_findings.c.cause))
        return [(m, s, c, int(n)) for m, s, c, n in rows]

    def latest_run(self) -> str | None:
        latest: str | None = self._conn.scalar(select(func.max(validity_findings.c.run_key)))
        return latest

    def get_case(self, case_id: int, *, lock: bool = False) -> CorrectionCase:
        query = select(correction_cases).where(correction_cases.c.id == case_id)
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFound(f"no correction case {case_id}")
        return _case(row)

    def save_case(self, case: CorrectionCase, *, now: datetime) -> None:
        closed = case.status in (CaseStatus.CORRECTED, CaseStatus.DISMISSED)
        result = self._conn.execute(
            update(correction_cases).where(correction_cases.c.id == case.id,
                                           correction_cases.c.version == case.version)
            .values(status=case.status.value, version=case.version + 1,
                    closed_at=now if closed else None))
        if result.rowcount != 1:
            raise Conflict("the case was changed by someone else meanwhile: reload and retry")
        case.version += 1

    def cases(self, status: CaseStatus | None, *, limit: int, after_id: int = 0,
              municipality_code: str | None = None) -> Sequence[CorrectionCase]:
        query = select(correction_cases).where(correction_cases.c.id > after_id)
        if municipality_code is not None:
            query = query.where(correction_cases.c.municipality_code == municipality_code)
        if status is not None:
            query = query.where(correction_cases.c.status == status.value)
        rows = self._conn.execute(query.order_by(correction_cases.c.id).limit(limit))
        return [_case(r) for r in rows]

    def in_progress_of_cards(self, card_ids: Sequence[int]) -> Sequence[CorrectionCase]:
        if not card_ids:
            return []
        # the condition of the partial unique index on card_id: it answers from the index
        rows = self._conn.execute(
            select(correction_cases).where(correction_cases.c.card_id.in_(sorted(card_ids)),
                                           correction_cases.c.status.in_(["open", "contacted"]))
            .order_by(correction_cases.c.id))
        return [_case(r) for r in rows]

    def dismissed(self, card_ids: Sequence[int]) -> set[tuple[int, str, date]]:
        if not card_ids:
            return set()
        rows = self._conn.execute(
            select(correction_cases.c.card_id, correction_cases.c.subject,
                   correction_cases.c.wrong_on)
            .where(correction_cases.c.card_id.in_(sorted(card_ids)),
                   correction_cases.c.status == "dismissed"))
        return {(int(c), str(s), w) for c, s, w in rows}

    def mark_contacted(self, case_ids: Sequence[int], *, now: datetime) -> None:
        if case_ids:
            self._conn.execute(update(correction_cases).where(
                correction_cases.c.id.in_(case_ids), correction_cases.c.status == "open")
                .values(status="contacted", version=correction_cases.c.version + 1))
