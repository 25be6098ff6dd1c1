"""The expiry job: cards and certificates pass to expired on their date.

Validity follows from the date everywhere (`Card.is_valid_on`, `Certificate.status_on`,
`issue_in`, the OCSP answers capped at notAfter, the CRLs), so this job makes nothing
expire: it records the passage (the `expiry_passages` ledger, one audit record per chunk)
and replaces each expired certificate's pre-produced OCSP response with its final answer
at once. No `expired` status is stored (docs/renewal.md says why). A batch job
(`services/batch.py`): planned once into chunks of ids, resumable, shared by workers; a
second run, or a run killed half-way and run again, records nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from mynumbercard.domain.card import Card
from mynumbercard.domain.certificate import JST, Certificate
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import batch
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.certificates import HoldsOcsp, store_ocsp_in
from mynumbercard.services.expiry_ports import ExpiryLedger
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.jobs import JobsUnit
from mynumbercard.services.pki_ports import CertificateAuthority
from mynumbercard.services.ports import AuditLog, AuditRecord


class ExpiryUnit(JobsUnit, HoldsOcsp, Protocol):
    """What the expiry job's chunks use: the ledger, the OCSP answers, the audit log."""

    @property
    def expiries(self) -> ExpiryLedger: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], ExpiryUnit]
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ExpiryRun:
    first: date  # the first day whose passages were recorded
    on: date
    cards: int  # newly recorded
    certificates: int


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), JST)


CARDS, CERTIFICATES = "expiry:cards", "expiry:certificates"
EXPIRY_CHUNK_ROWS = 1000


def _ids(page: Callable[[int, int], Sequence[Card] | Sequence[Certificate]]) -> list[int]:
    """Every id a keyset-paged query gives, in order (the run's plan)."""
    ids: list[int] = []
    while rows := page(ids[-1] if ids else 0, 10_000):
        ids += [row.id for row in rows]
    return ids


def steps(ca: Callable[[], CertificateAuthority], *, actor: Actor, on: date,
          since: date | None = None, now: datetime) -> list[batch.Step[ExpiryUnit]]:
    """The job over [since, on]: the cards due, then the certificates due, each a batch
    job keyed by the span (run again, a span done does nothing; another span records
    nothing twice: the ledger keeps each passage once)."""
    actor.require(Permission.CERTIFICATE_REVOKE)
    first = since or on
    if first > on:
        raise InvalidInput(f"--since {first} is after --on {on}")
    if on > now.astimezone(JST).date():
        raise InvalidInput(f"{on} has not come yet: an expiry is recorded on or after its day")
    key, subject = f"{first.isoformat()}..{on.isoformat()}", f"expiry:{on.isoformat()}"
    start, end = _midnight(first - ONE_DAY), _midnight(on)

    def card_ids(uow: ExpiryUnit) -> list[int]:
        return _ids(lambda after, limit: uow.expiries.cards_due(
            first=first - ONE_DAY, last=on - ONE_DAY, after_id=after, limit=limit))

    def cards_work(uow: ExpiryUnit, chunk: Chunk) -> int:
        due = [c for c in uow.expiries.cards_due(first=first - ONE_DAY, last=on - ONE_DAY,
                                                 after_id=chunk.lo - 1,
                                                 limit=chunk.hi - chunk.lo + 1)
               if c.id <= chunk.hi]
        new = uow.expiries.record("card", {c.id: c.expires_on + ONE_DAY for c in due},
                                  now=now)
        if new:
            uow.audit.record(AuditRecord(now, actor.name, AuditAction.CARD_EXPIRE, subject,
                                         {"cards": sorted(new)}))
        return len(new)

    def certificate_ids(uow: ExpiryUnit) -> list[int]:
        return _ids(lambda after, limit: uow.expiries.certificates_due(
            start=start, end=end, after_id=after, limit=limit))

    def certificates_work(uow: ExpiryUnit, chunk: Chunk) -> int:
        due = [c for c in uow.expiries.certificates_due(start=start, end=end,
                                                        after_id=chunk.lo - 1,
                                                        limit=chunk.hi - chunk.lo + 1)
               if c.id <= chunk.hi]
        new = uow.expiries.record(
            "certificate",
            {c.id: c.not_after.astimezone(JST).date() + ONE_DAY for c in due}, now=now)
        for certificate in due:
            if certificate.id in new:  # its final OCSP answer, at once
                store_ocsp_in(uow, ca(), certificate, now)
        if new:
            uow.audit.record(AuditRecord(now, actor.name, AuditAction.CERTIFICATE_EXPIRE, subject,
                                         {"certificates": sorted(new)}))
        return len(new)

    return [batch.Step(batch.Job(CARDS, batch.by_ids(card_ids), cards_work), key),
            batch.Step(batch.Job(CERTIFICATES, batch.by_ids(certificate_ids),
                                 certificates_work), key)]


def result(started: batch.Started, *, on: date, since: date | None) -> ExpiryRun:
    rows = started.outcome.rows
    return ExpiryRun(since or on, on, rows[CARDS], rows[CERTIFICATES])


def expire(
    uow_factory: UowFactory,
    ca: Callable[[], CertificateAuthority],
    *,
    actor: Actor,
    on: date,
    since: date | None = None,
    now: datetime,
    chunk_rows: int = EXPIRY_CHUNK_ROWS,
    on_progress: Callable[[batch.Progress], None] | None = None,
) -> ExpiryRun:
    """Record the cards and certificates whose first invalid day is in [since, on]
    (`since` defaults to `on`: a day nobody ran the job is caught up with `--since`),
    here (one worker; `--workers` starts the same steps through `batch.start`)."""
    started = batch.start(uow_factory, steps(ca, actor=actor, on=on, since=since, now=now),
                          chunk_rows=chunk_rows, now=now, on_progress=on_progress)
    return result(started, on=on, since=since)
