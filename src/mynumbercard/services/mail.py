"""Outgoing mail: suspend and resume mailing, and print the queue in batches.

Printing is a batch job (`mail_steps`): planning marks every queued letter `printing`
under its print batch's name, a chunk writes a batch's PDF and marks its letters `sent`
in one transaction. A run stopped half-way prints the same batches under the same names
when it resumes, so a letter is never in two print files and never lost. While mailing
is suspended (as in the 2020 emergency) jobs keep queueing; on resume the backlog goes
out oldest expiry first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from typing import Protocol

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.municipality import Municipality
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.validity import renewal_opens_on
from mynumbercard.services import batch, mailed_letters
from mynumbercard.services.application_ports import Applications
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.jobs import JobsUnit
from mynumbercard.services.letters import (
    LetterPrinter,
    MailedLetter,
    ValidityKind,
    ValidityNotice,
)
from mynumbercard.services.mail_ports import LetterKind, MailQueue, QueuedLetter
from mynumbercard.services.notices import HasOffices, Offices
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    MunicipalityRepository,
    ResidentRepository,
)


class ContactedCases(Protocol):
    def mark_contacted(self, case_ids: Sequence[int], *, now: datetime) -> None:
        """The wrong-validity cases whose contact letter went out."""
        ...


class MailUnit(JobsUnit, HasOffices, Protocol):
    """What mailing uses: the queue and its control, the addressees and their offices,
    the applications a deficiency letter names, the cases a contact letter closes."""

    @property
    def mail(self) -> MailQueue: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def municipalities(self) -> MunicipalityRepository: ...
    @property
    def applications(self) -> Applications: ...
    @property
    def validity_checks(self) -> ContactedCases: ...


UowFactory = Callable[[], MailUnit]
LetterSink = Callable[[str, bytes], str]
BATCH = 100  # letters per print file (the mail job's chunk_rows): the font once per file

CARD_STEPS = (
    "更新の申請は有効期限の3か月前からできます。手数料はかかりません。",
    "同封の申請書、またはQRコードからスマートフォンで申請してください。",
    "新しいカードの受取の際に、現在のカードを返納してください。",
)
CORRECTION_STEPS = (
    "カードはそのままお使いいただけます。電子証明書も引き続き利用できます。",
    "お手数ですが、カードをお持ちのうえ窓口へお越しください。正しい有効期限で再交付します"
    "（手数料はかかりません）。",
    "電子証明書の有効期限がカードを超えている場合は、その場で更新します。",
)
CERTIFICATE_STEPS = (
    "更新は有効期限の3か月前から、お住まいの市区町村の窓口でできます。手数料はかかりません。",
    "マイナンバーカードと、設定した暗証番号をお持ちください。",
    "有効期限を過ぎても更新できますが、その間はコンビニ交付やオンライン手続きが使えません。",
)


def _control_change(uow_factory: UowFactory, *, actor: Actor, suspended: bool,
                    reason: str | None, now: datetime) -> None:
    actor.require(Permission.PRODUCTION)
    with uow_factory() as uow:
        if uow.mail.control().suspended == suspended:
            raise Conflict(f"mailing is {'suspended' if suspended else 'running'} already")
        uow.mail.set_control(suspended=suspended, reason=reason, actor=actor.name, now=now)
        action = AuditAction.MAIL_SUSPEND if suspended else AuditAction.MAIL_RESUME
        uow.audit.record(AuditRecord(now, actor.name, action,
                                     "mail:control", {"reason": reason} if reason else None))
        uow.commit()


def suspend(uow_factory: UowFactory, *, actor: Actor, reason: str, now: datetime) -> None:
    _control_change(uow_factory, actor=actor, suspended=True, reason=reason, now=now)


def resume(uow_factory: UowFactory, *, actor: Actor, now: datetime) -> None:
    _control_change(uow_factory, actor=actor, suspended=False, reason=None, now=now)


def is_suspended(uow_factory: UowFactory) -> bool:
    with uow_factory() as uow:
        return uow.mail.control().suspended


@dataclass(frozen=True, slots=True)
class MailStatus:
    suspended: bool
    reason: str | None  # why mailing was suspended
    since: datetime | None  # the last suspension or resumption
    queued: int
    printing: int
    sent: int
    oldest_queued_due_on: date | None


def status(uow_factory: UowFactory) -> MailStatus:
    with uow_factory() as uow:
        control, counts, oldest = uow.mail.control(), uow.mail.counts(), uow.mail.oldest_queued()
    return MailStatus(suspended=control.suspended, reason=control.reason,
                      since=control.changed_at, queued=counts.get("queued", 0),
                      printing=counts.get("printing", 0), sent=counts.get("sent", 0),
                      oldest_queued_due_on=oldest)


LETTERS = {
    LetterKind.VALIDITY_CARD: (ValidityKind.CARD, CARD_STEPS),
    LetterKind.VALIDITY_CERTIFICATES: (ValidityKind.CERTIFICATES, CERTIFICATE_STEPS),
    LetterKind.VALIDITY_CORRECTION: (ValidityKind.CORRECTION, CORRECTION_STEPS),
}


def _notice(letter: QueuedLetter, resident: Resident, town: Municipality, *, now: datetime,
            offices: Offices, base_url: str) -> ValidityNotice:
    office = offices.office(town.prefecture, town.name, town.code)
    kind, steps = LETTERS[letter.kind]
    return ValidityNotice(
        kind=kind,
        holder_name=resident.full_name,
        holder_name_kana=resident.full_name_kana,
        postal_code=resident.postal_code, address=resident.full_address(town),
        expires_on=letter.due_on, renewal_from=renewal_opens_on(letter.due_on),
        notice_date=now.astimezone(JST).date(),
        what_to_do=steps,
        office_name=office.name, office_address=office.address, office_phone=office.phone,
        office_hours=office.hours, reference=f"L{letter.id:010d}",
        application_id=letter.application_id,
        application_url=(f"{base_url}/apply?application_id={letter.application_id}"
                         if letter.application_id else None),
    )


def mailed_letter_in(uow: MailUnit, letter: QueuedLetter, resident: Resident,
                     town: Municipality, *, now: datetime, offices: Offices,
                     base_url: str) -> MailedLetter:
    """The letter as printed now, filled from the register (the queue keeps no personal
    data): for the mail run, and for a letter printed again at the counter."""
    if letter.kind is LetterKind.NUMBER_NOTICE:
        return mailed_letters.number_notice(letter, resident, town, now=now, offices=offices)
    if letter.kind is LetterKind.REISSUE_FORM:
        return mailed_letters.reissue_form(letter, resident, town, now=now, offices=offices,
                                           base_url=base_url)
    if letter.kind is LetterKind.DEFICIENCY:
        return mailed_letters.deficiency_notice_in(uow, letter, resident, town, now=now,
                                                   offices=offices, base_url=base_url)
    return _notice(letter, resident, town, now=now, offices=offices, base_url=base_url)


@dataclass(frozen=True, slots=True)
class Dispatched:
    files: list[str]
    letters: int
    suspended: bool


def _print_in(uow: MailUnit, printer: LetterPrinter, sink: LetterSink,
              letters: Sequence[QueuedLetter], batch_name: str, *, actor: Actor,
              now: datetime, offices: Offices, base_url: str) -> tuple[str, int]:
    notices: list[MailedLetter] = []
    towns: dict[str, Municipality] = {}  # a batch's letters mostly share a few towns
    offices = offices.within(uow)
    for letter in letters:
        resident = uow.residents.get(letter.resident_id)
        code = resident.municipality_code
        if code not in towns:
            towns[code] = uow.municipalities.get(code)
        notices.append(mailed_letter_in(uow, letter, resident, towns[code], now=now,
                                        offices=offices, base_url=base_url))
    path = sink(batch_name, printer.mail_batch(notices))
    sent = uow.mail.mark_sent(batch_name, now=now)
    uow.validity_checks.mark_contacted(
        [int(x.details["case"]) for x in letters
         if x.kind is LetterKind.VALIDITY_CORRECTION and x.details.get("case")], now=now)
    uow.audit.record(AuditRecord(now, actor.name, AuditAction.MAIL_SEND,
                                 f"mail-batch:{batch_name}", {"letters": sent}))
    return path, sent


MAIL = "mail"


def mail_steps(printer: LetterPrinter, sink: LetterSink, *, actor: Actor, now: datetime,
               base_url: str, run_key: str, offices: Offices | None = None
               ) -> list[batch.Step[MailUnit]]:
    """Printing the queue as a batch job. Planning puts every queued letter, oldest due
    first, into a print batch under its file's name (status `printing`): a chunk is one
    batch, as (its place in the order, its first letter), so chunks are taken oldest due
    first. A chunk writes its PDF, then marks its letters sent in the same transaction:
    a run killed half-way prints the same batch under the same name again, so a letter is
    never in two print files and never lost. Suspended meanwhile, the chunks left put
    their letters back in the queue (a batch boundary)."""
    actor.require(Permission.PRODUCTION)
    offices = offices or Offices()
    day = f"{now.astimezone(JST):%Y%m%d}"

    def plan(uow: MailUnit, chunk_rows: int) -> list[tuple[int, int]]:
        if uow.mail.control().suspended:
            return []
        # Batches a run of before this idiom left printing go first, under their names.
        firsts = [next(group).id for _, group in
                  groupby(uow.mail.printing(), key=lambda x: x.batch)]
        ids = uow.mail.queued_ids()
        for i in range(0, len(ids), chunk_rows):
            group = ids[i:i + chunk_rows]
            uow.mail.mark_printing(group, batch=f"mail-{day}-{group[0]:012d}.pdf")
            firsts.append(group[0])
        return [(place, first) for place, first in enumerate(firsts, start=1)]

    def work(uow: MailUnit, chunk: Chunk) -> batch.Did:
        letters = uow.mail.batch_of(chunk.hi)
        if not letters:
            return batch.Did(0)
        name = letters[0].batch or f"mail-{day}-{chunk.hi:012d}.pdf"
        if uow.mail.control().suspended:
            uow.mail.requeue(name)
            return batch.Did(0)
        path, sent = _print_in(uow, printer, sink, letters, name, actor=actor, now=now,
                               offices=offices, base_url=base_url)
        return batch.Did(sent, (path,))

    return [batch.Step(batch.Job(MAIL, plan, work), run_key)]


def dispatch(uow_factory: UowFactory, printer: LetterPrinter, sink: LetterSink, *,
             actor: Actor, now: datetime, base_url: str, offices: Offices | None = None,
             chunk_rows: int = BATCH, run_key: str | None = None) -> Dispatched:
    """Print queued letters, oldest expiry first, unless mailing is suspended; here, one
    worker (a run that stopped resumes)."""
    actor.require(Permission.PRODUCTION)
    if is_suspended(uow_factory):
        return Dispatched([], 0, suspended=True)
    key = run_key or batch.resumed_or_new(uow_factory, MAIL, now)
    started = batch.start(uow_factory, mail_steps(printer, sink, actor=actor, now=now,
                                                  base_url=base_url, run_key=key,
                                                  offices=offices),
                          chunk_rows=chunk_rows, now=now)
    return dispatched(started.outcome)


def dispatched(outcome: batch.Outcome) -> Dispatched:
    return Dispatched([str(path) for path in outcome.of(MAIL)], outcome.rows[MAIL],
                      suspended=False)
