"""What people read of an application: the resident's status page, the reviewer's view,
the counter's list of cards waiting. Each a typed result; the API and the CLI render it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from mynumbercard.domain import application_id as application_ids
from mynumbercard.domain.application import (
    RESIDENT_VIEW,
    ApplicationKind,
    ApplicationStatus,
    Channel,
    DeficiencyReason,
    VoidReason,
)
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import NotFound
from mynumbercard.domain.photo import PhotoFinding
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.applications import (
    NO_MATCH,
    ApplicationsUnit,
    audit_read,
    visible_application_in,
)
from mynumbercard.services.audit_actions import AuditAction

UowFactory = Callable[[], ApplicationsUnit]


@dataclass(frozen=True, slots=True)
class Deficiency:
    reason: DeficiencyReason | None
    message: str | None


@dataclass(frozen=True, slots=True)
class ResidentStep:
    on: date
    status: str  # as the resident reads it (RESIDENT_VIEW)


@dataclass(frozen=True, slots=True)
class ResidentStatus:
    """Where the card is, for the resident. The optional parts are there only for the
    status they belong to (None: absent from the answer)."""

    status: str
    form_valid: bool
    received_on: date | None = None
    history: tuple[ResidentStep, ...] | None = None
    deficiency: Deficiency | None = None
    office: str | None = None
    pick_up_deadline: date | None = None
    void_reason: VoidReason | None = None
    next_step: str | None = None
    office_code: str | None = None  # /appointments?office=… books a visit


@dataclass(frozen=True, slots=True)
class Certificates:
    signature: bool
    user_authentication: bool


@dataclass(frozen=True, slots=True)
class PhotoView:
    digest: str
    findings: tuple[PhotoFinding, ...]


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    actor: str
    kind: str
    from_status: str | None = field(metadata={"json": "from"})
    to_status: str = field(metadata={"json": "to"})
    details: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ApplicationView:
    """What a reviewer or a clerk sees."""

    id: int
    application_id: str
    resident_id: int
    name: str
    address: str
    birth_date: date
    kind: ApplicationKind
    channel: Channel
    status: ApplicationStatus
    received_on: date
    submissions: int
    certificates: Certificates
    photo: PhotoView
    deficiency: Deficiency | None
    office_code: str | None
    pick_up_deadline: date | None
    void_reason: VoidReason | None
    history: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class WaitingCard:
    application: int  # the application's reference
    resident_id: int
    card_number: str
    arrived_on: date | None
    pick_up_deadline: date | None


def status_for_resident(uow_factory: UowFactory, *, application_id: str,
                        birth_date: date) -> ResidentStatus:
    """Where the card is, for the resident who holds the form."""
    number = application_ids.parse(application_id)
    with uow_factory() as uow:
        form = uow.applications.form(number)
        if form is None or uow.residents.get(form.resident_id).birth_date != birth_date:
            raise NotFound(NO_MATCH)
        application = uow.applications.by_application_id(number)
        if application is None:
            return ResidentStatus("not_received", form_valid=form.dead_at is None)
        history = uow.applications.history(application.id)
        office = (uow.municipalities.get(application.office_code)
                  if application.office_code else None)
    status = application.status
    ready = status is ApplicationStatus.READY_FOR_PICK_UP and office is not None
    return ResidentStatus(
        status=application.resident_status, form_valid=form.dead_at is None,
        received_on=application.received_on,
        history=tuple(ResidentStep(h.at.astimezone(JST).date(),
                                   RESIDENT_VIEW[ApplicationStatus(h.to_status)])
                      for h in history),
        deficiency=(Deficiency(application.deficiency_reason, application.deficiency_message)
                    if status is ApplicationStatus.DEFICIENT else None),
        office=office.prefecture + office.name if ready and office is not None else None,
        pick_up_deadline=application.pick_up_deadline if ready else None,
        void_reason=application.void_reason if status is ApplicationStatus.VOIDED else None,
        next_step=("apply again at the municipal office of your new address"
                   if status is ApplicationStatus.VOIDED
                   and application.void_reason is VoidReason.RELOCATION else None),
        office_code=application.office_code if ready else None)


def application_view(uow_factory: UowFactory, *, actor: Actor, application_ref: int,
                     now: datetime) -> ApplicationView:
    """What a reviewer or a clerk sees: the application, the photo's findings, history."""
    with uow_factory() as uow:
        application, resident = visible_application_in(uow, actor, Permission.APPLICATION_READ,
                                                    application_ref)
        history = uow.applications.history(application_ref)
        town = uow.municipalities.get(resident.municipality_code)
        audit_read(uow, actor, AuditAction.APPLICATION_READ, resident_id=application.resident_id,
                   application_ref=application_ref, now=now)
    return ApplicationView(
        id=application.id or application_ref, application_id=application.application_id,
        resident_id=application.resident_id, name=resident.full_name,
        address=resident.full_address(town), birth_date=resident.birth_date,
        kind=application.kind, channel=application.channel, status=application.status,
        received_on=application.received_on, submissions=application.submissions,
        certificates=Certificates(application.want_signature_certificate,
                                  application.want_auth_certificate),
        photo=PhotoView(application.photo_digest, tuple(application.photo_findings)),
        deficiency=(Deficiency(application.deficiency_reason, application.deficiency_message)
                    if application.deficiency_reason else None),
        office_code=application.office_code, pick_up_deadline=application.pick_up_deadline,
        void_reason=application.void_reason,
        history=tuple(Step(h.at, h.actor, h.kind, h.from_status, h.to_status, h.details)
                      for h in history))


def cards_waiting(uow_factory: UowFactory, *, actor: Actor, office_code: str, limit: int = 100,
                  after_ref: int = 0) -> list[WaitingCard]:
    """The counter's list: cards at this office waiting for their holder."""
    actor.require(Permission.CARD_HAND_OVER, municipality_code=office_code)
    with uow_factory() as uow:
        waiting = uow.applications.at_office(office_code, ApplicationStatus.READY_FOR_PICK_UP,
                                             limit=min(limit, 1000), after_ref=after_ref)
        return [WaitingCard(a.id, a.resident_id, uow.cards.get(a.card_id or 0).card_number,
                            a.arrived_on, a.pick_up_deadline) for a in waiting]
