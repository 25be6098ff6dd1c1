"""Answers of certificate renewal and the custody hand-off (web/api/renewal.py)."""

from __future__ import annotations

from datetime import date

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.custody import CustodyStatus
from mynumbercard.services.custody import CustodyView
from mynumbercard.web.api.schemas.common import IsoDateTime


class CustodyStep(BaseModel):
    """A step of the history; what the step recorded (a reason, a tracking number, ...)
    is given beside these keys."""

    model_config = ConfigDict(extra="allow")

    at: IsoDateTime
    actor: str
    from_: CustodyStatus | None = Field(validation_alias=AliasChoices("from", "from_"),
                                        serialization_alias="from")
    to: CustodyStatus


class Custody(BaseModel):
    id: int
    card_number: str
    office: str
    status: CustodyStatus
    kinds: list[CertKind]
    left_on: date
    tracking_number: str | None
    mailings: int
    history: list[CustodyStep]

    @classmethod
    def of(cls, view: CustodyView) -> Custody:
        return cls(
            id=view.id, card_number=view.card_number, office=view.office, status=view.status,
            kinds=list(view.kinds), left_on=view.left_on, tracking_number=view.tracking_number,
            mailings=view.mailings,
            history=[CustodyStep.model_validate({"at": h.at, "actor": h.actor,
                                                 "from": h.from_status, "to": h.to_status,
                                                 **h.details}) for h in view.history])
