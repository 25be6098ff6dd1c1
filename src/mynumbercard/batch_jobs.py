"""The batch jobs, wired: each job's order (what to run, picklable) and its steps over a
container; `start` runs one with any number of worker processes.

An order is all a worker process needs: it wires its own container and rebuilds the
steps from the order, so the CLI today and an operator console later start, watch
(`progress`) and resume (start the same order again) every job the same way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from mynumbercard import bootstrap
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.staff import Actor
from mynumbercard.services import (
    batch,
    challenge_pruning,
    email,
    expiry,
    issuance,
    jobs,
    mail,
    moving,
    notices,
    ocsp,
    validity_check,
    validity_notices,
)
from mynumbercard.services.ports import UnitOfWork

log = logging.getLogger(__name__)


class Order(Protocol):
    """A job to run: its moment and its steps over a container."""

    @property
    def now(self) -> datetime: ...

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]: ...

    def chunk_rows(self, wired: bootstrap.Container) -> int: ...


class _Chunked:
    """Chunks of `MYNUMBERCARD_JOB_CHUNK_ROWS` rows, unless the job says otherwise."""

    def chunk_rows(self, wired: bootstrap.Container) -> int:
        return wired.settings.job_chunk_rows


@dataclass(frozen=True)
class ValidityNotices(_Chunked):
    """Queue the validity letters of `on` and of unfinished days of the month before."""

    on: date
    actor: Actor
    now: datetime

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]:
        return validity_notices.steps(on=self.on, actor=self.actor, now=self.now)


@dataclass(frozen=True)
class AuditValidity:
    """The wrong-validity check over every card, as run `run_key`."""

    run_key: str
    actor: Actor
    now: datetime

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]:
        return validity_check.steps(actor=self.actor, now=self.now, run_key=self.run_key)

    def chunk_rows(self, wired: bootstrap.Container) -> int:
        # A chunk here is a span of card ids, not a list: never narrower than 1000 ids.
        return max(wired.settings.job_chunk_rows, 1000)


@dataclass(frozen=True)
class Expire(_Chunked):
    """Record the cards and certificates whose first invalid day is in [since, on]."""

    on: date
    since: date | None
    actor: Actor
    now: datetime

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]:
        return expiry.steps(wired.ca, actor=self.actor, on=self.on, since=self.since,
                            now=self.now)


def queue_run_key(wired: bootstrap.Container, job: str) -> str:
    """The run that stopped half-way, resumed; else a new one."""
    return batch.resumed_or_new(wired.uow, job, wired.clock())


@dataclass(frozen=True)
class Production(_Chunked):
    """Production runs over the approved applications: a card and its chip for each."""

    run_key: str
    actor: Actor
    now: datetime
    chips: Path | None = None  # simulated: the chips go there, not into the safe

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]:
        vault = wired.vault if self.chips is None else wired.vault_in(self.chips)
        return issuance.production_steps(vault, actor=self.actor, now=self.now,
                                         run_key=self.run_key)


@dataclass(frozen=True)
class Shipping(_Chunked):
    """The produced cards to the office of each holder's address."""

    run_key: str
    actor: Actor
    now: datetime

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]:
        return issuance.shipping_steps(actor=self.actor, now=self.now, run_key=self.run_key)


@dataclass(frozen=True)
class IssuanceNotices(_Chunked):
    """A notice of issuance and a sealed PIN form for each card waiting at its office."""

    run_key: str
    actor: Actor
    now: datetime
    out: Path

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]:
        return notices.issuance_notice_steps(
            wired.letter_printer, wired.letters_to(self.out), actor=self.actor, now=self.now,
            base_url=wired.settings.public_base_url.rstrip("/"), run_key=self.run_key)


@dataclass(frozen=True)
class Uncollected(_Chunked):
    """Reminders after the pick-up deadline; after the keeping period the card destroyed."""

    run_key: str
    actor: Actor
    now: datetime
    out: Path

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]:
        return notices.uncollected_steps(
            wired.letter_printer, wired.letters_to(self.out),
            None if wired.simulating else wired.vault, actor=self.actor, now=self.now,
            base_url=wired.settings.public_base_url.rstrip("/"), run_key=self.run_key)


@dataclass(frozen=True)
class CardLapse(_Chunked):
    """The cards of moves whose limit passed by `on` lapse, their certificates revoked."""

    run_key: str
    actor: Actor
    on: date
    now: datetime

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]:
        return moving.card_lapse_steps(wired.ca, actor=self.actor, on=self.on, now=self.now,
                                       run_key=self.run_key)


@dataclass(frozen=True)
class OcspRefresh(_Chunked):
    """The pre-produced OCSP responses that go stale within a day, re-signed."""

    run_key: str
    now: datetime

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]:
        return ocsp.refresh_steps(wired.ca, now=self.now, run_key=self.run_key)


@dataclass(frozen=True)
class OcspProduce(_Chunked):
    """The answer of every unexpired certificate that has none, signed."""

    run_key: str
    actor: Actor
    now: datetime

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]:
        return ocsp.produce_steps(wired.ca, actor=self.actor, now=self.now,
                                  run_key=self.run_key)


@dataclass(frozen=True)
class MailSend:
    """The queued letters printed, oldest due first, a print file per chunk."""

    run_key: str
    actor: Actor
    now: datetime
    out: Path | None

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]:
        return mail.mail_steps(wired.letter_printer, wired.letters_to(self.out),
                               actor=self.actor, now=self.now, run_key=self.run_key,
                               base_url=wired.settings.public_base_url.rstrip("/"))

    def chunk_rows(self, wired: bootstrap.Container) -> int:
        return mail.BATCH  # letters per print file


@dataclass(frozen=True)
class EmailSend:
    """The queued e-mail that is due, to the mail server (`services/email.py`)."""

    run_key: str
    actor: Actor
    now: datetime

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]:
        return email.send_steps(wired.uow, wired.email_transport(), actor=self.actor,
                                now=self.now, clock=wired.clock,
                                base_url=wired.settings.public_base_url.rstrip("/"),
                                run_key=self.run_key)

    def chunk_rows(self, wired: bootstrap.Container) -> int:
        return email.CHUNK  # messages per connection to the server


@dataclass(frozen=True)
class ChallengePrune(_Chunked):
    """The card challenges (the kiosk's, the holders') that expired before `now`, deleted."""

    run_key: str
    actor: Actor
    now: datetime

    def steps(self, wired: bootstrap.Container) -> Sequence[batch.Step[UnitOfWork]]:
        return challenge_pruning.prune_steps(actor=self.actor, now=self.now,
                                             run_key=self.run_key)


def work_in_process(order: Order) -> batch.Outcome:
    """A worker process's share: its own container, the order's steps, chunks until none."""
    with bootstrap.container() as wired:
        return batch.work(wired.uow, order.steps(wired), now=order.now)


@dataclass(frozen=True)
class Run:
    steps: Sequence[batch.Step[UnitOfWork]]
    started: batch.Started


def start(wired: bootstrap.Container, order: Order, *, workers: int = 1,
          on_progress: Callable[[batch.Progress], None] | None = None) -> Run:
    """Plan the order's steps once and do them, here or in `workers` processes (never in
    a simulation: it is one transaction); a run that stopped resumes."""
    found = order.steps(wired)
    started = batch.start(wired.uow, found, chunk_rows=order.chunk_rows(wired), now=order.now,
                          workers=1 if wired.simulating else workers,
                          worker=work_in_process, order=order, on_progress=on_progress)
    return Run(found, started)


def progress(wired: bootstrap.Container, order: Order) -> batch.Progress:
    """The order's chunks done and planned, read from the chunk table."""
    return batch.progress(wired.uow, order.steps(wired))


# The jobs whose run a console can resume from the chunk table alone (the job's name and
# the run's key): the others need what only their command line says (a day, the letters'
# directory, an office), so the CLI resumes them (`mynumbercard jobs …`).
RESUMABLE: dict[str, Callable[[str, Actor, datetime], Order]] = {
    mail.MAIL: lambda key, actor, now: MailSend(key, actor, now, None),
    email.EMAIL: EmailSend,
    issuance.PRODUCTION: Production,
    issuance.SHIPPING: Shipping,
    validity_check.JOB: AuditValidity,
    ocsp.PRODUCE_JOB: OcspProduce,
    challenge_pruning.JOB: ChallengePrune,
}


class BackgroundResumer:
    """Resumes runs inside the server, one thread per run, one worker each (the CLI's
    `--workers 1`): a run is chunks committed one by one, so a server stopped half-way
    leaves the run unfinished, to be resumed again. One run of a job at a time here."""

    def __init__(self, wired: bootstrap.Container) -> None:
        self._wired = wired
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self.threads: list[threading.Thread] = []  # for tests: join them

    def resumable(self, job: str) -> bool:
        return job in RESUMABLE and not self._wired.simulating

    def running(self, job: str) -> bool:
        with self._lock:
            return job in self._running

    def start(self, job: str, run_key: str, *, actor: Actor, now: datetime) -> None:
        order = RESUMABLE[job](run_key, actor, now)
        with self._lock:
            if job in self._running:
                raise Conflict(f"a run of the job {job} is being resumed already")
            self._running.add(job)
        thread = threading.Thread(target=self._run, args=(job, order), daemon=True,
                                  name=f"resume-{job}-{run_key}")
        self.threads.append(thread)
        thread.start()

    def _run(self, job: str, order: Order) -> None:
        try:
            start(self._wired, order)
        except Exception as error:  # the chunk table keeps the failed chunk and its error
            log.error("resuming a run of the job %s failed: %s", job,
                      jobs.failure_text(error))
        finally:
            with self._lock:
                self._running.discard(job)
