"""The expiry job: cards and certificates pass to expired on their date.

Validity follows from the date everywhere (`Card.is_valid_on`, `Certificate.status_on`,
`issue_in`, the OCSP answers capped at notAfter, the CRLs), so this job makes nothing
expire: it records the passage (the `expiry_passages` ledger, one audit record per chunk)
and replaces each expired certificate's pre-produced OCSP response with its final answer
at once. No `expired` status is stored (docs/renewal.md says why). Chunked and idempotent:
a second run, or a run killed half-way and run again, records nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.certificates import store_ocsp_in
from mynumbercard.services.pki_ports import CertificateAuthority
from mynumbercard.services.ports import AuditRecord, UnitOfWork

UowFactory = Callable[[], UnitOfWork]
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ExpiryRun:
    first: date  # the first day whose passages were recorded
    on: date
    cards: int  # newly recorded
    certificates: int


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), JST)


def expire(
    uow_factory: UowFactory,
    ca: Callable[[], CertificateAuthority],
    *,
    actor: Actor,
    on: date,
    since: date | None = None,
    now: datetime,
    chunk: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> ExpiryRun:
    """Record the cards and certificates whose first invalid day is in [since, on]
    (`since` defaults to `on`: a day nobody ran the job is caught up with `--since`)."""
    actor.require(Permission.CERTIFICATE_REVOKE)
    first = since or on
    if first > on:
        raise InvalidInput(f"--since {first} is after --on {on}")
    if on > now.astimezone(JST).date():
        raise InvalidInput(f"{on} has not come yet: an expiry is recorded on or after its day")
    cards = _cards(uow_factory, actor=actor, first=first, on=on, now=now, chunk=chunk,
                   progress=progress)
    certificates = _certificates(uow_factory, ca, actor=actor, first=first, on=on, now=now,
                                 chunk=chunk, progress=progress)
    return ExpiryRun(first, on, cards, certificates)


def _cards(uow_factory: UowFactory, *, actor: Actor, first: date, on: date, now: datetime,
           chunk: int, progress: Callable[[int], None] | None) -> int:
    done, after = 0, 0
    while True:
        with uow_factory() as uow:
            due = uow.expiries.cards_due(first=first - ONE_DAY, last=on - ONE_DAY,
                                         after_id=after, limit=chunk)
            new = uow.expiries.record("card", {c.id: c.expires_on + ONE_DAY for c in due},
                                      now=now)
            if new:
                uow.audit.record(AuditRecord(now, actor.name, AuditAction.CARD_EXPIRE,
                                             f"expiry:{on.isoformat()}",
                                             {"cards": sorted(new)}))
            uow.commit()
        done += len(new)
        if progress is not None:
            progress(len(due))
        if len(due) < chunk:
            return done
        after = due[-1].id


def _certificates(uow_factory: UowFactory, ca: Callable[[], CertificateAuthority], *,
                  actor: Actor, first: date, on: date, now: datetime, chunk: int,
                  progress: Callable[[int], None] | None) -> int:
    done, after = 0, 0
    while True:
        with uow_factory() as uow:
            due = uow.expiries.certificates_due(start=_midnight(first - ONE_DAY),
                                                end=_midnight(on), after_id=after, limit=chunk)
            new = uow.expiries.record(
                "certificate",
                {c.id: c.not_after.astimezone(JST).date() + ONE_DAY for c in due}, now=now)
            for certificate in due:
                if certificate.id in new:  # its final OCSP answer, at once
                    store_ocsp_in(uow, ca(), certificate, now)
            if new:
                uow.audit.record(AuditRecord(now, actor.name, AuditAction.CERTIFICATE_EXPIRE,
                                             f"expiry:{on.isoformat()}",
                                             {"certificates": sorted(new)}))
            uow.commit()
        done += len(new)
        if progress is not None:
            progress(len(due))
        if len(due) < chunk:
            return done
        after = due[-1].id
