"""Letters about cards waiting at the office: the notice of issuance, the reminder after
the deadline, and the municipality's rule after the keeping period (the card is
destroyed and the application void).

Each run claims a chunk (a batch job's, `services/batch.py`), writes each letter's file
under a name fixed by the card, and only then commits: a run killed half-way leaves no
letter marked as sent that was not written, and running again rewrites the same files,
so nothing is sent twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.application import Application, ApplicationStatus, VoidReason
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.dates import months_before
from mynumbercard.domain.offices import Office as ConfiguredOffice
from mynumbercard.domain.offices import letter_lines
from mynumbercard.domain.pickup import PickUpPolicy
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.validity import signature_certificate_allowed
from mynumbercard.services import batch
from mynumbercard.services.application_ports import Applications, CardVault, IdSpan
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.jobs import JobsUnit
from mynumbercard.services.letters import IssuanceNotice, LetterPrinter, PinSettingForm
from mynumbercard.services.notice_ports import IssuanceLetters
from mynumbercard.services.pickup import void_in
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    CardRepository,
    MunicipalityRepository,
    ResidentRepository,
)


class LetterApplications(Applications, IssuanceLetters, Protocol):
    def ids(self, status: ApplicationStatus) -> Sequence[int]:
        """The ids of the applications in `status`, ascending: a batch job's plan."""
        ...


class NoticesUnit(JobsUnit, Protocol):
    """What the letters of waiting cards use: the applications and their letters, the
    cards (a card destroyed after the keeping period), the addressees and their offices."""

    @property
    def applications(self) -> LetterApplications: ...
    @property
    def cards(self) -> CardRepository: ...
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def municipalities(self) -> MunicipalityRepository: ...
    @property
    def offices(self) -> OfficeDirectory: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], NoticesUnit]
LetterSink = Callable[[str, bytes], str]  # (file name, PDF) -> where it went
CHUNK = 200

THINGS_TO_BRING = (
    "この交付通知書（はがき）",
    "本人確認書類：写真付きのもの1点（運転免許証・パスポート・在留カードなど）、"
    "またはそれ以外のもの2点（健康保険証・年金手帳など）",
    "通知カード、住民基本台帳カード（お持ちの方）",
    "現在お持ちのマイナンバーカード（更新・再交付の方）",
)
OFFICE_HOURS = (
    "平日 8:30〜17:15（祝日・12月29日〜1月3日を除く）",
    "混雑する平日10時〜12時を避け、予約のうえお越しください",
)


@dataclass(frozen=True, slots=True)
class Office:
    name: str
    address: str
    phone: str
    hours: tuple[str, ...] = OFFICE_HOURS


class OfficeDirectory(Protocol):
    def get(self, code: str, *, lock: str | None = None) -> ConfiguredOffice | None: ...


class HasOffices(Protocol):
    """A unit of work that reads the configured offices (`OfficeRepository` has more)."""

    @property
    def offices(self) -> OfficeDirectory: ...


def configured_office(uow: HasOffices, code: str) -> Office | None:
    """The office as configured (docs/offices.md): its address, telephone and hours."""
    found = uow.offices.get(code)
    if found is None:
        return None
    return Office(name=found.name, address=f"{found.postal_text} {found.address}",
                  phone=found.phone, hours=(*letter_lines(found), OFFICE_HOURS[1]))


class Offices:
    """The counter of each municipality: the configured office of that code (`within` a
    unit of work), or else one named after the municipality (市役所, 区役所, 町役場,
    村役場), with no street address invented."""

    def __init__(self, lookup: Callable[[str], Office | None] | None = None) -> None:
        self._lookup = lookup

    def within(self, uow: HasOffices) -> Offices:
        """These offices, reading the configured ones through `uow` (once per code)."""
        if self._lookup is not None:
            return self
        seen: dict[str, Office | None] = {}

        def lookup(code: str) -> Office | None:
            if code not in seen:
                seen[code] = configured_office(uow, code)
            return seen[code]

        return Offices(lookup)

    def office(self, prefecture: str, name: str, code: str | None = None) -> Office:
        if code and self._lookup and (found := self._lookup(code)):
            return found
        suffix = "役場" if name.endswith(("町", "村")) else "役所"
        return Office(name=f"{name}{suffix}", address=f"{prefecture}{name}",
                      phone="お住まいの市区町村の窓口へ")


def _pin_form_number() -> str:
    return f"{secrets.randbelow(10**8):08d}"


def _notice(uow: NoticesUnit, application: Application, *, today: date, deadline: date,
            offices: Offices, base_url: str, reminder: bool = False
            ) -> tuple[str, IssuanceNotice]:
    resident = uow.residents.get(application.resident_id)
    town = uow.municipalities.get(resident.municipality_code)
    office_town = uow.municipalities.get(application.office_code or resident.municipality_code)
    office = offices.within(uow).office(office_town.prefecture, office_town.name,
                                        office_town.code)
    card = uow.cards.get(application.card_id or 0)
    return card.card_number, IssuanceNotice(
        holder_name=resident.full_name,
        holder_name_kana=resident.full_name_kana,
        postal_code=resident.postal_code,
        address=resident.full_address(town),
        office_name=office.name, office_address=office.address, office_phone=office.phone,
        office_hours=office.hours, things_to_bring=THINGS_TO_BRING,
        pick_up_deadline=deadline, issued_on=card.issued_on, notice_date=today,
        booking_url=f"{base_url}/appointments?office={office_town.code}&ref={card.card_number}",
        reference=card.card_number,
        # The sealed PIN form's number is printed on that form only, never here: a proxy
        # who holds this notice must still bring the holder's own sealed form.
        proxy_note=("病気・障害などやむを得ない理由で本人が来られない場合に限り、代理人が受け取れます。"
                    "本人が同封の暗証番号設定依頼書に暗証番号を記入して封をし、"
                    "委任欄に記入のうえ代理人に託してください。"),
        reminder=reminder,
    )


def _pin_form(uow: NoticesUnit, application: Application, notice: IssuanceNotice,
              form_number: str, *, today: date) -> PinSettingForm:
    resident = uow.residents.get(application.resident_id)
    return PinSettingForm(
        holder_name=notice.holder_name, holder_name_kana=notice.holder_name_kana,
        office_name=notice.office_name, notice_date=today, reference=notice.reference,
        form_number=form_number,
        signature_pin=(application.want_signature_certificate
                       and signature_certificate_allowed(birth_date=resident.birth_date,
                                                         on=today)))


@dataclass(frozen=True, slots=True)
class Printed:
    files: list[str]


def _print_in(uow: NoticesUnit, printer: LetterPrinter, sink: LetterSink, *, actor: Actor,
              now: datetime, base_url: str, offices: Offices, limit: int,
              within: IdSpan | None = None) -> list[str]:
    today = now.astimezone(JST).date()
    files: list[str] = []
    for application in uow.applications.notices_due(limit=limit, within=within):
        pin_form = _pin_form_number()
        card_number, notice = _notice(
            uow, application, today=today, deadline=application.pick_up_deadline or today,
            offices=offices, base_url=base_url)
        files.append(sink(f"issuance-notice-{card_number}.pdf",
                          printer.issuance_notice(notice)))
        files.append(sink(f"pin-form-{card_number}.pdf", printer.pin_setting_form(
            _pin_form(uow, application, notice, pin_form, today=today))))
        uow.applications.mark_notice_printed(application.id, pin_form_number=pin_form,
                                             now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.LETTER_PRINT_ISSUANCE_NOTICE,
                                     f"application:{application.id}", None))
    return files


def print_issuance_notices(uow_factory: UowFactory, printer: LetterPrinter,
                           sink: LetterSink, *, actor: Actor, now: datetime,
                           base_url: str, offices: Offices | None = None,
                           limit: int = CHUNK) -> Printed:
    """One notice of issuance for every card that arrived at its office and has none, with
    its sealed PIN-setting request form (a second file, `pin-form-<card>.pdf`: the form
    number is printed on its sealed part only)."""
    actor.require(Permission.PRODUCTION)
    with uow_factory() as uow:
        files = _print_in(uow, printer, sink, actor=actor, now=now, base_url=base_url,
                          offices=offices or Offices(), limit=limit)
        uow.commit()
    return Printed(files)


ISSUANCE_NOTICES, UNCOLLECTED = "issuance-notices", "uncollected"


def _waiting(uow: NoticesUnit) -> Sequence[int]:
    return uow.applications.ids(ApplicationStatus.READY_FOR_PICK_UP)


def issuance_notice_steps(printer: LetterPrinter, sink: LetterSink, *, actor: Actor,
                          now: datetime, base_url: str,
                          run_key: str) -> list[batch.Step[NoticesUnit]]:
    """The notices as a batch job over the cards waiting when it is planned (its items:
    the files written)."""
    actor.require(Permission.PRODUCTION)

    def work(uow: NoticesUnit, chunk: Chunk) -> batch.Did:
        files = _print_in(uow, printer, sink, actor=actor, now=now, base_url=base_url,
                          offices=Offices(), limit=chunk.hi - chunk.lo + 1,
                          within=(chunk.lo, chunk.hi))
        return batch.Did(len(files), tuple(files))

    return [batch.Step(batch.Job(ISSUANCE_NOTICES, batch.by_ids(_waiting), work), run_key)]


@dataclass(frozen=True, slots=True)
class Swept:
    reminders: list[str]
    destroyed: int


@dataclass(frozen=True, slots=True)
class SweptChunk:
    """A chunk of the sweep: the reminder files written, the cards to destroy."""

    reminders: tuple[str, ...]
    destroyed: tuple[str, ...]


def swept_of(outcome: batch.Outcome) -> Swept:
    """The reminders written and the cards destroyed by a start, over every worker."""
    chunks = [s for s in outcome.of(UNCOLLECTED) if isinstance(s, SweptChunk)]
    return Swept([path for s in chunks for path in s.reminders],
                 sum(len(s.destroyed) for s in chunks))


def printed_of(outcome: batch.Outcome) -> Printed:
    """The notices and PIN forms written by a start, in order, over every worker."""
    return Printed([str(path) for path in outcome.of(ISSUANCE_NOTICES)])


def _sweep_in(uow: NoticesUnit, printer: LetterPrinter, sink: LetterSink, *, actor: Actor,
              now: datetime, base_url: str, policy: PickUpPolicy, offices: Offices,
              limit: int, within: IdSpan | None = None) -> SweptChunk:
    today = now.astimezone(JST).date()
    reminders: list[str] = []
    destroyed: list[str] = []
    kept_since = months_before(today, policy.keep_months)
    for application in uow.applications.uncollected(arrived_before=kept_since, limit=limit,
                                                    within=within):
        number = void_in(uow, application, VoidReason.UNCOLLECTED, actor=actor, now=now)
        if number:
            destroyed.append(number)
    for application in uow.applications.reminders_due(today=today, limit=limit,
                                                      within=within):
        last_day = policy.destroy_on(application.arrived_on or today)
        card_number, notice = _notice(uow, application, today=today, deadline=last_day,
                                      offices=offices, base_url=base_url, reminder=True)
        reminders.append(sink(f"reminder-{card_number}.pdf", printer.issuance_notice(notice)))
        uow.applications.mark_reminder_printed(application.id, now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.LETTER_PRINT_PICK_UP_REMINDER,
                                     f"application:{application.id}", None))
    return SweptChunk(tuple(reminders), tuple(destroyed))


def sweep_uncollected(uow_factory: UowFactory, printer: LetterPrinter,
                      sink: LetterSink, vault: CardVault | None, *,
                      actor: Actor, now: datetime, base_url: str,
                      policy: PickUpPolicy | None = None, offices: Offices | None = None,
                      limit: int = CHUNK) -> Swept:
    """After the deadline a reminder with the last day the card is kept; after the
    keeping period the card is destroyed and the application void (apply again)."""
    actor.require(Permission.PRODUCTION)
    with uow_factory() as uow:
        swept = _sweep_in(uow, printer, sink, actor=actor, now=now, base_url=base_url,
                          policy=policy or PickUpPolicy(), offices=offices or Offices(),
                          limit=limit)
        uow.commit()
    if vault is not None:
        for number in swept.destroyed:
            vault.destroy(number)
    return Swept(list(swept.reminders), len(swept.destroyed))


def uncollected_steps(printer: LetterPrinter, sink: LetterSink, vault: CardVault | None, *,
                      actor: Actor, now: datetime, base_url: str,
                      run_key: str) -> list[batch.Step[NoticesUnit]]:
    """The sweep as a batch job over the cards waiting when it is planned (its items: a
    `SweptChunk` each); a chunk's cards are destroyed once it committed (`vault` None:
    a simulation destroys nothing)."""
    actor.require(Permission.PRODUCTION)

    def work(uow: NoticesUnit, chunk: Chunk) -> batch.Did:
        swept = _sweep_in(uow, printer, sink, actor=actor, now=now, base_url=base_url,
                          policy=PickUpPolicy(), offices=Offices(),
                          limit=chunk.hi - chunk.lo + 1, within=(chunk.lo, chunk.hi))
        return batch.Did(len(swept.reminders) + len(swept.destroyed), (swept,))

    def destroy(did: batch.Did) -> None:
        for swept in did.items:
            if isinstance(swept, SweptChunk) and vault is not None:
                for number in swept.destroyed:
                    vault.destroy(number)

    return [batch.Step(batch.Job(UNCOLLECTED, batch.by_ids(_waiting), work, then=destroy),
                       run_key)]
