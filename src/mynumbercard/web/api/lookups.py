"""Finding things, for signed-in staff: residents, a card, the review queue.

`search` is mounted before the residents' router, so that `/residents/search` is not
read as a resident id.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from mynumbercard.domain.application import ApplicationStatus, Channel
from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.services import application_views, lookups
from mynumbercard.services.lookup_ports import QueueFilter
from mynumbercard.web.api.residents import ResidentOut
from mynumbercard.web.api.schemas.applications import ApplicationView
from mynumbercard.web.api.schemas.common import IsoDateTime, Out
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep
from mynumbercard.web.inputs import CardNumberPath

search = APIRouter(prefix="/api/v1/residents", tags=["residents"])
staff = APIRouter(prefix="/api/v1", tags=["look-ups (staff)"])

MAX_ID = 2**63 - 1  # BIGINT: a larger id names nothing (and would overflow SQLite)
Code5 = Annotated[str | None, Query(pattern=r"^\d{5}$", examples=["13101"])]


class QueueItem(BaseModel):
    id: int
    application_id: str
    resident_id: int
    kind: str
    channel: str
    status: str
    received_on: date
    office_code: str | None


class QueuePage(BaseModel):
    applications: list[QueueItem]
    next: str | None  # pass as `after` for the next page; null on the last


class CertificateOnCard(Out):
    kind: CertKind
    serial: str
    status: str = Field(description="active, suspended, revoked, or expired by the date")
    not_after: IsoDateTime


class CardOut(Out):
    card_number: str
    status: CardStatus
    issued_on: date
    expires_on: date
    applied_on: date | None
    resident_id: int
    municipality_code: str
    certificates: list[CertificateOnCard]


@search.get("/search", summary="Find residents: by Individual Number; by name or kana "
            "prefix with the birth date; by postal code and address prefix")
def search_residents(
    *, actor: ActorDep, container: ContainerDep, now: NowDep,
    number: Annotated[str | None, Query(max_length=40)] = None,
    name: Annotated[str | None, Query(min_length=1, max_length=80)] = None,
    birth_date: date | None = None,
    postal_code: Annotated[str | None, Query(max_length=10)] = None,
    address: Annotated[str | None, Query(max_length=200)] = None,
    municipality_code: Code5 = None,
    limit: Annotated[int, Query(ge=1, le=lookups.MAX_RESULTS)] = 20,
    after_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[ResidentOut]:
    query = lookups.ResidentQuery(number=number, name=name, birth_date=birth_date,
                                  postal_code=postal_code, address=address,
                                  municipality_code=municipality_code, limit=limit,
                                  after_id=after_id)
    found = lookups.search_residents(container.uow, actor=actor, query=query, now=now)
    return [ResidentOut.model_validate(r) for r in found]


@staff.get("/applications", summary="The review queue (a status, oldest first, paged), "
           "or one application by its Application ID")
def applications(
    *, actor: ActorDep, container: ContainerDep, now: NowDep,
    application_id: Annotated[str | None, Query(max_length=60)] = None,
    status: ApplicationStatus | None = None,
    channel: Channel | None = None,
    municipality_code: Code5 = None,
    received_from: date | None = None,
    received_to: date | None = None,
    after: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=lookups.MAX_QUEUE_PAGE)] = 50,
) -> ApplicationView | QueuePage:
    if application_id is not None:
        ref = lookups.application_ref(container.uow, actor=actor,
                                      application_id=application_id)
        return ApplicationView.model_validate(application_views.application_view(
            container.uow, actor=actor, application_ref=ref, now=now))
    if status is None:
        raise InvalidInput("give a status (the queue) or an application_id")
    wanted = QueueFilter(status, channel, municipality_code, received_from, received_to,
                         lookups.parse_cursor(after) if after is not None else None)
    page = lookups.application_queue(container.uow, actor=actor, wanted=wanted, limit=limit,
                                     now=now)
    return QueuePage(applications=[QueueItem(
        id=a.id, application_id=a.application_id, resident_id=a.resident_id,
        kind=a.kind.value, channel=a.channel.value, status=a.status.value,
        received_on=a.received_on, office_code=a.office_code) for a in page.applications],
        next=page.next)


@staff.get("/cards/{card_number}", summary="A card: status, dates, holder's resident id, "
           "its certificates")
def card(card_number: CardNumberPath, actor: ActorDep,
         container: ContainerDep, now: NowDep) -> CardOut:
    return CardOut.model_validate(lookups.card_view(container.uow, actor=actor,
                                                    card_number=card_number, now=now))
