"""The daily validity-notice job: every card and certificate whose notice window opens
on a day gets its letter queued, once.

A day's cohort is the expiries whose window (3 to 2 months before expiry, rules.md)
opens that day (`expiries_noticed_from`): a range scan of the expiry index. The job
also runs the days of the past month it finds unfinished, so a day nobody ran it is
caught up by the next run. A card letter carries a new Application ID for the renewal
application (the resident's previous form dies); a holder who has applied already gets
the letter without one. Certificates that expire with the card need no letter of their
own: the card's letter covers them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from mynumbercard.domain import application_id as application_ids
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.validity import expiries_noticed_from
from mynumbercard.services import batch, jobs
from mynumbercard.services.application_ports import (
    ApplicationForm,
    ApplicationForms,
    FormReason,
)
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.jobs import JobsUnit
from mynumbercard.services.mail_ports import (
    Cohorts,
    LetterKind,
    MailOutbox,
    NewLetter,
)
from mynumbercard.services.ports import AuditLog, AuditRecord


class KeyedOutbox(MailOutbox, Protocol):
    def existing(self, keys: Sequence[str]) -> set[str]:
        """The keys of letters queued (or sent) already."""
        ...


class ValidityNoticesUnit(JobsUnit, Protocol):
    """What the validity-notice job's chunks use: the cohorts, the forms, the mail."""

    @property
    def cohorts(self) -> Cohorts: ...
    @property
    def applications(self) -> ApplicationForms: ...
    @property
    def mail(self) -> KeyedOutbox: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], ValidityNoticesUnit]
CARDS, CERTIFICATES = "validity-notices:cards", "validity-notices:certificates"
CATCH_UP_DAYS = 31  # the notice window is a month long: a day missed is still in time


@dataclass
class Queued:
    days: list[str] = field(default_factory=list)
    card_letters: int = 0
    certificate_letters: int = 0


def _card_work(first: date, last: date, *, actor: Actor, now: datetime,
               rng: random.Random) -> batch.Work[ValidityNoticesUnit]:
    def work(uow: ValidityNoticesUnit, chunk: Chunk) -> int:
        cohort = uow.cohorts.cards(first, last, chunk.lo, chunk.hi)
        keys = {c.card_id: f"validity_card:{c.card_id}:{c.expires_on}" for c in cohort}
        sent = uow.mail.existing(list(keys.values()))
        forms: list[ApplicationForm] = []
        letters: list[NewLetter] = []
        for card in cohort:
            if keys[card.card_id] in sent:
                continue  # queued by an earlier run: never a second letter, nor a new form
            new_id = None if card.open_application else application_ids.generate(rng)
            if new_id is not None:
                forms.append(ApplicationForm(new_id, card.resident_id, FormReason.RENEWAL, now))
            letters.append(NewLetter(
                letter_key=keys[card.card_id], kind=LetterKind.VALIDITY_CARD,
                resident_id=card.resident_id, municipality_code=card.municipality_code,
                due_on=card.expires_on, card_id=card.card_id, application_id=new_id))
        uow.applications.replace_forms(forms, now=now)
        queued = uow.mail.enqueue(letters, now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.LETTER_QUEUE,
                                     f"job:{chunk.job}:{chunk.run_key}:{chunk.lo}",
                                     {"letters": queued, "forms": len(forms)}))
        return queued
    return work


def _certificate_work(first: date, last: date, *, actor: Actor,
                      now: datetime) -> batch.Work[ValidityNoticesUnit]:
    def work(uow: ValidityNoticesUnit, chunk: Chunk) -> int:
        letters = [
            NewLetter(letter_key=f"validity_certificates:{c.card_id}:{c.expires_on}",
                         kind=LetterKind.VALIDITY_CERTIFICATES, resident_id=c.resident_id,
                         municipality_code=c.municipality_code, due_on=c.expires_on,
                         card_id=c.card_id, details={"kinds": list(c.kinds)})
            for c in uow.cohorts.certificates(first, last, chunk.lo, chunk.hi)
            if c.expires_on != c.card_expires_on]
        queued = uow.mail.enqueue(letters, now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.LETTER_QUEUE,
                                     f"job:{chunk.job}:{chunk.run_key}:{chunk.lo}",
                                     {"letters": queued}))
        return queued
    return work


def steps(*, on: date, actor: Actor, now: datetime, rng: random.Random | None = None,
          catch_up_days: int = CATCH_UP_DAYS) -> list[batch.Step[ValidityNoticesUnit]]:
    """The job's steps: each day of the month before `on` and `on` itself, its cards then
    its certificates (a day done already plans nothing new and has nothing left)."""
    actor.require(Permission.PRODUCTION)
    rng = rng or random.SystemRandom()
    found: list[batch.Step[ValidityNoticesUnit]] = []
    for back in range(catch_up_days, -1, -1):
        day = on - timedelta(days=back)
        cohort = expiries_noticed_from(day)
        if cohort is None:
            continue
        first, last = cohort
        key = day.isoformat()
        found += [batch.Step(batch.Job(CARDS, _card_ids(first, last),
                                       _card_work(first, last, actor=actor, now=now, rng=rng)),
                             key),
                  batch.Step(batch.Job(CERTIFICATES, _certificate_card_ids(first, last),
                                       _certificate_work(first, last, actor=actor, now=now)),
                             key)]
    return found


def _card_ids(first: date, last: date) -> batch.Planner[ValidityNoticesUnit]:
    return batch.by_ids(lambda uow: uow.cohorts.card_ids(first, last))


def _certificate_card_ids(first: date, last: date) -> batch.Planner[ValidityNoticesUnit]:
    return batch.by_ids(lambda uow: uow.cohorts.certificate_card_ids(first, last))


def summary(started: batch.Started, found: Sequence[batch.Step[batch.UnitT]]) -> Queued:
    """What a start did: the days it found pending, and the letters queued."""
    days = sorted({step.run_key for step, planned in zip(found, started.planned, strict=True)
                   if planned.left})
    return Queued(days, started.outcome.rows[CARDS], started.outcome.rows[CERTIFICATES])


def queue_validity_notices(
    uow_factory: UowFactory,
    *,
    actor: Actor,
    on: date,
    now: datetime,
    rng: random.Random | None = None,
    on_progress: Callable[[batch.Progress], None] | None = None,
    catch_up_days: int = CATCH_UP_DAYS,
    chunk_rows: int = jobs.CHUNK_ROWS,
) -> Queued:
    """Queue the letters of `on` and of any unfinished day of the month before it, here
    (one worker; `--workers` starts the same steps through `batch.start`)."""
    found = steps(on=on, actor=actor, now=now, rng=rng, catch_up_days=catch_up_days)
    started = batch.start(uow_factory, found, chunk_rows=chunk_rows, now=now,
                          on_progress=on_progress)
    return summary(started, found)
