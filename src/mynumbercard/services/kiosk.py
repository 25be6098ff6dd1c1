"""The kiosk transaction (docs/services.md "The kiosk"): a one-use challenge with the
statement of what the card will sign for (domain/card_statement.py: the document asked
for, printed at this operator's kiosk), the card's signature over both, and — after every
check — the signed document and its fee.

Each call is one transaction under the kiosk operator's signed request: the nonce, the
challenge spent, the document and its fee, the audit record commit together. A refused
transaction commits its spent challenge and its audit record, then raises
`KioskRefused`; nothing is charged for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mynumbercard.domain.card_statement import SignPurpose, Statement, kiosk_statement
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.kiosk import (
    KioskDocument,
    KioskRefused,
    Refusal,
    check_open,
    new_verification_code,
    pin_wrong_message,
)
from mynumbercard.domain.moving import MovingStatus
from mynumbercard.domain.relying_party import PartyKind, RelyingParty
from mynumbercard.domain.resident import Resident, ResidentStatus
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.card_auth import (
    CardAnswer,
    Challenge,
    challenge_bytes,
    holder_in,
    new_challenge_in,
    spend_in,
)
from mynumbercard.services.kiosk_ports import (
    AnswerChecker,
    DocumentContent,
    DocumentPrinter,
    HouseholdMember,
    IssuedDocument,
    KioskUnit,
    PinFailure,
)
from mynumbercard.services.ports import AuditRecord
from mynumbercard.services.relying_parties import (
    PartyRefused,
    SecretSealer,
    SignedRequest,
    authenticate_in,
    record_refusal_in,
)

UowFactory = Callable[[], KioskUnit]
KIOSK = PartyKind.KIOSK_OPERATOR


@dataclass(frozen=True, slots=True)
class CardResponse:
    """The card's answer to a challenge, as the kiosk sends it."""

    challenge: str
    certificate_der: bytes
    signature: bytes
    document: KioskDocument
    with_household: bool = False
    with_domicile: bool = False

    def __post_init__(self) -> None:
        self.answer  # noqa: B018 - checked as the card's answer is

    @property
    def answer(self) -> CardAnswer:
        return CardAnswer(self.challenge, self.certificate_der, self.signature)


@dataclass(frozen=True, slots=True)
class Requested:
    """What the kiosk asks for: the card's statement names it."""

    document: KioskDocument
    with_household: bool = False
    with_domicile: bool = False

    def statement(self, party: RelyingParty) -> Statement:
        return kiosk_statement(self.document, with_household=self.with_household,
                               with_domicile=self.with_domicile, kiosk=party.name)


@dataclass(frozen=True, slots=True)
class KioskChallenge:
    """A one-use challenge and, when the kiosk named the document, what the card signs
    with it (without one, no signature can be checked: only a PIN refusal spends it)."""

    challenge: str
    expires_at: datetime
    purpose: SignPurpose | None
    statement: Statement | None


@dataclass(frozen=True, slots=True)
class Produced:
    verification_code: str
    municipality: str  # 5-digit code
    fee: int
    document: KioskDocument
    pdf: bytes

    def __repr__(self) -> str:
        return f"Produced({self.verification_code!r}, {self.municipality!r}, {self.fee})"


@dataclass(frozen=True, slots=True)
class PinReported:
    refused: Refusal
    message: str
    tries_left: int


def authenticated_in(uow: KioskUnit, sealer: SecretSealer, request: SignedRequest,
                     now: datetime) -> RelyingParty:
    """The kiosk operator who signed `request`; a known party's refused request is
    audited (and its nonce kept) before the refusal is raised."""
    try:
        return authenticate_in(uow, sealer, request, kind=KIOSK, now=now)
    except PartyRefused as refused:
        record_refusal_in(uow, refused, path=request.path, now=now)
        uow.commit()
        raise


def start(uow_factory: UowFactory, sealer: SecretSealer, *, request: SignedRequest,
          now: datetime, requested: Requested | None = None) -> KioskChallenge:
    """A one-use challenge for the operator's kiosk, valid a few minutes, with the
    statement of what the card signs for the `requested` document (the card is not read
    yet: the statement names no municipality, no fee in yen)."""
    with uow_factory() as uow:
        party = authenticated_in(uow, sealer, request, now)
        check_open(now, uow.kiosk.maintenance_after(now))
        made: Challenge = new_challenge_in(uow, owner=party.key_id, now=now)
        uow.audit.record(AuditRecord(now, party.actor_name, AuditAction.KIOSK_CHALLENGE,
                                     f"relying-party:{party.id}", None))
        uow.commit()
    statement = requested.statement(party) if requested is not None else None
    return KioskChallenge(made.challenge, made.expires_at,
                          statement.purpose if statement is not None else None, statement)


def issue(uow_factory: UowFactory, sealer: SecretSealer, checker: AnswerChecker,
          printer: DocumentPrinter, *, request: SignedRequest, response: CardResponse,
          verify_url: str, now: datetime) -> Produced:
    """Check the card's answer and produce the document (see the module docstring)."""
    with uow_factory() as uow:
        party = authenticated_in(uow, sealer, request, now)
        try:
            produced = _issue_in(uow, party, checker, printer, response, verify_url, now)
        except KioskRefused as refused:
            _refuse_in(uow, party, refused, now)
            uow.commit()
            raise
        uow.commit()
    return produced


def _refuse_in(uow: KioskUnit, party: RelyingParty, refused: KioskRefused,
               now: datetime) -> None:
    uow.audit.record(AuditRecord(now, party.actor_name, AuditAction.KIOSK_REFUSE,
                                 f"relying-party:{party.id}",
                                 {"refused": refused.refusal.value}))


def _spend(uow: KioskUnit, party: RelyingParty, challenge: str, now: datetime) -> None:
    challenge_bytes(challenge)
    spend_in(uow, challenge, owner=party.key_id, now=now)


def _issue_in(uow: KioskUnit, party: RelyingParty, checker: AnswerChecker,  # noqa: PLR0917
              printer: DocumentPrinter, response: CardResponse, verify_url: str,
              now: datetime) -> Produced:
    _spend(uow, party, response.challenge, now)
    check_open(now, uow.kiosk.maintenance_after(now))
    # The card signed the statement of this very request, bound to the challenge: one
    # made for another document, option, kiosk or purpose (or the v1 form) does not verify.
    requested = Requested(response.document, response.with_household, response.with_domicile)
    resident = holder_in(uow, checker, response.answer, now=now,
                         statement=requested.statement(party)).resident
    _check_residence(uow, resident, now)
    offer = uow.kiosk.offer(resident.municipality_code, response.document)
    if offer is None:
        raise KioskRefused(Refusal.NOT_OFFERED)
    if response.with_domicile and not offer.domicile:
        raise KioskRefused(Refusal.NOT_OFFERED, "The municipality does not print the "
                           "domicile at kiosks: ask at its office.")
    code = new_verification_code()
    town = uow.municipalities.get(resident.municipality_code)
    content = DocumentContent(
        document=response.document, verification_code=code,
        verify_url=f"{verify_url}?code={code}", municipality_code=town.code,
        municipality_name=town.prefecture + town.name, issued_at=now,
        name=resident.name_as_shown, name_kana=resident.full_name_kana,
        birth_date=resident.birth_date, sex=resident.sex.value,
        address=resident.full_address(town), registered_on=None,
        domicile=_domicile(resident) if response.with_domicile else None,
        household=_household(uow, resident) if response.with_household else ())
    pdf = printer.produce(content)
    uow.kiosk.add_document(IssuedDocument(
        code, response.document, town.code, resident.id, now, party.key_id, offer.fee,
        hashlib.sha256(pdf).hexdigest()))
    uow.audit.record(AuditRecord(now, party.actor_name, AuditAction.KIOSK_ISSUE_DOCUMENT,
                                 f"resident:{resident.id}",
                                 {"document": response.document.value, "code": code,
                                  "municipality": town.code, "fee": offer.fee}))
    return Produced(code, town.code, offer.fee, response.document, pdf)


def _check_residence(uow: KioskUnit, resident: Resident, now: datetime) -> None:
    if resident.status is ResidentStatus.DECEASED:
        raise KioskRefused(Refusal.DECEASED)
    if resident.status is ResidentStatus.EMIGRATED:
        raise KioskRefused(Refusal.MOVED_OUT)
    move = uow.moves.open_of_resident(resident.id)
    if (move is not None and move.status is MovingStatus.MOVING_OUT
            and move.planned_on <= now.astimezone(JST).date()):
        raise KioskRefused(Refusal.MOVED_OUT)


def _domicile(resident: Resident) -> str:
    if resident.nationality != "JP":
        return f"国籍・地域: {resident.nationality}"
    return "（本籍は住民基本台帳のこの写しでは記載を省略）"


def _household(uow: KioskUnit, resident: Resident) -> tuple[HouseholdMember, ...]:
    return tuple(HouseholdMember(r.name_as_shown, r.birth_date, r.sex.value)
                 for r in uow.kiosk.household_of(resident))


def report_pin(uow_factory: UowFactory, sealer: SecretSealer, checker: AnswerChecker, *,
               request: SignedRequest, challenge: str, certificate_der: bytes,
               tries_left: int, now: datetime) -> PinReported:
    """The card refused the PIN at the kiosk (its own counter: `tries_left`, 0 when
    locked): recorded for the console, the challenge spent."""
    if isinstance(tries_left, bool) or not 0 <= tries_left <= 16:
        raise InvalidInput("tries_left is 0 to 16")
    with uow_factory() as uow:
        party = authenticated_in(uow, sealer, request, now)
        try:
            _spend(uow, party, challenge, now)
        except KioskRefused as refused:
            _refuse_in(uow, party, refused, now)
            uow.commit()
            raise
        serial = checker.issued_serial(certificate_der)
        refusal = Refusal.PIN_LOCKED if tries_left == 0 else Refusal.PIN_WRONG
        uow.kiosk.add_pin_failure(PinFailure(format(serial, "x"), party.key_id, tries_left,
                                             now))
        _refuse_in(uow, party, KioskRefused(refusal), now)
        uow.commit()
    return PinReported(refusal, pin_wrong_message(tries_left), tries_left)
