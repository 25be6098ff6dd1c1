"""Answers about applications and issuance (web/api/applications.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AliasChoices, BaseModel, Field

from mynumbercard.domain.application import (
    ApplicationKind,
    ApplicationStatus,
    Channel,
    DeficiencyReason,
    VoidReason,
)
from mynumbercard.domain.photo import PhotoDefect, Severity
from mynumbercard.web.api.schemas.common import IsoDateTime, Out


class PhotoFinding(Out):
    code: PhotoDefect
    severity: Severity = Field(description="hard: refused; soft: accepted with a warning")
    value: float | str | None = Field(description="What was measured")
    threshold: str
    message_ja: str
    message_en: str


class PhotoCheck(BaseModel):
    ok: bool
    findings: list[PhotoFinding]


class Submitted(BaseModel):
    application_id: str
    status: str = Field(description="As the resident reads it")
    resubmission: bool
    warnings: list[PhotoFinding] = Field(description="Soft findings: accepted, but worth "
                                                     "a retake")


class Deficiency(Out):
    reason: DeficiencyReason | None
    message: str | None


class ResidentStep(Out):
    on: date
    status: str


class ResidentStatus(Out):
    """Only the parts that belong to the status are present."""

    status: str
    form_valid: bool
    received_on: date | None = None
    history: list[ResidentStep] | None = None
    deficiency: Deficiency | None = None
    office: str | None = Field(default=None, description="Where to pick the card up")
    pick_up_deadline: date | None = None
    void_reason: VoidReason | None = None
    next_step: str | None = None
    office_code: str | None = Field(default=None, description="That office's code: "
                                    "/appointments?office=CODE books a visit")


class NewForm(BaseModel):
    application_id: str
    printed: str = Field(description="The Application ID as the form prints it")
    qr: str = Field(description="The address the form's QR code opens")


class Certificates(Out):
    signature: bool
    user_authentication: bool


class PhotoView(Out):
    digest: str
    findings: list[PhotoFinding]


class Step(Out):
    at: IsoDateTime
    actor: str
    kind: str
    from_: str | None = Field(validation_alias=AliasChoices("from_status", "from"),
                              serialization_alias="from")
    to: str = Field(validation_alias=AliasChoices("to_status", "to"))
    details: dict[str, Any] | None


class ApplicationView(Out):
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
    history: list[Step]


class Produced(Out):
    card_number: str
    application: int
    resident_id: int


class ProductionRun(BaseModel):
    run: int | None = Field(description="null: nothing was approved")
    cards: int
    made: list[Produced]


class Shipment(BaseModel):
    id: int
    office: str


class Shipments(BaseModel):
    shipments: list[Shipment]
    cards: int


class Received(BaseModel):
    shipment: int
    waiting: int = Field(description="Cards now waiting for pick-up")


class WaitingCard(Out):
    application: int
    resident_id: int
    card_number: str
    arrived_on: date | None
    pick_up_deadline: date | None
