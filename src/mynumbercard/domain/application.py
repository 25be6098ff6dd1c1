"""A card application from receipt to the holder's hands: statuses, verbs, events.

Every change goes through a verb that checks the one table of allowed transitions,
`ALLOWED_TRANSITIONS`, and appends an `ApplicationEvent`; the repository writes the
status with a version check, so two clerks racing on one card settle in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from mynumbercard.domain.errors import Conflict, InvalidInput, InvalidTransition
from mynumbercard.domain.photo import PhotoFinding


class Channel(StrEnum):
    MAIL = "mail"  # the paper form, keyed in by the agency
    PC = "pc"  # online, with the Application ID typed in
    SMARTPHONE = "smartphone"  # online, from the form's QR code
    PHOTO_BOOTH = "photo_booth"  # posted by the booth operator's client


class ApplicationKind(StrEnum):
    FIRST = "first"
    RENEWAL = "renewal"  # a valid card in its renewal window, or an expired one
    REISSUE = "reissue"  # after a loss report


class ApplicationStatus(StrEnum):
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    DEFICIENT = "deficient"
    APPROVED = "approved"  # waiting for the next production run
    IN_PRODUCTION = "in_production"
    SHIPPED = "shipped"
    READY_FOR_PICK_UP = "ready_for_pick_up"
    HANDED_OVER = "handed_over"
    VOIDED = "voided"


S = ApplicationStatus
ALLOWED_TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.RECEIVED: frozenset({S.IN_REVIEW, S.APPROVED, S.DEFICIENT, S.VOIDED}),
    S.IN_REVIEW: frozenset({S.APPROVED, S.DEFICIENT, S.VOIDED}),
    S.DEFICIENT: frozenset({S.RECEIVED, S.VOIDED}),  # re-application, or given up
    S.APPROVED: frozenset({S.IN_PRODUCTION, S.VOIDED}),
    S.IN_PRODUCTION: frozenset({S.SHIPPED, S.VOIDED}),
    S.SHIPPED: frozenset({S.READY_FOR_PICK_UP, S.VOIDED}),
    S.READY_FOR_PICK_UP: frozenset({S.HANDED_OVER, S.VOIDED}),
    S.HANDED_OVER: frozenset(),
    S.VOIDED: frozenset(),
}

# What the resident sees when asking with the Application ID and birth date.
RESIDENT_VIEW: dict[ApplicationStatus, str] = {
    S.RECEIVED: "received",
    S.IN_REVIEW: "in_review",
    S.DEFICIENT: "deficient",
    S.APPROVED: "in_production",
    S.IN_PRODUCTION: "in_production",
    S.SHIPPED: "shipped",
    S.READY_FOR_PICK_UP: "ready_for_pick_up",
    S.HANDED_OVER: "handed_over",
    S.VOIDED: "voided",
}

# A card exists (produced, on its way or at the office) in these states.
WITH_CARD = frozenset({S.IN_PRODUCTION, S.SHIPPED, S.READY_FOR_PICK_UP})
CLOSED = frozenset({S.HANDED_OVER, S.VOIDED})
OPEN = frozenset(ALLOWED_TRANSITIONS) - CLOSED


class DeficiencyReason(StrEnum):
    PHOTO = "photo"
    SIGNATURE = "signature"  # the paper form is not signed
    ADDRESS_MISMATCH = "address_mismatch"
    MISSING_INFORMATION = "missing_information"


class VoidReason(StrEnum):
    RELOCATION = "relocation"  # moved to another municipality before pick-up
    UNCOLLECTED = "uncollected"  # not picked up within the municipality's keeping period
    NEW_FORM = "new_form"  # the resident asked for a new form: the old ID is dead
    WITHDRAWN = "withdrawn"  # the applicant withdrew
    DEATH = "death"
    LOSS_OF_RESIDENCE = "loss_of_residence"


class ApplicationVoided(Conflict):
    code = "application_voided"


@dataclass(frozen=True, slots=True)
class ApplicationEvent:
    kind: str  # submitted, transition, office_changed
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewApplication:
    """An application as received, not stored yet: it has no id; `Applications.add`
    returns the stored `Application`, with its first event."""

    application_id: str  # the 23 digits of the form
    resident_id: int
    kind: ApplicationKind
    channel: Channel
    received_on: date
    want_signature_certificate: bool
    want_auth_certificate: bool
    photo_digest: str
    photo_findings: tuple[PhotoFinding, ...] = ()

    def stored(self, application_ref: int) -> Application:
        return Application(
            id=application_ref, application_id=self.application_id,
            resident_id=self.resident_id, kind=self.kind, channel=self.channel,
            received_on=self.received_on,
            want_signature_certificate=self.want_signature_certificate,
            want_auth_certificate=self.want_auth_certificate, photo_digest=self.photo_digest,
            photo_findings=list(self.photo_findings),
            events=[ApplicationEvent("received", None, S.RECEIVED,
                                     {"channel": self.channel.value})])


@dataclass(slots=True)
class Application:
    """A stored application (it has its id, the reference of staff and of the API)."""

    id: int
    application_id: str  # the 23 digits of the form
    resident_id: int
    kind: ApplicationKind
    channel: Channel
    received_on: date  # the rules' "day the application was received"
    want_signature_certificate: bool
    want_auth_certificate: bool
    photo_digest: str
    status: ApplicationStatus = S.RECEIVED
    submissions: int = 1
    deficiency_reason: DeficiencyReason | None = None
    deficiency_message: str | None = None
    card_id: int | None = None
    production_run_id: int | None = None
    shipment_id: int | None = None
    office_code: str | None = None  # the office that holds (or will hold) the card
    pick_up_deadline: date | None = None
    void_reason: VoidReason | None = None
    photo_findings: list[PhotoFinding] = field(default_factory=list)
    arrived_on: date | None = None
    version: int = 0
    events: list[ApplicationEvent] = field(default_factory=list)

    def _go(self, to: ApplicationStatus, **details: Any) -> None:
        if self.status is S.VOIDED:
            raise ApplicationVoided("the application is void: apply again")
        if to not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(
                f"an application that is {self.status.value} cannot become {to.value}")
        self.events.append(ApplicationEvent("transition", self.status, to, details))
        self.status = to

    @property
    def resident_status(self) -> str:
        return RESIDENT_VIEW[self.status]

    # --- the agency -------------------------------------------------------------------

    def start_review(self) -> None:
        self._go(S.IN_REVIEW)

    def approve(self) -> None:
        self._go(S.APPROVED)
        self.deficiency_reason = self.deficiency_message = None

    def mark_deficient(self, reason: DeficiencyReason, message: str) -> None:
        message = message.strip()
        if not message:
            raise InvalidInput("say what the applicant must correct (message)")
        self._go(S.DEFICIENT, reason=reason.value)
        self.deficiency_reason, self.deficiency_message = reason, message

    def resubmit(self, *, channel: Channel, received_on: date, photo_digest: str,
                 photo_findings: list[PhotoFinding], want_signature_certificate: bool,
                 want_auth_certificate: bool) -> None:
        """A re-application after a deficiency: same Application ID, history kept."""
        if self.status is S.VOIDED:
            raise ApplicationVoided("the application is void: ask for a new form")
        if self.status is not S.DEFICIENT:
            raise Conflict(f"this application is {self.status.value}, not deficient: "
                           "there is nothing to re-apply for")
        self._go(S.RECEIVED, channel=channel.value, submission=self.submissions + 1)
        self.submissions += 1
        self.channel, self.received_on, self.photo_digest = channel, received_on, photo_digest
        self.photo_findings = photo_findings
        self.want_signature_certificate = want_signature_certificate
        self.want_auth_certificate = want_auth_certificate

    def enter_production(self, *, run_id: int, card_id: int) -> None:
        self._go(S.IN_PRODUCTION, run=run_id)
        self.production_run_id, self.card_id = run_id, card_id

    def ship(self, *, shipment_id: int, office_code: str) -> None:
        self._go(S.SHIPPED, shipment=shipment_id, office=office_code)
        self.shipment_id, self.office_code = shipment_id, office_code

    def arrive(self, *, on: date, pick_up_deadline: date) -> None:
        """The office recorded the card's receipt; the notice of issuance goes out."""
        self._go(S.READY_FOR_PICK_UP, deadline=pick_up_deadline.isoformat())
        self.pick_up_deadline, self.arrived_on = pick_up_deadline, on

    def hand_over(self, *, by_proxy: bool) -> None:
        self._go(S.HANDED_OVER, proxy=by_proxy)

    def void(self, reason: VoidReason) -> None:
        self._go(S.VOIDED, reason=reason.value)
        self.void_reason = reason

    def move_office(self, office_code: str) -> None:
        """A move between wards of one designated city: the card follows to the new ward."""
        if self.status not in OPEN:
            raise InvalidTransition(f"an application that is {self.status.value} has no office")
        self.events.append(ApplicationEvent("office_changed", self.status, self.status,
                                            {"from": self.office_code, "to": office_code}))
        if self.office_code is not None:
            self.office_code = office_code
