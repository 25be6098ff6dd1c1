"""Outgoing mail: suspend and resume mailing, and print the queue in batches.

A batch goes through two commits: its letters are first marked `printing` under the
batch's name, then the PDF is written, then they are marked `sent`. A run stopped
between the two re-prints the same batch under the same name before anything else, so
a letter is never in two print files and never lost. While mailing is suspended (as in
the 2020 emergency) jobs keep queueing; on resume the backlog goes out oldest expiry
first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.municipality import Municipality
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.validity import renewal_opens_on
from mynumbercard.services import mailed_letters
from mynumbercard.services.letters import (
    LetterPrinter,
    MailedLetter,
    ValidityKind,
    ValidityNotice,
)
from mynumbercard.services.mail_ports import LetterKind, QueuedLetter
from mynumbercard.services.notices import Offices
from mynumbercard.services.ports import AuditRecord, UnitOfWork

UowFactory = Callable[[], UnitOfWork]
LetterSink = Callable[[str, bytes], str]
BATCH = 100  # letters per print file: the font is embedded once per file

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
        uow.audit.record(AuditRecord(now, actor.name,
                                     "mail:suspend" if suspended else "mail:resume",
                                     "mail:control", {"reason": reason} if reason else None))
        uow.commit()


def suspend(uow_factory: UowFactory, *, actor: Actor, reason: str, now: datetime) -> None:
    _control_change(uow_factory, actor=actor, suspended=True, reason=reason, now=now)


def resume(uow_factory: UowFactory, *, actor: Actor, now: datetime) -> None:
    _control_change(uow_factory, actor=actor, suspended=False, reason=None, now=now)


def status(uow_factory: UowFactory) -> dict[str, Any]:
    with uow_factory() as uow:
        control, counts, oldest = uow.mail.control(), uow.mail.counts(), uow.mail.oldest_queued()
    return {"suspended": control.suspended, "reason": control.reason,
            "since": control.changed_at.isoformat() if control.changed_at else None,
            "queued": counts.get("queued", 0), "printing": counts.get("printing", 0),
            "sent": counts.get("sent", 0),
            "oldest_queued_due_on": oldest.isoformat() if oldest else None}


LETTERS = {
    LetterKind.VALIDITY_CARD: (ValidityKind.CARD, CARD_STEPS),
    LetterKind.VALIDITY_CERTIFICATES: (ValidityKind.CERTIFICATES, CERTIFICATE_STEPS),
    LetterKind.VALIDITY_CORRECTION: (ValidityKind.CORRECTION, CORRECTION_STEPS),
}


def _notice(letter: QueuedLetter, resident: Resident, town: Municipality, *, now: datetime,
            offices: Offices, base_url: str) -> ValidityNotice:
    office = offices.office(town.prefecture, town.name)
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


@dataclass(frozen=True, slots=True)
class Dispatched:
    files: list[str]
    letters: int
    suspended: bool


def _print_batch(uow_factory: UowFactory, printer: LetterPrinter, sink: LetterSink,
                 letters: Sequence[QueuedLetter], batch: str, *, actor: Actor, now: datetime,
                 offices: Offices, base_url: str) -> tuple[str, int]:
    notices: list[MailedLetter] = []
    towns: dict[str, Municipality] = {}  # a batch's letters mostly share a few towns
    with uow_factory() as uow:
        for letter in letters:
            resident = uow.residents.get(letter.resident_id)
            code = resident.municipality_code
            if code not in towns:
                towns[code] = uow.municipalities.get(code)
            if letter.kind is LetterKind.NUMBER_NOTICE:
                notices.append(mailed_letters.number_notice(letter, resident, towns[code],
                                                            now=now, offices=offices))
            elif letter.kind is LetterKind.REISSUE_FORM:
                notices.append(mailed_letters.reissue_form(
                    letter, resident, towns[code], now=now, offices=offices,
                    base_url=base_url))
            elif letter.kind is LetterKind.DEFICIENCY:
                notices.append(mailed_letters.deficiency_notice(
                    uow, letter, resident, towns[code], now=now, offices=offices,
                    base_url=base_url))
            else:
                notices.append(_notice(letter, resident, towns[code], now=now,
                                       offices=offices, base_url=base_url))
    path = sink(batch, printer.mail_batch(notices))
    with uow_factory() as uow:
        sent = uow.mail.mark_sent(batch, now=now)
        uow.validity_audit.mark_contacted(
            [int(x.details["case"]) for x in letters
             if x.kind is LetterKind.VALIDITY_CORRECTION and x.details.get("case")], now=now)
        uow.audit.record(AuditRecord(now, actor.name, "mail:send", f"mail-batch:{batch}",
                                     {"letters": sent}))
        uow.commit()
    return path, sent


def dispatch(uow_factory: UowFactory, printer: LetterPrinter, sink: LetterSink, *,
             actor: Actor, now: datetime, base_url: str, offices: Offices | None = None,
             batch_size: int = BATCH, limit: int | None = None,
             on_batch: Callable[[int], None] | None = None) -> Dispatched:
    """Print queued letters, oldest expiry first, unless mailing is suspended."""
    actor.require(Permission.PRODUCTION)
    offices = offices or Offices()
    files: list[str] = []
    letters = 0
    with uow_factory() as uow:
        if uow.mail.control().suspended:
            return Dispatched([], 0, suspended=True)
        unfinished = [(batch or "", list(group)) for batch, group in
                      groupby(uow.mail.printing(), key=lambda x: x.batch)]
    for batch, group in unfinished:  # a stopped run's batches first, under their own names
        path, sent = _print_batch(uow_factory, printer, sink, group, batch, actor=actor,
                                  now=now, offices=offices, base_url=base_url)
        files.append(path)
        letters += sent
    while limit is None or letters < limit:
        with uow_factory() as uow:
            if uow.mail.control().suspended:
                break  # suspended while we were printing: stop at a batch boundary
            group = list(uow.mail.claim(limit=batch_size))
            if not group:
                break
            batch = f"mail-{now.astimezone(JST):%Y%m%d}-{group[0].id:012d}.pdf"
            uow.mail.mark_printing([x.id or 0 for x in group], batch=batch)
            uow.commit()
        path, sent = _print_batch(uow_factory, printer, sink, group, batch, actor=actor,
                                  now=now, offices=offices, base_url=base_url)
        files.append(path)
        letters += sent
        if on_batch is not None:
            on_batch(sent)
    return Dispatched(files, letters, suspended=False)
