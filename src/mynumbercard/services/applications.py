"""Applications: forms, the four channels, review, and what the resident may ask.

The Application ID is the key of an online application; a mistyped one is refused by
its check digit before any look-up, and an unknown one with a birth date that does not
match gets the same answer as an unknown one, so the API tells a guesser nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain import application_id as application_ids
from mynumbercard.domain.application import (
    OPEN,
    WITH_CARD,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Channel,
    DeficiencyReason,
    NewApplication,
    VoidReason,
)
from mynumbercard.domain.appointments import check_email
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.photo import PhotoFinding, refusing
from mynumbercard.domain.photo import warnings as photo_warnings
from mynumbercard.domain.pickup import application_kind
from mynumbercard.domain.resident import Resident, ResidentStatus
from mynumbercard.domain.staff import Actor, Permission, Role
from mynumbercard.services.application_ports import (
    ApplicationForm,
    FormReason,
    FormsAndApplications,
    PhotoInspector,
    PhotoStore,
)
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.email_notices import queue_deficient_in, queue_received_in
from mynumbercard.services.email_ports import EmailOutbox
from mynumbercard.services.mail_ports import MailOutbox
from mynumbercard.services.mailed_letters import queue_deficiency_in
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    CardRepository,
    MunicipalityRepository,
    ResidentRepository,
    Transaction,
)
from mynumbercard.services.visibility import visible, visible_resident_in


class ApplicationsUnit(Transaction, Protocol):
    """What the application use cases use in one transaction (tests/application_fakes.py
    has it in memory)."""

    @property
    def applications(self) -> FormsAndApplications: ...
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def municipalities(self) -> MunicipalityRepository: ...
    @property
    def cards(self) -> CardRepository: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def mail(self) -> MailOutbox: ...  # the deficiency letter
    @property
    def email(self) -> EmailOutbox: ...  # the notices an online applicant asked for


UowFactory = Callable[[], ApplicationsUnit]

ONLINE_CHANNELS = frozenset({Channel.PC, Channel.SMARTPHONE})
NO_MATCH = "no application form matches this Application ID and birth date"


def online_applicant(channel: Channel) -> Actor:
    """An online applicant acts as themself; the Application ID and birth date identify
    them. The audit names the channel, never the person."""
    return Actor(f"resident:{channel.value}", Role.RESIDENT)


class PhotoRejected(InvalidInput):
    code = "photo_rejected"

    def __init__(self, findings: tuple[PhotoFinding, ...]) -> None:
        codes = ", ".join(f.code.value for f in refusing(findings))
        super().__init__(f"the ID photo cannot be accepted: {codes}")
        self.findings = findings
        self.details = {"findings": [asdict(f) for f in findings]}


@dataclass(frozen=True, slots=True)
class Submitted:
    application: Application
    warnings: tuple[PhotoFinding, ...]  # soft photo findings: accepted, worth a retake
    resubmission: bool


def visible_application_in(uow: ApplicationsUnit, actor: Actor, permission: Permission,
                           application_ref: int, *, lock: bool = False,
                           ) -> tuple[Application, Resident]:
    """Authorise the role first, then look up; an application of another municipality's
    resident (or office) gets the same NotFound as an unknown reference."""
    def look_up() -> tuple[Application, Resident]:
        application = uow.applications.get(application_ref, lock=lock)
        return application, uow.residents.get(application.resident_id)

    return visible(actor, permission, hidden=f"no application {application_ref}",
                   look_up=look_up,
                   municipalities=lambda found: (found[1].municipality_code,
                                                 found[0].office_code))


def _audit(uow: ApplicationsUnit, actor: Actor, action: AuditAction, ref: int, now: datetime,
           **details: object) -> None:
    uow.audit.record(AuditRecord(now, actor.name, action, f"application:{ref}",
                                 dict(details) or None))


def issue_form(
    uow_factory: UowFactory,
    *,
    actor: Actor,
    resident_id: int,
    reason: FormReason,
    now: datetime,
    rng: random.Random | None = None,
) -> ApplicationForm:
    """A new form with a new Application ID; the resident's previous form dies, and an
    application on it that has no card yet is voided."""
    actor.require_role(Permission.APPLICATION_FORM)
    with uow_factory() as uow:
        resident = visible_resident_in(uow, actor, Permission.APPLICATION_FORM, resident_id)
        form = new_form_in(uow, actor=actor, resident=resident, reason=reason, now=now, rng=rng)
        uow.commit()
    return form


def new_form_in(uow: ApplicationsUnit, *, actor: Actor, resident: Resident, reason: FormReason,
                now: datetime, rng: random.Random | None = None) -> ApplicationForm:
    """`issue_form` inside another use case's transaction (the resident already checked
    visible to the actor)."""
    if resident.status is not ResidentStatus.ACTIVE:
        raise Conflict(f"the resident is {resident.status.value}: no form can be issued")
    resident_id = resident.id
    old = uow.applications.live_form(resident_id)
    if old is not None:
        pending = uow.applications.by_application_id(old.application_id, lock=True)
        if pending is not None and pending.status in WITH_CARD:
            raise Conflict("a card is already made for the current form: pick it up, "
                           "or void it at the office first")
        if pending is not None and pending.status in OPEN:
            pending.void(VoidReason.NEW_FORM)
            uow.applications.save(pending, actor=actor.name, now=now)
        uow.applications.kill_form(old.application_id, now=now)
    form = ApplicationForm(application_id=application_ids.generate(rng or random.SystemRandom()),
                           resident_id=resident_id, reason=reason, issued_at=now)
    uow.applications.add_form(form)
    uow.audit.record(AuditRecord(now, actor.name, AuditAction.APPLICATION_ISSUE_FORM,
                                 f"resident:{resident_id}", {"reason": reason.value}))
    return form


@dataclass(frozen=True, slots=True)
class FormCheck:
    """What an online applicant may do with a form, before the photo is sent."""

    application_id: str
    reason: FormReason  # `renewal`: the form came with a validity notice
    kind: ApplicationKind  # first, renewal (free), reissue
    resubmission: bool  # an application on this form is waiting for a correction


def check_form(uow_factory: UowFactory, *, application_id: str, birth_date: date,
               now: datetime) -> FormCheck:
    """The checks `submit` makes of the Application ID and birth date, with nothing
    written: the same NotFound for an unknown ID and a wrong birth date, Conflict for a
    dead form, a resident who is not active, or an application already in progress."""
    number = application_ids.parse(application_id)
    today = now.astimezone(JST).date()
    with uow_factory() as uow:
        form = uow.applications.form(number)
        if form is None or uow.residents.get(form.resident_id).birth_date != birth_date:
            raise NotFound(NO_MATCH)
        resident = uow.residents.get(form.resident_id)
        if form.dead_at is not None:
            raise Conflict("this form is no longer valid: a newer form was issued; "
                           "use the Application ID on the newest form")
        if resident.status is not ResidentStatus.ACTIVE:
            raise Conflict(f"the resident is {resident.status.value}")
        existing = uow.applications.by_application_id(number)
        if existing is not None and existing.status is not ApplicationStatus.DEFICIENT:
            raise Conflict("this application has been received already: see its status")
        if existing is None and uow.applications.open_of_resident(form.resident_id):
            raise Conflict("the resident has an application in progress already")
        kind = (existing.kind if existing is not None else application_kind(
            ((c.status, c.expires_on) for c in uow.cards.of_resident(form.resident_id)),
            today=today))
    return FormCheck(number, form.reason, kind, resubmission=existing is not None)


def submit(
    uow_factory: UowFactory,
    photos: PhotoStore,
    inspector: PhotoInspector,
    *,
    actor: Actor,
    channel: Channel,
    application_id: str,
    birth_date: date,
    photo: bytes,
    want_signature_certificate: bool = True,
    want_auth_certificate: bool = True,
    email: str | None = None,
    now: datetime,
) -> Submitted:
    """One application through any channel, or a re-application after a deficiency.

    Online channels need only the Application ID and birth date; the paper form (keyed
    in by the agency) and the photo booth need an actor allowed to take applications.
    An `email` address given gets the notices of this application (received, deficient,
    ready for pick-up), queued with each event."""
    if channel not in ONLINE_CHANNELS:  # each channel to its own accounts
        actor.require_role(Permission.APPLICATION_BOOTH if channel is Channel.PHOTO_BOOTH
                           else Permission.APPLICATION_INTAKE)
    number = application_ids.parse(application_id)
    email = check_email(email)
    verdict = inspector.inspect(photo)
    if not verdict.accepted:
        raise PhotoRejected(verdict.findings)
    warnings = photo_warnings(verdict.findings)
    today = now.astimezone(JST).date()
    with uow_factory() as uow:
        form = uow.applications.form(number)
        if form is None:
            raise NotFound(NO_MATCH)
        resident = uow.residents.get(form.resident_id)
        if resident.birth_date != birth_date:
            raise NotFound(NO_MATCH)
        if form.dead_at is not None:
            raise Conflict("this form is no longer valid: a newer form was issued; "
                           "use the Application ID on the newest form")
        if resident.status is not ResidentStatus.ACTIVE:
            raise Conflict(f"the resident is {resident.status.value}")
        digest = photos.put(photo)
        existing = uow.applications.by_application_id(number, lock=True)
        if existing is not None:
            existing.resubmit(channel=channel, received_on=today, photo_digest=digest,
                              photo_findings=list(verdict.findings),
                              want_signature_certificate=want_signature_certificate,
                              want_auth_certificate=want_auth_certificate)
            uow.applications.save(existing, actor=actor.name, now=now)
            _audit(uow, actor, AuditAction.APPLICATION_RESUBMIT, existing.id, now,
                   channel=channel.value, submission=existing.submissions)
            _notify_received_in(uow, existing, email, now=now)
            uow.commit()
            return Submitted(existing, warnings, resubmission=True)
        if uow.applications.open_of_resident(form.resident_id):
            raise Conflict("the resident has an application in progress already")
        kind = application_kind(((c.status, c.expires_on)
                                 for c in uow.cards.of_resident(form.resident_id)), today=today)
        application = uow.applications.add(NewApplication(
            application_id=number, resident_id=form.resident_id, kind=kind,
            channel=channel, received_on=today,
            want_signature_certificate=want_signature_certificate,
            want_auth_certificate=want_auth_certificate, photo_digest=digest,
            photo_findings=tuple(verdict.findings)), actor=actor.name, now=now)
        _audit(uow, actor, AuditAction.APPLICATION_SUBMIT, application.id, now,
               channel=channel.value, kind=kind.value)
        _notify_received_in(uow, application, email, now=now)
        uow.commit()
    return Submitted(application, warnings, resubmission=False)


def _notify_received_in(uow: ApplicationsUnit, application: Application, email: str | None,
                        *, now: datetime) -> None:
    if email is not None:
        uow.email.set_address(application.application_id, email, now=now)
    queue_received_in(uow, application, now=now)


def _review(uow_factory: UowFactory, *, actor: Actor, application_ref: int, now: datetime,
            action: AuditAction, verb: Callable[[Application], None], letter: bool = False,
            **details: object) -> Application:
    actor.require(Permission.APPLICATION_REVIEW)
    with uow_factory() as uow:
        application = uow.applications.get(application_ref, lock=True)
        verb(application)
        uow.applications.save(application, actor=actor.name, now=now)
        _audit(uow, actor, action, application_ref, now, **details)
        if letter:
            queue_deficiency_in(uow, application, uow.residents.get(application.resident_id),
                                now=now)
            queue_deficient_in(uow, application, now=now)
        uow.commit()
    return application


def start_review(uow_factory: UowFactory, *, actor: Actor, application_ref: int,
                 now: datetime) -> Application:
    return _review(uow_factory, actor=actor, application_ref=application_ref, now=now,
                   action=AuditAction.APPLICATION_REVIEW, verb=Application.start_review)


def approve(uow_factory: UowFactory, *, actor: Actor, application_ref: int,
            now: datetime) -> Application:
    return _review(uow_factory, actor=actor, application_ref=application_ref, now=now,
                   action=AuditAction.APPLICATION_APPROVE, verb=Application.approve)


def mark_deficient(uow_factory: UowFactory, *, actor: Actor, application_ref: int,
                   reason: DeficiencyReason, message: str, now: datetime) -> Application:
    """Found deficient: in the same transaction a letter to the applicant is queued (the
    reason in plain Japanese, what to do, the Application ID to apply again)."""
    return _review(uow_factory, actor=actor, application_ref=application_ref, now=now,
                   action=AuditAction.APPLICATION_MARK_DEFICIENT,
                   verb=lambda a: a.mark_deficient(reason, message), reason=reason.value,
                   letter=True)


def audit_read(uow: ApplicationsUnit, actor: Actor, action: AuditAction, *, resident_id: int,
          application_ref: int, now: datetime) -> None:
    # A read of personal data is audited under the resident, so one subject answers
    # "who saw this person's data".
    uow.audit.record(AuditRecord(now, actor.name, action, f"resident:{resident_id}",
                                 {"application": application_ref}))
    uow.commit()


def application_photo(uow_factory: UowFactory, photos: PhotoStore, *, actor: Actor,
                      application_ref: int, now: datetime) -> bytes:
    with uow_factory() as uow:
        application, _ = visible_application_in(uow, actor, Permission.APPLICATION_READ,
                                                application_ref)
        photo = photos.get(application.photo_digest)
        audit_read(uow, actor, AuditAction.PHOTO_READ, resident_id=application.resident_id,
              application_ref=application_ref, now=now)
    return photo
