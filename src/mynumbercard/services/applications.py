"""Applications: forms, the four channels, review, and what the resident may ask.

The Application ID is the key of an online application; a mistyped one is refused by
its check digit before any look-up, and an unknown one with a birth date that does not
match gets the same answer as an unknown one, so the API tells a guesser nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mynumbercard.domain import application_id as application_ids
from mynumbercard.domain.application import (
    OPEN,
    RESIDENT_VIEW,
    WITH_CARD,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Channel,
    DeficiencyReason,
    VoidReason,
)
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.pickup import application_kind
from mynumbercard.domain.resident import Resident, ResidentStatus
from mynumbercard.domain.staff import Actor, Permission, Role
from mynumbercard.services.application_ports import (
    ApplicationForm,
    FormReason,
    PhotoInspector,
    PhotoStore,
)
from mynumbercard.services.mailed_letters import queue_deficiency
from mynumbercard.services.ports import AuditRecord, UnitOfWork

UowFactory = Callable[[], UnitOfWork]

ONLINE_CHANNELS = frozenset({Channel.PC, Channel.SMARTPHONE})
_NO_MATCH = "no application form matches this Application ID and birth date"


def online_applicant(channel: Channel) -> Actor:
    """An online applicant acts as themself; the Application ID and birth date identify
    them. The audit names the channel, never the person."""
    return Actor(f"resident:{channel.value}", Role.RESIDENT)


class PhotoRejected(InvalidInput):
    code = "photo_rejected"

    def __init__(self, findings: list[dict[str, Any]]) -> None:
        codes = ", ".join(str(f["code"]) for f in findings if f.get("severity") != "soft")
        super().__init__(f"the ID photo cannot be accepted: {codes}")
        self.details = {"findings": findings}


@dataclass(frozen=True, slots=True)
class Submitted:
    application: Application
    warnings: list[dict[str, Any]]  # soft photo findings: accepted, but worth a retake
    resubmission: bool


def _visible_resident(uow: UnitOfWork, actor: Actor, permission: Permission,
                      resident_id: int) -> Resident:
    hidden = f"no resident with id {resident_id}"
    try:
        resident = uow.residents.get(resident_id)
    except NotFound:
        raise NotFound(hidden) from None
    actor.require_visible(permission, municipality_code=resident.municipality_code,
                          hidden=hidden)
    return resident


def visible_application(uow: UnitOfWork, actor: Actor, permission: Permission,
                        application_ref: int, *, lock: bool = False,
                        ) -> tuple[Application, Resident]:
    """Authorise the role first, then look up; an application of another municipality's
    resident (or office) gets the same NotFound as an unknown reference."""
    actor.require_role(permission)
    hidden = f"no application {application_ref}"
    try:
        application = uow.applications.get(application_ref, lock=lock)
    except NotFound:
        raise NotFound(hidden) from None
    resident = uow.residents.get(application.resident_id)
    if not (actor.may(permission, municipality_code=resident.municipality_code)
            or actor.may(permission, municipality_code=application.office_code)):
        raise NotFound(hidden)
    return application, resident


def _audit(uow: UnitOfWork, actor: Actor, action: str, ref: int | None, now: datetime,
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
        resident = _visible_resident(uow, actor, Permission.APPLICATION_FORM, resident_id)
        form = new_form(uow, actor=actor, resident=resident, reason=reason, now=now, rng=rng)
        uow.commit()
    return form


def new_form(uow: UnitOfWork, *, actor: Actor, resident: Resident, reason: FormReason,
             now: datetime, rng: random.Random | None = None) -> ApplicationForm:
    """`issue_form` inside another use case's transaction (the resident already checked
    visible to the actor)."""
    if resident.status is not ResidentStatus.ACTIVE:
        raise Conflict(f"the resident is {resident.status.value}: no form can be issued")
    resident_id = resident.id or 0
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
    uow.audit.record(AuditRecord(now, actor.name, "application:form",
                                 f"resident:{resident_id}", {"reason": reason.value}))
    return form


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
    now: datetime,
) -> Submitted:
    """One application through any channel, or a re-application after a deficiency.

    Online channels need only the Application ID and birth date; the paper form (keyed
    in by the agency) and the photo booth need an actor allowed to take applications."""
    if channel not in ONLINE_CHANNELS:  # each channel to its own accounts
        actor.require_role(Permission.APPLICATION_BOOTH if channel is Channel.PHOTO_BOOTH
                           else Permission.APPLICATION_INTAKE)
    number = application_ids.parse(application_id)
    verdict = inspector.inspect(photo)
    if not verdict.accepted:
        raise PhotoRejected(verdict.findings)
    warnings = [f for f in verdict.findings if f.get("severity") == "soft"]
    today = now.astimezone(JST).date()
    with uow_factory() as uow:
        form = uow.applications.form(number)
        if form is None:
            raise NotFound(_NO_MATCH)
        resident = uow.residents.get(form.resident_id)
        if resident.birth_date != birth_date:
            raise NotFound(_NO_MATCH)
        if form.dead_at is not None:
            raise Conflict("this form is no longer valid: a newer form was issued; "
                           "use the Application ID on the newest form")
        if resident.status is not ResidentStatus.ACTIVE:
            raise Conflict(f"the resident is {resident.status.value}")
        digest = photos.put(photo)
        existing = uow.applications.by_application_id(number, lock=True)
        if existing is not None:
            existing.resubmit(channel=channel, received_on=today, photo_digest=digest,
                              photo_findings=verdict.findings,
                              want_signature_certificate=want_signature_certificate,
                              want_auth_certificate=want_auth_certificate)
            uow.applications.save(existing, actor=actor.name, now=now)
            _audit(uow, actor, "application:resubmit", existing.id, now,
                   channel=channel.value, submission=existing.submissions)
            uow.commit()
            return Submitted(existing, warnings, resubmission=True)
        if uow.applications.open_of_resident(resident.id or 0):
            raise Conflict("the resident has an application in progress already")
        kind = application_kind(((c.status, c.expires_on)
                                 for c in uow.cards.of_resident(resident.id or 0)), today=today)
        application = Application(
            id=None, application_id=number, resident_id=resident.id or 0, kind=kind,
            channel=channel, received_on=today,
            want_signature_certificate=want_signature_certificate,
            want_auth_certificate=want_auth_certificate, photo_digest=digest,
            photo_findings=verdict.findings)
        application.events.append(ApplicationEvent("received", None, ApplicationStatus.RECEIVED,
                                                   {"channel": channel.value}))
        ref = uow.applications.add(application, actor=actor.name, now=now)
        _audit(uow, actor, "application:submit", ref, now, channel=channel.value,
               kind=kind.value)
        uow.commit()
    return Submitted(application, warnings, resubmission=False)


def _review(uow_factory: UowFactory, *, actor: Actor, application_ref: int, now: datetime,
            action: str, verb: Callable[[Application], None], letter: bool = False,
            **details: object) -> Application:
    actor.require(Permission.APPLICATION_REVIEW)
    with uow_factory() as uow:
        application = uow.applications.get(application_ref, lock=True)
        verb(application)
        uow.applications.save(application, actor=actor.name, now=now)
        _audit(uow, actor, action, application_ref, now, **details)
        if letter:
            queue_deficiency(uow, application, uow.residents.get(application.resident_id),
                             now=now)
        uow.commit()
    return application


def start_review(uow_factory: UowFactory, *, actor: Actor, application_ref: int,
                 now: datetime) -> Application:
    return _review(uow_factory, actor=actor, application_ref=application_ref, now=now,
                   action="application:review", verb=Application.start_review)


def approve(uow_factory: UowFactory, *, actor: Actor, application_ref: int,
            now: datetime) -> Application:
    return _review(uow_factory, actor=actor, application_ref=application_ref, now=now,
                   action="application:approve", verb=Application.approve)


def mark_deficient(uow_factory: UowFactory, *, actor: Actor, application_ref: int,
                   reason: DeficiencyReason, message: str, now: datetime) -> Application:
    """Found deficient: in the same transaction a letter to the applicant is queued (the
    reason in plain Japanese, what to do, the Application ID to apply again)."""
    return _review(uow_factory, actor=actor, application_ref=application_ref, now=now,
                   action="application:deficient",
                   verb=lambda a: a.mark_deficient(reason, message), reason=reason.value,
                   letter=True)


def status_for_resident(uow_factory: UowFactory, *, application_id: str,
                        birth_date: date) -> dict[str, Any]:
    """Where the card is, for the resident who holds the form."""
    number = application_ids.parse(application_id)
    with uow_factory() as uow:
        form = uow.applications.form(number)
        if form is None or uow.residents.get(form.resident_id).birth_date != birth_date:
            raise NotFound(_NO_MATCH)
        application = uow.applications.by_application_id(number)
        if application is None:
            return {"status": "not_received", "form_valid": form.dead_at is None}
        history = uow.applications.history(application.id or 0)
        office = (uow.municipalities.get(application.office_code)
                  if application.office_code else None)
    answer: dict[str, Any] = {
        "status": application.resident_status,
        "form_valid": form.dead_at is None,
        "received_on": application.received_on.isoformat(),
        "history": [{"on": h.at.astimezone(JST).date().isoformat(),
                     "status": _resident_label(h.to_status)} for h in history],
    }
    if application.status is ApplicationStatus.DEFICIENT:
        answer["deficiency"] = {"reason": application.deficiency_reason,
                                "message": application.deficiency_message}
    if application.status is ApplicationStatus.READY_FOR_PICK_UP and office is not None:
        answer["office"] = office.prefecture + office.name
        answer["pick_up_deadline"] = (application.pick_up_deadline.isoformat()
                                      if application.pick_up_deadline else None)
    if application.status is ApplicationStatus.VOIDED:
        answer["void_reason"] = application.void_reason
        if application.void_reason is VoidReason.RELOCATION:
            answer["next_step"] = "apply again at the municipal office of your new address"
    return answer


def _resident_label(status: str) -> str:
    return RESIDENT_VIEW[ApplicationStatus(status)]


def _read(uow: UnitOfWork, actor: Actor, action: str, *, resident_id: int,
          application_ref: int, now: datetime) -> None:
    # A read of personal data is audited under the resident, so one subject answers
    # "who saw this person's data".
    uow.audit.record(AuditRecord(now, actor.name, action, f"resident:{resident_id}",
                                 {"application": application_ref}))
    uow.commit()


def application_view(uow_factory: UowFactory, *, actor: Actor, application_ref: int,
                     now: datetime) -> dict[str, Any]:
    """What a reviewer or a clerk sees: the application, the photo's findings, history."""
    with uow_factory() as uow:
        application, resident = visible_application(uow, actor, Permission.APPLICATION_READ,
                                                    application_ref)
        history = uow.applications.history(application_ref)
        town = uow.municipalities.get(resident.municipality_code)
        _read(uow, actor, "application:read", resident_id=application.resident_id,
              application_ref=application_ref, now=now)
    return {
        "id": application.id,
        "application_id": application.application_id,
        "resident_id": application.resident_id,
        "name": resident.full_name,
        "address": resident.full_address(town),
        "birth_date": resident.birth_date.isoformat(),
        "kind": application.kind.value,
        "channel": application.channel.value,
        "status": application.status.value,
        "received_on": application.received_on.isoformat(),
        "submissions": application.submissions,
        "certificates": {"signature": application.want_signature_certificate,
                         "user_authentication": application.want_auth_certificate},
        "photo": {"digest": application.photo_digest, "findings": application.photo_findings},
        "deficiency": ({"reason": application.deficiency_reason,
                        "message": application.deficiency_message}
                       if application.deficiency_reason else None),
        "office_code": application.office_code,
        "pick_up_deadline": (application.pick_up_deadline.isoformat()
                             if application.pick_up_deadline else None),
        "void_reason": application.void_reason,
        "history": [{"at": h.at.isoformat(), "actor": h.actor, "kind": h.kind,
                     "from": h.from_status, "to": h.to_status, "details": h.details}
                    for h in history],
    }


def application_photo(uow_factory: UowFactory, photos: PhotoStore, *, actor: Actor,
                      application_ref: int, now: datetime) -> bytes:
    with uow_factory() as uow:
        application, _ = visible_application(uow, actor, Permission.APPLICATION_READ,
                                             application_ref)
        photo = photos.get(application.photo_digest)
        _read(uow, actor, "photo:read", resident_id=application.resident_id,
              application_ref=application_ref, now=now)
    return photo


def cards_waiting(uow_factory: UowFactory, *, actor: Actor, office_code: str, limit: int = 100,
                  after_ref: int = 0) -> list[dict[str, Any]]:
    """The counter's list: cards at this office waiting for their holder."""
    actor.require(Permission.CARD_HAND_OVER, municipality_code=office_code)
    with uow_factory() as uow:
        waiting = uow.applications.at_office(office_code, ApplicationStatus.READY_FOR_PICK_UP,
                                             limit=min(limit, 1000), after_ref=after_ref)
        return [{"application": a.id, "resident_id": a.resident_id,
                 "card_number": uow.cards.get(a.card_id or 0).card_number,
                 "arrived_on": a.arrived_on.isoformat() if a.arrived_on else None,
                 "pick_up_deadline": (a.pick_up_deadline.isoformat()
                                      if a.pick_up_deadline else None)}
                for a in waiting]
