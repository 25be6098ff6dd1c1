"""A lost card: the report, the card found again, the loss confirmed (docs/rules.md).

Each is one transaction with its audit record; every certificate that changes gets its
OCSP answer re-signed in the same transaction, so relying parties see the hold (and its
release) at once; the CRLs follow at their next publication (a lifted hold as
removeFromCRL in the delta CRL).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mynumbercard.domain.application_id import printed_form
from mynumbercard.domain.card import Card, CardStatus
from mynumbercard.domain.certificate import (
    JST,
    Certificate,
    CertificateStatus,
    CertKind,
    LifeEvent,
    RevocationReason,
)
from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.domain.loss import (
    LossReport,
    LossStatus,
    NewLossReport,
    ReportedVia,
    check_channel,
)
from mynumbercard.domain.pickup import IdDocument, check_holder_documents
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import applications
from mynumbercard.services.application_ports import ApplicationForm, FormReason
from mynumbercard.services.applications import ApplicationsUnit
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.certificates import CertificatesUnit, apply_event_in, store_ocsp_in
from mynumbercard.services.mailed_letters import queue_reissue_form_in
from mynumbercard.services.pki_ports import CertificateAuthority
from mynumbercard.services.ports import AuditRecord, LossReports
from mynumbercard.services.visibility import visible


class LossUnit(CertificatesUnit, ApplicationsUnit, Protocol):
    """The certificates' unit (a loss suspends them) with the loss reports, and the
    applications' (a card not found is applied for again)."""

    @property
    def losses(self) -> LossReports: ...


UowFactory = Callable[[], LossUnit]
Ca = Callable[[], CertificateAuthority]
HIDDEN = "no card with this number"


@dataclass(frozen=True, slots=True)
class ReportView:
    id: int
    via: ReportedVia
    status: LossStatus
    reported_at: datetime
    reported_by: str
    closed_at: datetime | None
    closed_by: str | None

    @classmethod
    def of(cls, r: LossReport) -> ReportView:
        return cls(r.id, r.via, r.status, r.reported_at, r.reported_by, r.closed_at,
                   r.closed_by)


@dataclass(frozen=True, slots=True)
class CertificateState:
    kind: CertKind
    serial: str  # hexadecimal
    status: CertificateStatus
    reason: RevocationReason | None

    @classmethod
    def of(cls, c: Certificate) -> CertificateState:
        return cls(c.kind, c.serial_hex, c.status, c.reason)


@dataclass(frozen=True, slots=True)
class LossOutcome:
    card_number: str
    card_status: CardStatus
    report: ReportView
    certificates: tuple[CertificateState, ...]


@dataclass(frozen=True, slots=True)
class ReissueFormView:
    """The form for a new card, queued as a letter to the holder."""

    application_id: str
    printed: str  # as the form prints it (hyphenated)
    application_url: str  # where the holder applies online (its QR code)
    letter: str


@dataclass(frozen=True, slots=True)
class LossConfirmed:
    """Not found: the outcome, and the re-issue form (None: none could be issued, `next`
    says why)."""

    card_number: str
    card_status: CardStatus
    report: ReportView
    certificates: tuple[CertificateState, ...]
    reissue_form: ReissueFormView | None
    next: str

    @classmethod
    def of(cls, outcome: LossOutcome, form: ApplicationForm | None, no_form: str | None,
           *, base_url: str) -> LossConfirmed:
        if form is None:
            return cls(outcome.card_number, outcome.card_status, outcome.report,
                       outcome.certificates, None, f"no re-issue form: {no_form}")
        printed = printed_form(form.application_id)
        view = ReissueFormView(
            form.application_id, printed,
            f"{base_url}/apply?application_id={form.application_id}",
            "queued in the outgoing mail: printed by the next mail run (mynumbercard mail send)")
        return cls(outcome.card_number, outcome.card_status, outcome.report,
                   outcome.certificates, view,
                   f"the holder applies for a new card (re-issue) with Application ID {printed}")


def _outcome(uow: LossUnit, card: Card, report: LossReport) -> LossOutcome:
    return LossOutcome(card.card_number, card.status, ReportView.of(report),
                       tuple(CertificateState.of(c)
                             for c in uow.certificates.of_card(card.id)))


def _card(uow: LossUnit, actor: Actor, permission: Permission,
          card_number: str) -> tuple[Card, Resident]:
    """The card, if the actor may act on it; otherwise exactly as if it did not exist."""
    def look_up() -> tuple[Card, Resident]:
        card = uow.cards.find_by_number(card_number)
        if card is None or card.id is None:
            raise NotFound(HIDDEN)
        return card, uow.residents.get(card.resident_id)

    return visible(actor, permission, hidden=HIDDEN, look_up=look_up,
                   municipalities=lambda found: (found[1].municipality_code,))


def _open_report(uow: LossUnit, card: Card) -> LossReport:
    report = uow.losses.open_for_card(card.id)
    if report is None or card.status is not CardStatus.LOST:
        last = uow.losses.last_for_card(card.id)
        if last is not None and last.status is LossStatus.CONFIRMED:
            raise Conflict("the loss of this card was confirmed and its certificates "
                           "revoked: it cannot be used again (apply for a new card)")
        raise Conflict(f"this card is {card.status.value}, not reported lost")
    return report


def report_loss(uow_factory: UowFactory, ca: Ca, *, actor: Actor, card_number: str,
                via: ReportedVia, now: datetime) -> LossOutcome:
    """The holder reports the card lost: both certificates on hold at once, card lost."""
    actor.require_role(Permission.CARD_LOSS)
    check_channel(actor.role, via)
    with uow_factory() as uow:
        card, _ = _card(uow, actor, Permission.CARD_LOSS, card_number)
        if card.status is CardStatus.LOST:
            raise Conflict("this card is reported lost already")
        if card.status is not CardStatus.ACTIVE:
            raise Conflict(f"this card is {card.status.value}: only a card in the "
                           "holder's hands can be reported lost")
        card.change_status(CardStatus.LOST)
        uow.cards.save(card, now=now)
        report = uow.losses.add(NewLossReport(card_id=card.id, via=via, reported_at=now,
                                              reported_by=actor.name))
        apply_event_in(uow, ca, actor=actor, card_id=card.id, event=LifeEvent.CARD_LOST,
                       now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.CARD_REPORT_LOSS,
                                     f"card:{card.id}",
                                     {"via": via.value, "report": report.id}))
        outcome = _outcome(uow, card, report)
        uow.commit()
    return outcome


def found(uow_factory: UowFactory, ca: Ca, *, actor: Actor, card_number: str,
          documents: Collection[IdDocument], legal_representative_present: bool,
          now: datetime) -> LossOutcome:
    """The card found again, brought to the counter by the holder (identity documents as
    at pick-up): the holds lifted, OCSP good again, the card active."""
    actor.require_role(Permission.CARD_FOUND)
    with uow_factory() as uow:
        card, resident = _card(uow, actor, Permission.CARD_FOUND, card_number)
        report = _open_report(uow, card)
        check_holder_documents(documents=documents, birth_date=resident.birth_date,
                               on=now.astimezone(JST).date(),
                               legal_representative_present=legal_representative_present)
        report.close(LossStatus.FOUND, at=now, by=actor.name)
        uow.losses.save(report, now=now)
        card.change_status(CardStatus.ACTIVE)
        uow.cards.save(card, now=now)
        released: list[str] = []
        for certificate in uow.certificates.of_card(card.id):
            if certificate.status is not CertificateStatus.SUSPENDED:
                continue  # revoked meanwhile (e.g. a change of address): stays revoked
            certificate.release(at=now)
            uow.certificates.save(certificate, actor=actor.name, now=now)
            store_ocsp_in(uow, ca(), certificate, now)
            released.append(f"{certificate.kind}:{certificate.serial_hex}")
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.CARD_REPORT_FOUND,
                                     f"card:{card.id}",
                                     {"report": report.id, "released": released,
                                      "documents": sorted(d.value for d in documents)}))
        outcome = _outcome(uow, card, report)
        uow.commit()
    return outcome


def confirm_loss(uow_factory: UowFactory, ca: Ca, *, actor: Actor, card_number: str,
                 now: datetime, base_url: str = "") -> LossConfirmed:
    """Not found: both certificates revoked (keyCompromise: the keys are out of the
    holder's control); the card stays lost, and the re-issue form (a new Application ID)
    is issued and queued as a letter to the holder, in the same transaction."""
    actor.require_role(Permission.CARD_LOSS)
    with uow_factory() as uow:
        card, holder = _card(uow, actor, Permission.CARD_LOSS, card_number)
        report = _open_report(uow, card)
        report.close(LossStatus.CONFIRMED, at=now, by=actor.name)
        uow.losses.save(report, now=now)
        revoked: list[str] = []
        for certificate in uow.certificates.of_card(card.id):
            if certificate.status is CertificateStatus.REVOKED:
                continue
            certificate.revoke(reason=RevocationReason.KEY_COMPROMISE, at=now)
            uow.certificates.save(certificate, actor=actor.name, now=now)
            store_ocsp_in(uow, ca(), certificate, now)
            revoked.append(f"{certificate.kind}:{certificate.serial_hex}")
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.CARD_CONFIRM_LOSS,
                                     f"card:{card.id}",
                                     {"report": report.id, "revoked": revoked}))
        form, no_form = _reissue_form(uow, actor, holder, now)
        outcome = LossConfirmed.of(_outcome(uow, card, report), form, no_form,
                                   base_url=base_url)
        uow.commit()
    return outcome


def _reissue_form(uow: LossUnit, actor: Actor, holder: Resident, now: datetime
                  ) -> tuple[ApplicationForm | None, str | None]:
    """A new card is needed: the re-issue form (a new Application ID), mailed as a letter.
    None when none can be issued (the holder died or left, a card is already made)."""
    if not actor.may(Permission.APPLICATION_FORM, municipality_code=holder.municipality_code):
        return None, "issue one at the holder's municipality (POST /api/v1/applications/forms)"
    try:
        form = applications.new_form_in(uow, actor=actor, resident=holder,
                                     reason=FormReason.REISSUE, now=now)
    except Conflict as refused:  # raised before the form changes anything
        return None, str(refused)
    queue_reissue_form_in(uow, form, holder, now=now)
    return form, None
