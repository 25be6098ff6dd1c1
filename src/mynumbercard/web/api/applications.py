"""Applications and issuance over HTTP: the resident online, the agency, the counter.

Photos travel as base64 in JSON (at most 7 MB decoded, the photo rule's own limit);
no PIN and no card file comes here: the hand-over is a task for the clerk's counter
terminal (web/api/terminal_tasks.py).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import Base64Bytes, BaseModel, Field

from mynumbercard.adapters.rate_limits import Rule
from mynumbercard.domain.application import Channel, DeficiencyReason, VoidReason
from mynumbercard.domain.application_id import is_valid, parse, printed_form
from mynumbercard.domain.pickup import IdDocument, Proof, ProxyPickUp, ProxyReason
from mynumbercard.services import application_views as views
from mynumbercard.services import applications as apps
from mynumbercard.services import counter_tasks, issuance, pickup
from mynumbercard.services.application_ports import FormReason
from mynumbercard.web.api.codes import MunicipalityCode
from mynumbercard.web.api.schemas import applications as out
from mynumbercard.web.api.terminal_tasks import NoCardNorPins, TaskAsked, asked
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep, client_address, limit
from mynumbercard.web.inputs import (
    BoundedDate,
    CardNumberPath,
    CursorQuery,
    IdField,
    IdPath,
    free_text,
)

public = APIRouter(prefix="/api/v1/applications", tags=["applications (residents)"])
staff = APIRouter(prefix="/api/v1", tags=["applications and issuance (staff)"])

ApplicationIdText = Annotated[str, Field(min_length=23, max_length=40,
                                         examples=["1234 5678 9012 3456 7890 123"])]
# An application's reference: a BIGINT; a larger number names nothing (404 rather than
# an overflow in the driver).
Photo = Annotated[Base64Bytes, Field(description="The ID photo, JPEG or PNG, base64")]


class PhotoIn(BaseModel):
    photo: Photo


class Application(BaseModel):
    application_id: ApplicationIdText
    birth_date: BoundedDate
    photo: Photo
    want_signature_certificate: bool = True
    want_auth_certificate: bool = True


class OnlineApplication(Application):
    channel: Literal["pc", "smartphone"] = "pc"
    email: str | None = Field(default=None, max_length=254,
                              description="For the notices: received, deficient, ready")


class StatusQuery(BaseModel):
    application_id: ApplicationIdText
    birth_date: BoundedDate


class NewForm(BaseModel):
    resident_id: IdField
    reason: FormReason


class Deficiency(BaseModel):
    reason: DeficiencyReason
    message: free_text("message", 400, multiline=True)  # type: ignore[valid-type]


class Void(BaseModel):
    reason: VoidReason


class Proxy(BaseModel):
    reason: ProxyReason
    proofs: list[Proof]
    proxy_documents: list[IdDocument]
    holder_documents: list[IdDocument]
    delegation_signed: bool
    sealed_pin_form_number: str = Field(pattern=r"^\d{8}$")


class Identity(NoCardNorPins):
    """Who takes the card and what they showed (the holder, or a proxy); never a PIN."""

    notice_presented: bool
    documents: list[IdDocument] = Field(default_factory=list)
    legal_representative_present: bool = False
    proxy: Proxy | None = None


def identity_of(body: Identity) -> pickup.InPerson | ProxyPickUp:
    if body.proxy is None:
        return pickup.InPerson(frozenset(body.documents),
                               legal_representative_present=body.legal_representative_present)
    p = body.proxy
    return ProxyPickUp(reason=p.reason, proofs=frozenset(p.proofs),
                       proxy_documents=frozenset(p.proxy_documents),
                       holder_documents=frozenset(p.holder_documents),
                       delegation_signed=p.delegation_signed,
                       sealed_pin_form_number=p.sealed_pin_form_number)


def _submitted(result: apps.Submitted) -> out.Submitted:
    return out.Submitted(
        application_id=result.application.application_id,
        status=result.application.resident_status, resubmission=result.resubmission,
        warnings=[out.PhotoFinding.model_validate(f) for f in result.warnings])


def _view(container: ContainerDep, actor: ActorDep, ref: int, now: NowDep
          ) -> out.ApplicationView:
    return out.ApplicationView.model_validate(views.application_view(
        container.uow, actor=actor, application_ref=ref, now=now))


@public.post("/photo-check", summary="Check an ID photo before applying (answers at once)")
def photo_check(body: PhotoIn, request: Request, container: ContainerDep) -> out.PhotoCheck:
    limit(container, (Rule.PHOTO_CLIENT, client_address(request)))
    verdict = container.photo_inspector.inspect(body.photo)
    return out.PhotoCheck(ok=verdict.accepted, findings=[
        out.PhotoFinding.model_validate(f) for f in verdict.findings])


@public.post("/online", status_code=201, summary="Apply online (PC or smartphone), or "
             "re-apply after a deficiency")
def apply_online(body: OnlineApplication, request: Request, container: ContainerDep,
                 now: NowDep) -> out.Submitted:
    limit_public(container, request, body.application_id)
    channel = Channel(body.channel)
    return _submitted(apps.submit(
        container.uow, container.photos, container.photo_inspector,
        actor=apps.online_applicant(channel), channel=channel,
        application_id=body.application_id, birth_date=body.birth_date, photo=body.photo,
        want_signature_certificate=body.want_signature_certificate,
        want_auth_certificate=body.want_auth_certificate, email=body.email, now=now))


@public.post("/status", summary="Where is my card? (Application ID and birth date)",
             response_model_exclude_none=True)
def status(body: StatusQuery, request: Request, container: ContainerDep
           ) -> out.ResidentStatus:
    limit_public(container, request, body.application_id)
    return out.ResidentStatus.model_validate(views.status_for_resident(
        container.uow, application_id=body.application_id, birth_date=body.birth_date))


def limit_public(container: ContainerDep, request: Request, application_id: str) -> None:
    """Per client, and per Application ID (as digits: "1234 5678..." is the same ID): the
    online application and the status, through the API and the pages alike."""
    subject = parse(application_id) if is_valid(application_id) else application_id
    limit(container, (Rule.PUBLIC_CLIENT, client_address(request)),
          (Rule.APPLICATION_ID, subject))


def _intake(channel: Channel, body: Application, actor: ActorDep, container: ContainerDep,
            now: NowDep) -> out.Submitted:
    return _submitted(apps.submit(
        container.uow, container.photos, container.photo_inspector, actor=actor,
        channel=channel, application_id=body.application_id, birth_date=body.birth_date,
        photo=body.photo, want_signature_certificate=body.want_signature_certificate,
        want_auth_certificate=body.want_auth_certificate, now=now))


@staff.post("/applications/mail", status_code=201,
            summary="Key in a paper form received by mail")
def apply_by_mail(body: Application, actor: ActorDep, container: ContainerDep,
                  now: NowDep) -> out.Submitted:
    return _intake(Channel.MAIL, body, actor, container, now)


@staff.post("/applications/booth", status_code=201,
            summary="An application posted by a photo booth's client")
def apply_from_booth(body: Application, actor: ActorDep, container: ContainerDep,
                     now: NowDep) -> out.Submitted:
    return _intake(Channel.PHOTO_BOOTH, body, actor, container, now)


@staff.post("/applications/forms", status_code=201,
            summary="A new application form (new Application ID; the old one dies)")
def new_form(body: NewForm, actor: ActorDep, container: ContainerDep,
             now: NowDep) -> out.NewForm:
    form = apps.issue_form(container.uow, actor=actor, resident_id=body.resident_id,
                           reason=body.reason, now=now)
    return out.NewForm(application_id=form.application_id,
                       printed=printed_form(form.application_id),
                       qr=f"{container.settings.public_base_url.rstrip('/')}/apply?"
                          f"application_id={form.application_id}")


@staff.get("/applications/{ref}", summary="An application as the reviewer sees it")
def view(ref: IdPath, actor: ActorDep, container: ContainerDep,
         now: NowDep) -> out.ApplicationView:
    return _view(container, actor, ref, now)


@staff.get("/applications/{ref}/photo", summary="The application's ID photo",
           response_class=Response, responses={200: {"content": {
               kind: {"schema": {"type": "string", "format": "binary"}}
               for kind in ("image/jpeg", "image/png")}}})
def photo(ref: IdPath, actor: ActorDep, container: ContainerDep, now: NowDep) -> Response:
    data = apps.application_photo(container.uow, container.photos, actor=actor,
                                  application_ref=ref, now=now)
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, media_type=kind, headers={"Cache-Control": "no-store"})


@staff.post("/applications/{ref}/review", summary="Start reviewing")
def review(ref: IdPath, actor: ActorDep, container: ContainerDep,
           now: NowDep) -> out.ApplicationView:
    apps.start_review(container.uow, actor=actor, application_ref=ref, now=now)
    return _view(container, actor, ref, now)


@staff.post("/applications/{ref}/approve", summary="Approve for production")
def approve(ref: IdPath, actor: ActorDep, container: ContainerDep,
            now: NowDep) -> out.ApplicationView:
    apps.approve(container.uow, actor=actor, application_ref=ref, now=now)
    return _view(container, actor, ref, now)


@staff.post("/applications/{ref}/deficient",
            summary="Mark deficient, with a reason and a message the applicant reads")
def deficient(ref: IdPath, body: Deficiency, actor: ActorDep, container: ContainerDep,
              now: NowDep) -> out.ApplicationView:
    apps.mark_deficient(container.uow, actor=actor, application_ref=ref, reason=body.reason,
                        message=body.message, now=now)
    return _view(container, actor, ref, now)


@staff.post("/applications/{ref}/void", summary="Void an application (its card is destroyed)")
def void(ref: IdPath, body: Void, actor: ActorDep, container: ContainerDep,
         now: NowDep) -> out.ApplicationView:
    pickup.void_application(container.uow, container.vault, actor=actor, application_ref=ref,
                            reason=body.reason, now=now)
    return _view(container, actor, ref, now)


@staff.post("/production-runs", status_code=201, summary="Run production for approved "
            "applications (one chunk; `mynumbercard jobs production` runs them all)")
def production(actor: ActorDep, container: ContainerDep, now: NowDep) -> out.ProductionRun:
    result = issuance.run_production(container.uow, container.vault, actor=actor, now=now)
    return out.ProductionRun(run=result.run_id, cards=result.cards, made=[
        out.Produced.model_validate(card) for card in result.made])


@staff.post("/shipments", status_code=201, summary="Ship produced cards to their offices "
            "(one chunk; `mynumbercard jobs ship` ships them all)")
def ship(actor: ActorDep, container: ContainerDep, now: NowDep) -> out.Shipments:
    result = issuance.ship(container.uow, actor=actor, now=now)
    return out.Shipments(shipments=[out.Shipment(id=k, office=v)
                                    for k, v in result.shipments.items()],
                         cards=result.cards)


@staff.post("/shipments/{shipment_id}/receive", summary="The office records a shipment's "
            "arrival; its cards wait for pick-up")
def receive(shipment_id: IdPath, actor: ActorDep, container: ContainerDep,
            now: NowDep) -> out.Received:
    waiting = issuance.receive_shipment(container.uow, actor=actor, shipment_id=shipment_id,
                                        now=now)
    return out.Received(shipment=shipment_id, waiting=waiting)


@staff.get("/offices/{office_code}/cards", summary="Cards waiting at an office")
def waiting(office_code: MunicipalityCode, actor: ActorDep, container: ContainerDep,
            after: CursorQuery = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
            ) -> list[out.WaitingCard]:
    return [out.WaitingCard.model_validate(card) for card in views.cards_waiting(
        container.uow, actor=actor, office_code=office_code, limit=limit, after_ref=after)]


@staff.post("/cards/{card_number}/hand-over", status_code=202,
            summary="Hand a card over at the counter: after the identity check, a task for "
                    "the clerk's counter terminal, which has the card in its reader and the "
                    "holder's PINs on its PIN pad (a `pins` field is refused)")
def hand_over(card_number: CardNumberPath, body: Identity, actor: ActorDep,
              container: ContainerDep, now: NowDep, *, response: Response) -> TaskAsked:
    identity = identity_of(body)
    checks = counter_tasks.HandOverChecks(
        notice_presented=body.notice_presented, documents=frozenset(body.documents),
        legal_representative_present=body.legal_representative_present,
        proxy=identity if isinstance(identity, ProxyPickUp) else None)
    return asked(counter_tasks.ask_hand_over(container.uow, actor=actor,
                                             card_number=card_number, checks=checks, now=now),
                 response)
