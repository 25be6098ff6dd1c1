"""Sending the queued e-mail: a batch job (`services/batch.py`) over the outbox.

A chunk leases its due messages in its own transaction (each counted as tried and not
due again for `LEASE`), commits, and only then hands them to the mail server; the
outcome of each is written in a second short transaction. No database transaction is
open while the server is talked to, and nothing is lost: a message the server took is
`sent`; one it could not take (the server away, a 4xx answer) is due again after a
backoff that doubles from a minute to an hour and never gives up; one it refused for
good (5xx) is `rejected` with its answer. A sender killed between the two transactions
leaves its messages to the run after the lease (delivered at least once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import batch
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.email_notices import SITE
from mynumbercard.services.email_ports import (
    Delivery,
    EmailQueue,
    EmailTransport,
    Outcome,
    QueuedEmail,
)
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.jobs import JobsUnit
from mynumbercard.services.ports import AuditLog, AuditRecord


class EmailUnit(JobsUnit, Protocol):
    """What sending e-mail uses: the outbox, the chunk table, the audit log."""

    @property
    def email(self) -> EmailQueue: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], EmailUnit]
EMAIL = "email"  # the job's name in the chunk table
LEASE = timedelta(minutes=10)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
CHUNK = 50  # messages per chunk: one connection to the server each


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th failed try: 1, 2, 4 ... minutes, at most an hour."""
    wait: timedelta = FIRST_RETRY * 2 ** max(0, min(attempts - 1, 16))
    return min(wait, LONGEST_RETRY)


@dataclass(frozen=True, slots=True)
class Sent:
    sent: int
    retry: int
    rejected: int


def _with_site(message: QueuedEmail, base_url: str) -> QueuedEmail:
    return QueuedEmail(id=message.id, key=message.key, recipient=message.recipient,
                       subject=message.subject, body=message.body.replace(SITE, base_url),
                       attempts=message.attempts)


def record_in(uow: EmailUnit, leased: Sequence[QueuedEmail], outcomes: Sequence[Outcome],
              *, now: datetime) -> Sent:
    """Write what the server said of each leased message."""
    counts = dict.fromkeys(Delivery, 0)
    for message, outcome in zip(leased, outcomes, strict=True):
        counts[outcome.delivery] += 1
        error = outcome.error or "no answer"
        if outcome.delivery is Delivery.SENT:
            uow.email.mark_sent(message.id, now=now)
        elif outcome.delivery is Delivery.REJECTED:
            uow.email.reject(message.id, error=error, now=now)
        else:
            uow.email.retry_at(message.id, at=now + backoff(message.attempts), error=error)
    return Sent(counts[Delivery.SENT], counts[Delivery.RETRY], counts[Delivery.REJECTED])


def send_steps(uow_factory: UowFactory, transport: EmailTransport, *, actor: Actor,
               now: datetime, base_url: str, run_key: str,
               clock: Callable[[], datetime] | None = None,
               report: Callable[[Sent], None] | None = None) -> list[batch.Step[EmailUnit]]:
    """The due messages, `CHUNK` to a chunk, each chunk one connection to the server;
    `report` hears what each chunk's messages came to."""
    actor.require(Permission.PRODUCTION)
    moment = clock or (lambda: now)

    def due(uow: EmailUnit) -> Sequence[int]:
        return uow.email.due_ids(now=now)

    plan = batch.by_ids(due)

    def work(uow: EmailUnit, chunk: Chunk) -> batch.Did:
        leased = uow.email.lease(chunk.lo, chunk.hi, now=now, until=now + LEASE)
        return batch.Did(len(leased), tuple(leased))

    def then(did: batch.Did) -> None:
        leased = [m for m in did.items if isinstance(m, QueuedEmail)]
        if not leased:
            return
        outcomes = transport.send([_with_site(m, base_url) for m in leased])
        at = moment()
        with uow_factory() as uow:
            sent = record_in(uow, leased, outcomes, now=at)
            uow.audit.record(AuditRecord(at, actor.name, AuditAction.EMAIL_SEND, "email:outbox",
                                         {"sent": sent.sent, "retry": sent.retry,
                                          "rejected": sent.rejected,
                                          "messages": [m.id for m in leased]}))
            uow.commit()
        if report is not None:
            report(sent)

    return [batch.Step(batch.Job(EMAIL, plan, work, then=then), run_key)]


def send(uow_factory: UowFactory, transport: EmailTransport, *, actor: Actor, now: datetime,
         base_url: str, clock: Callable[[], datetime] | None = None) -> Sent:
    """Send what is due now, here (one worker); a run that stopped resumes first. What
    this run's messages came to."""
    key = batch.resumed_or_new(uow_factory, EMAIL, now)
    done: list[Sent] = []
    steps = send_steps(uow_factory, transport, actor=actor, now=now, base_url=base_url,
                       run_key=key, clock=clock, report=done.append)
    batch.start(uow_factory, steps, chunk_rows=CHUNK, now=now)
    return Sent(sum(s.sent for s in done), sum(s.retry for s in done),
                sum(s.rejected for s in done))


@dataclass(frozen=True, slots=True)
class EmailStatus:
    queued: int
    sent: int
    rejected: int
    oldest_queued_at: datetime | None


def status(uow_factory: UowFactory, *, actor: Actor) -> EmailStatus:
    actor.require(Permission.PRODUCTION)
    with uow_factory() as uow:
        counts, oldest = uow.email.counts(), uow.email.oldest_queued()
    return EmailStatus(queued=counts.get("queued", 0), sent=counts.get("sent", 0),
                       rejected=counts.get("rejected", 0), oldest_queued_at=oldest)
