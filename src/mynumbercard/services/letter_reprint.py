"""A resident's letters at the counter: the ones the outgoing mail holds for them (the
Individual Number Notice, deficiency letters, validity notices, the form for a new card)
listed with their state, and any of them printed again as a PDF for the clerk to hand
over (a letter lost in the post, or a holder who waits at the counter).

The letter is filled from the register as the mail run fills it (the queue keeps no
personal data), dated today; printing it again changes nothing in the outgoing mail (a
queued letter still goes out) and is audited under the clerk's name. A clerk of the
resident's municipality only: another one's resident answers as unknown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mynumbercard.domain.errors import NotFound
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.letters import LetterPrinter
from mynumbercard.services.mail import MailUnit, mailed_letter_in
from mynumbercard.services.mail_ports import LetterKind, LetterRecord
from mynumbercard.services.notices import Offices
from mynumbercard.services.ports import AuditRecord
from mynumbercard.services.visibility import visible_resident_in

UowFactory = Callable[[], MailUnit]
LISTED = 100  # a resident's letters shown, newest first


@dataclass(frozen=True, slots=True)
class LetterView:
    id: int
    kind: LetterKind
    status: str  # queued | printing | sent
    queued_at: datetime
    sent_at: datetime | None
    application_id: str | None


@dataclass(frozen=True, slots=True)
class Reprinted:
    letter_id: int
    kind: LetterKind
    filename: str
    pdf: bytes


def _view(record: LetterRecord) -> LetterView:
    x = record.letter
    return LetterView(x.id, x.kind, record.status, record.queued_at, record.sent_at,
                      x.application_id)


def letters_of(uow_factory: UowFactory, *, actor: Actor, resident_id: int
               ) -> list[LetterView]:
    """The resident's letters, newest first (the resident's page reads them: its own
    read is audited there)."""
    with uow_factory() as uow:
        visible_resident_in(uow, actor, Permission.RESIDENT_READ, resident_id)
        return [_view(r) for r in uow.mail.of_resident(resident_id, limit=LISTED)]


def reprint(uow_factory: UowFactory, printer: LetterPrinter, *, actor: Actor,
            resident_id: int, letter_id: int, now: datetime, base_url: str,
            offices: Offices | None = None) -> Reprinted:
    """One of the resident's letters printed again, dated today; audited."""
    actor.require_role(Permission.RESIDENT_WRITE)
    with uow_factory() as uow:
        resident = visible_resident_in(uow, actor, Permission.RESIDENT_WRITE, resident_id)
        record = next((r for r in uow.mail.of_resident(resident_id, limit=LISTED)
                       if r.letter.id == letter_id), None)
        if record is None:
            raise NotFound(f"no letter {letter_id} of resident {resident_id}")
        town = uow.municipalities.get(resident.municipality_code)
        letter = mailed_letter_in(uow, record.letter, resident, town, now=now,
                                  offices=(offices or Offices()).within(uow),
                                  base_url=base_url)
        pdf = printer.mail_batch([letter])  # before the record: no record of a failed print
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.LETTER_REPRINT,
                                     f"letter:{letter_id}", {"resident": resident_id,
                                                             "kind": record.letter.kind.value}))
        uow.commit()
    return Reprinted(letter_id, record.letter.kind,
                     f"letter-{letter_id}-{record.letter.kind.value}.pdf", pdf)
