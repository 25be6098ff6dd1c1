"""Certificate renewal at the counter and the custody hand-off, over HTTP.

A renewal at the counter is a task for the clerk's counter terminal, which has the
holder's card in its reader (web/api/terminal_tasks.py): no card file comes here. The
custody hand-off's card travels as its card file (`card_file`, base64): handed in when
it is left at the office and given out again when it is mailed, collected or given back.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from mynumbercard.bootstrap import Container
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.staff import Actor
from mynumbercard.services import counter_tasks
from mynumbercard.services import custody as custody_service
from mynumbercard.services.certificates import IssuedCertificate
from mynumbercard.web.api.card_files import CardFile, card_out
from mynumbercard.web.api.schemas.common import CertificateIssued
from mynumbercard.web.api.schemas.renewal import Custody, CustodyCardOut, CustodyRenewed
from mynumbercard.web.api.terminal_tasks import NoCardNorPins, TaskAsked, asked
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep
from mynumbercard.web.inputs import CardNumberPath, IdPath, free_text

router = APIRouter(prefix="/api/v1", tags=["certificate renewal (staff)"])


class Renew(NoCardNorPins):
    kinds: list[CertKind] = Field(default_factory=lambda: list(CertKind), min_length=1)


class LeaveCard(BaseModel):
    kinds: list[CertKind] = Field(default_factory=lambda: list(CertKind), min_length=1)
    card_file: CardFile
    documents: list[IdDocument] = []
    legal_representative_present: bool = False


class Returned(BaseModel):
    reason: free_text("reason", 200)  # type: ignore[valid-type]
    card_file: CardFile


class Mail(BaseModel):
    tracking_number: str = Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z-]+$",
                                 description="The restricted-delivery item's number")


class Reason(BaseModel):
    reason: free_text("reason", 200)  # type: ignore[valid-type]


class Collect(BaseModel):
    documents: list[IdDocument] = []
    legal_representative_present: bool = False


def _issued(certificates: list[IssuedCertificate]) -> list[CertificateIssued]:
    return [CertificateIssued(kind=c.kind, serial=c.serial_hex, not_after=c.not_after)
            for c in certificates]


def _custody(container: Container, actor: Actor, custody_id: int) -> Custody:
    return Custody.of(custody_service.custody_view(container.uow, actor=actor,
                                                   custody_id=custody_id))


@router.post("/cards/{card_number}/certificates/renew", status_code=202,
             summary="Renew the certificates on the holder's card at the counter (new key "
                     "pairs on the same chip; from 3 months before expiry, free): a task for "
                     "the clerk's counter terminal, the card in its reader (a `card_file` "
                     "field is refused)")
def renew(card_number: CardNumberPath, body: Renew, actor: ActorDep, container: ContainerDep,
          now: NowDep, *, response: Response) -> TaskAsked:
    return asked(counter_tasks.ask_renewal(container.uow, actor=actor, card_number=card_number,
                                           kinds=body.kinds, now=now), response)


@router.post("/cards/{card_number}/custody", status_code=201,
             summary="The holder leaves the card (`card_file`) at the office for "
                     "certificate renewal")
def leave(card_number: CardNumberPath, body: LeaveCard, actor: ActorDep,
          container: ContainerDep, now: NowDep) -> Custody:
    left = custody_service.leave_card(
        container.uow, container.vault, actor=actor, card_number=card_number,
        card_file=body.card_file, documents=body.documents,
        legal_representative_present=body.legal_representative_present,
        kinds=frozenset(body.kinds), now=now)
    return _custody(container, actor, left.id)


@router.get("/custody/{custody_id}", summary="A card left at the office, with its history")
def show(custody_id: IdPath, actor: ActorDep, container: ContainerDep) -> Custody:
    return _custody(container, actor, custody_id)


@router.post("/custody/{custody_id}/renew", summary="Renew the certificates of a card left "
             "at the office (`mynumbercard jobs custody-renew` renews them all)")
def renew_left(custody_id: IdPath, actor: ActorDep, container: ContainerDep,
               now: NowDep) -> CustodyRenewed:
    done = custody_service.renew_in_custody(container.uow, container.vault, container.ca,
                                            actor=actor, custody_id=custody_id, now=now)
    return CustodyRenewed(**dict(_custody(container, actor, custody_id)),
                          certificates=_issued(done.certificates))


@router.post("/custody/{custody_id}/mail", summary="Send the card by restricted-delivery "
             "post (本人限定受取郵便)")
def mail(custody_id: IdPath, body: Mail, actor: ActorDep, container: ContainerDep,
         now: NowDep, *, response: Response) -> CustodyCardOut:
    out = custody_service.mail_card(container.uow, container.vault, actor=actor,
                                    custody_id=custody_id,
                                    tracking_number=body.tracking_number, now=now)
    return _card_left(container, actor, custody_id, out, response)


@router.post("/custody/{custody_id}/delivered", summary="The post delivered the card")
def delivered(custody_id: IdPath, actor: ActorDep, container: ContainerDep,
              now: NowDep) -> Custody:
    custody_service.record_delivery(container.uow, actor=actor, custody_id=custody_id, now=now)
    return _custody(container, actor, custody_id)


@router.post("/custody/{custody_id}/returned", summary="The post brought the card back "
             "(`card_file`: it goes into the office's vault again)")
def returned(custody_id: IdPath, body: Returned, actor: ActorDep, container: ContainerDep,
             now: NowDep) -> Custody:
    custody_service.record_return(container.uow, container.vault, actor=actor,
                                  custody_id=custody_id, reason=body.reason,
                                  card_file=body.card_file, now=now)
    return _custody(container, actor, custody_id)


@router.post("/custody/{custody_id}/collect", summary="The holder fetches the card at the "
             "office")
def collect(custody_id: IdPath, body: Collect, actor: ActorDep, container: ContainerDep,
            now: NowDep, *, response: Response) -> CustodyCardOut:
    out = custody_service.collect(
        container.uow, container.vault, actor=actor, custody_id=custody_id,
        documents=body.documents,
        legal_representative_present=body.legal_representative_present, now=now)
    return _card_left(container, actor, custody_id, out, response)


@router.post("/custody/{custody_id}/cancel", summary="Give the card back before renewal "
             "(in `card_file`)")
def cancel(custody_id: IdPath, body: Reason, actor: ActorDep, container: ContainerDep,
           now: NowDep, *, response: Response) -> CustodyCardOut:
    out = custody_service.cancel(container.uow, container.vault, actor=actor,
                                 custody_id=custody_id, reason=body.reason, now=now)
    return _card_left(container, actor, custody_id, out, response)


def _card_left(container: Container, actor: Actor, custody_id: int,
               out: custody_service.CardOut, response: Response) -> CustodyCardOut:
    """The custody record, and the card that left the office with this step."""
    return CustodyCardOut(**dict(_custody(container, actor, custody_id)),
                          card_file=card_out(out.card, response))
