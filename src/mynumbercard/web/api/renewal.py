"""Certificate renewal at the counter and the custody hand-off, over HTTP.

Every step that touches the holder's card is a task for the clerk's counter terminal,
which has the card in its reader (web/api/terminal_tasks.py, docs/chip.md "Counter
tasks"), made by the same services as the pages: no card file comes here or goes back.
"The post delivered it" is recorded at once (the card is with its holder).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import Field

from mynumbercard.bootstrap import Container
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.staff import Actor
from mynumbercard.services import counter_tasks, custody_tasks
from mynumbercard.services import custody as custody_service
from mynumbercard.services.custody_tasks import Step
from mynumbercard.web.api.schemas.renewal import Custody
from mynumbercard.web.api.terminal_tasks import NoCardNorPins, TaskAsked, asked
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep
from mynumbercard.web.inputs import CardNumberPath, IdPath, free_text

router = APIRouter(prefix="/api/v1", tags=["certificate renewal (staff)"])


class Renew(NoCardNorPins):
    kinds: list[CertKind] = Field(default_factory=lambda: list(CertKind), min_length=1)


class LeaveCard(Renew):
    documents: list[IdDocument] = Field(default_factory=list)
    legal_representative_present: bool = False


class Mail(NoCardNorPins):
    tracking_number: str = Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z-]+$",
                                 description="The restricted-delivery item's number")


class Reason(NoCardNorPins):
    reason: free_text("reason", 200)  # type: ignore[valid-type]


class Collect(NoCardNorPins):
    documents: list[IdDocument] = Field(default_factory=list)
    legal_representative_present: bool = False


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


@router.post("/cards/{card_number}/custody", status_code=202,
             summary="The holder leaves the card at the office for certificate renewal: "
                     "after the identity and window checks, a task for the clerk's counter "
                     "terminal, which takes the card into its reader")
def leave(card_number: CardNumberPath, body: LeaveCard, actor: ActorDep,
          container: ContainerDep, now: NowDep, *, response: Response) -> TaskAsked:
    return asked(custody_tasks.ask_leave(
        container.uow, actor=actor, card_number=card_number, documents=body.documents,
        legal_representative_present=body.legal_representative_present, kinds=body.kinds,
        now=now), response)


@router.get("/custody/{custody_id}", summary="A card left at the office, with its history")
def show(custody_id: IdPath, actor: ActorDep, container: ContainerDep) -> Custody:
    return _custody(container, actor, custody_id)


def _step(container: Container, actor: Actor, custody_id: int, step: Step, *,
          now: datetime, response: Response, **given: Any) -> TaskAsked:
    return asked(custody_tasks.ask_step(container.uow, actor=actor, custody_id=custody_id,
                                        step=step, now=now, **given), response)


@router.post("/custody/{custody_id}/renew", status_code=202, summary="Renew the "
             "certificates of a card left at the office: a task for the clerk's counter "
             "terminal, the card in its reader (one card at a time)")
def renew_left(custody_id: IdPath, actor: ActorDep, container: ContainerDep, now: NowDep,
               *, response: Response) -> TaskAsked:
    return _step(container, actor, custody_id, Step.RENEW, now=now, response=response)


@router.post("/custody/{custody_id}/mail", status_code=202, summary="Send the card by "
             "restricted-delivery post (本人限定受取郵便): a task for the terminal, which "
             "gives the card out of its reader")
def mail(custody_id: IdPath, body: Mail, actor: ActorDep, container: ContainerDep,
         now: NowDep, *, response: Response) -> TaskAsked:
    return _step(container, actor, custody_id, Step.MAIL, now=now, response=response,
                 tracking_number=body.tracking_number)


@router.post("/custody/{custody_id}/delivered", summary="The post delivered the card "
             "(recorded at once: the card is with its holder)")
def delivered(custody_id: IdPath, actor: ActorDep, container: ContainerDep,
              now: NowDep) -> Custody:
    custody_service.record_delivery(container.uow, actor=actor, custody_id=custody_id, now=now)
    return _custody(container, actor, custody_id)


@router.post("/custody/{custody_id}/returned", status_code=202, summary="The post brought "
             "the card back: a task for the terminal, which takes it into its reader again")
def returned(custody_id: IdPath, body: Reason, actor: ActorDep, container: ContainerDep,
             now: NowDep, *, response: Response) -> TaskAsked:
    return _step(container, actor, custody_id, Step.RETURNED, now=now, response=response,
                 reason=body.reason)


@router.post("/custody/{custody_id}/collect", status_code=202, summary="The holder fetches "
             "the card at the office: a task for the terminal, which gives it out of its "
             "reader")
def collect(custody_id: IdPath, body: Collect, actor: ActorDep, container: ContainerDep,
            now: NowDep, *, response: Response) -> TaskAsked:
    return _step(container, actor, custody_id, Step.COLLECT, now=now, response=response,
                 documents=body.documents,
                 legal_representative_present=body.legal_representative_present)


@router.post("/custody/{custody_id}/cancel", status_code=202, summary="Give the card back "
             "before renewal: a task for the terminal, which gives it out of its reader")
def cancel(custody_id: IdPath, body: Reason, actor: ActorDep, container: ContainerDep,
           now: NowDep, *, response: Response) -> TaskAsked:
    return _step(container, actor, custody_id, Step.CANCEL, now=now, response=response,
                 reason=body.reason)
