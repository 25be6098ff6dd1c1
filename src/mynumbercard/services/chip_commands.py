"""The counter terminal's card (issue 14): the server authorises each administrative
command for the challenge the card in the terminal's reader gave, and only when the use
case it belongs to allows it now; the terminal sends it to the card. No PIN reaches the
server: for the initial PINs it authorises *which* PINs are set, the holder types them.

A hand-over through the terminal: the plan (`chip_plan`: which key pairs, which PINs),
key generation on the chip (authorised here), the hand-over itself with the chip's CSRs
(`pickup.hand_over` with a `RelayedTerminal`), then the PINs and the certificates written
(authorised here). A renewal: key generation (the renewal window checked here, before
an old key is deleted), the renewal with the CSRs, the certificates written. A correction
of a wrong-validity case: the key pairs its plan re-issues (while the card's case is in
progress), the correction with the CSRs, the certificates written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from mynumbercard.domain.application import Application, ApplicationStatus
from mynumbercard.domain.card import Card
from mynumbercard.domain.certificate import JST, CertificateStatus, CertKind, is_expired
from mynumbercard.domain.custody import AT_OFFICE, Custody, CustodyStatus
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import pickup, renewal, validity_check
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.pki_ports import (
    AdminAuthoriser,
    CertificateAuthority,
    ChipCommand,
    ChipRequest,
)
from mynumbercard.services.ports import AuditRecord
from mynumbercard.services.validity_check_ports import ValidityChecks


class ChipUnit(pickup.PickupUnit, Protocol):
    """The hand-over's unit with the correction cases (a correction's plan)."""

    @property
    def validity_checks(self) -> ValidityChecks: ...


UowFactory = Callable[[], ChipUnit]
CHALLENGE_BYTES = 32
NOT_WAITING = "no card with this number waits at an office"


class Purpose(StrEnum):
    HAND_OVER = "hand-over"
    RENEWAL = "renewal"
    CORRECTION = "correction"  # of the card's wrong-validity case in progress
    CUSTODY = "custody"  # a renewal of a card left at the office (services/custody_tasks)


@dataclass(frozen=True, slots=True)
class ChipPlan:
    """What the terminal does on the card: the key pairs to make, the PINs to set."""

    kinds: list[CertKind]
    pins: list[PinKind]


@dataclass(frozen=True, slots=True)
class Authorised:
    authorization: bytes
    certificate: bytes = b""  # for a certificate write: what to write (DER)


def _hand_over_card(uow: ChipUnit, actor: Actor,
                    card_number: str) -> tuple[Card, Application, Resident]:
    """The card, its application and holder, if the actor hands over at its office."""
    actor.require_role(Permission.CARD_HAND_OVER)
    card = uow.cards.find_by_number(card_number)
    application = (uow.applications.by_card(card.id)
                   if card is not None and card.id is not None else None)
    if (card is None or application is None or not actor.may(
            Permission.CARD_HAND_OVER, municipality_code=application.office_code)):
        raise NotFound(NOT_WAITING)
    return card, application, uow.residents.get(application.resident_id)


def _renewal_card(uow: ChipUnit, actor: Actor, card_number: str) -> tuple[Card, Resident]:
    card, resident = renewal.visible_card_in(uow, actor, card_number)
    custody = uow.custody.open_for_card(card.id)
    if custody is not None:
        raise Conflict(f"the card is left at the office ({custody.status.value}): renew "
                       "it through its custody record")
    return card, resident


def _custody_card(uow: pickup.PickupUnit, actor: Actor, card_number: str
                  ) -> tuple[Card, Resident, Custody]:
    """A card in custody at the clerk's office, in the office's reader."""
    card, resident = renewal.visible_card_in(uow, actor, card_number)
    custody = uow.custody.open_for_card(card.id or 0)
    if custody is None or custody.status not in AT_OFFICE:
        raise Conflict("this card is not in the office's custody: renew it at the counter")
    return card, resident, custody


def _hand_over_plan(application: Application, resident: Resident, now: datetime) -> ChipPlan:
    signature = pickup.signature_at_hand_over(application, resident,
                                              today=now.astimezone(JST).date())
    kinds = pickup.issued_kinds(application, signature=signature)
    pins = pickup.required_pins(application, signature=signature)
    return ChipPlan(kinds=[k for k in CertKind if k in kinds],
                    pins=[k for k in PinKind if k in pins])


def chip_plan(uow_factory: UowFactory, *, actor: Actor, card_number: str, purpose: Purpose,
              now: datetime) -> ChipPlan:
    """What the terminal is to do on the card for a hand-over (the application decides)
    or a renewal (the key pairs the holder's age allows; the window is checked per
    key when it is generated)."""
    with uow_factory() as uow:
        if purpose is Purpose.HAND_OVER:
            _, application, resident = _hand_over_card(uow, actor, card_number)
            pickup.check_waiting(application)
            return _hand_over_plan(application, resident, now)
        if purpose is Purpose.CORRECTION:
            plan = _correction_plan(uow, actor, card_number, now)
            return ChipPlan(kinds=[k for k in CertKind if k in plan.kinds], pins=[])
        if purpose is Purpose.CUSTODY:
            _, _, custody = _custody_card(uow, actor, card_number)
            return ChipPlan(kinds=[k for k in CertKind if k in custody.kinds], pins=[])
        _, resident = _renewal_card(uow, actor, card_number)
        kinds = renewal.renewable_kinds(resident, frozenset(CertKind), now=now)
        return ChipPlan(kinds=[k for k in CertKind if k in kinds], pins=[])


def _current_certificate(uow: ChipUnit, card: Card, kind: CertKind,
                         now: datetime) -> bytes:
    """The card's valid certificate of `kind` in the register (the one to write)."""
    for certificate in sorted(uow.certificates.of_card(card.id or 0),
                              key=lambda c: c.not_before, reverse=True):
        if (certificate.kind is kind and certificate.status is CertificateStatus.ACTIVE
                and not is_expired(certificate.not_after, now)):
            return uow.certificates.der(certificate.id)
    raise NotFound(f"the card has no valid {kind.value} certificate to write")


def _check_hand_over(uow: ChipUnit, actor: Actor, card_number: str,
                     request: ChipRequest, now: datetime) -> Card:
    card, application, resident = _hand_over_card(uow, actor, card_number)
    plan = _hand_over_plan(application, resident, now)
    if request.command in (ChipCommand.GENERATE_KEY_PAIR, ChipCommand.DELETE_KEY_PAIR):
        pickup.check_waiting(application)  # keys are made before the hand-over only
        if request.kind not in plan.kinds:
            raise Conflict(f"no {_kind(request)} certificate is issued onto this card")
        return card
    if application.status is not ApplicationStatus.HANDED_OVER:
        raise Conflict("the card has not been handed over yet: the PINs and certificates "
                       "go onto it after the hand-over")
    if request.command is ChipCommand.SET_INITIAL_PINS and (
            not request.pins or not request.pins <= set(plan.pins)):
        raise InvalidInput("the PINs to set are those of the hand-over: "
                           + ", ".join(k.value for k in plan.pins))
    return card


def _check_renewal(uow: ChipUnit, actor: Actor, card_number: str,
                   request: ChipRequest, now: datetime) -> Card:
    card, resident = _renewal_card(uow, actor, card_number)
    if request.command is ChipCommand.SET_INITIAL_PINS:
        raise InvalidInput("a renewal sets no PIN")
    if request.command in (ChipCommand.GENERATE_KEY_PAIR, ChipCommand.DELETE_KEY_PAIR):
        # before the old key is deleted: a renewal refused later would leave none
        kinds = renewal.renewable_kinds(resident, frozenset({_kind_of(request)}), now=now)
        renewal.check_window_in(uow, card, kinds, now=now)
    return card


def _correction_plan(uow: ChipUnit, actor: Actor, card_number: str,
                     now: datetime) -> validity_check.CorrectionPlan:
    """The plan of the card's correction case in progress (a card has one at most)."""
    card, resident = renewal.visible_card_in(uow, actor, card_number)
    cases = uow.validity_checks.in_progress_of_cards([card.id or 0])
    if not cases:
        raise Conflict("this card has no correction case in progress")
    return validity_check.correction_plan_in(uow, cases[0], card, resident,
                                             today=now.astimezone(JST).date())


def _check_correction(uow: ChipUnit, actor: Actor, card_number: str,
                      request: ChipRequest, now: datetime) -> Card:
    card, _ = renewal.visible_card_in(uow, actor, card_number)
    if request.command is ChipCommand.SET_INITIAL_PINS:
        raise InvalidInput("a correction sets no PIN")
    # Keys only while the case is open, and only those it re-issues: else a key made
    # here would leave the card's certificate without its key.
    if (request.command in (ChipCommand.GENERATE_KEY_PAIR, ChipCommand.DELETE_KEY_PAIR)
            and _kind_of(request) not in _correction_plan(uow, actor, card_number,
                                                          now).kinds):
        raise Conflict(f"the correction re-issues no {_kind(request)} certificate")
    return card


def _check_custody(uow: pickup.PickupUnit, actor: Actor, card_number: str,
                   request: ChipRequest, now: datetime) -> Card:
    """Keys only for a card left and not yet renewed, of the kinds left for, with the
    window open (before an old key is deleted); the certificates written after."""
    card, _, custody = _custody_card(uow, actor, card_number)
    if request.command is ChipCommand.SET_INITIAL_PINS:
        raise InvalidInput("a renewal sets no PIN")
    if request.command in (ChipCommand.GENERATE_KEY_PAIR, ChipCommand.DELETE_KEY_PAIR):
        kind = _kind_of(request)
        if custody.status is not CustodyStatus.LEFT_AT_OFFICE or kind not in custody.kinds:
            raise Conflict(f"no {kind.value} certificate is to be renewed on this card")
        renewal.check_window_in(uow, card, frozenset({kind}), now=now)
    return card


CHECKS = {Purpose.HAND_OVER: _check_hand_over, Purpose.RENEWAL: _check_renewal,
          Purpose.CORRECTION: _check_correction, Purpose.CUSTODY: _check_custody}


def _kind_of(request: ChipRequest) -> CertKind:
    if request.kind is None:
        raise InvalidInput(f"{request.command.value} needs a key kind (sign or auth)")
    return request.kind


def _kind(request: ChipRequest) -> str:
    return _kind_of(request).value


def authorise_chip_command(
    uow_factory: UowFactory,
    authoriser: AdminAuthoriser,
    ca: Callable[[], CertificateAuthority],
    *,
    actor: Actor,
    card_number: str,
    purpose: Purpose,
    request: ChipRequest,
    challenge: bytes,
    now: datetime,
) -> Authorised:
    """The card-management key's authorization of one command on the card in the
    counter terminal's reader, for the card's `challenge`, if the use case allows it
    now; audited `chip:authorise`. A certificate write authorises the card's valid
    certificate from the register (or its CA's), which comes back with it."""
    if not isinstance(challenge, bytes) or len(challenge) != CHALLENGE_BYTES:
        raise InvalidInput(f"a card's challenge has {CHALLENGE_BYTES} bytes")
    if request.command is not ChipCommand.SET_INITIAL_PINS:
        _kind_of(request)
    with uow_factory() as uow:
        card = CHECKS[purpose](uow, actor, card_number, request, now)
        certificate = b""
        if request.command is ChipCommand.WRITE_CERTIFICATE:
            certificate = _current_certificate(uow, card, _kind_of(request), now)
        elif request.command is ChipCommand.WRITE_CA_CERTIFICATE:
            certificate = ca().issuing_certificate_der(_kind_of(request))
        signed = ChipRequest(request.command, request.kind, request.pins, certificate)
        authorization = authoriser.authorise_command(card_number, challenge, signed)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.CHIP_AUTHORISE,
                                     f"card:{card.id}", {
            "command": request.command.value, "purpose": purpose.value,
            "kind": request.kind.value if request.kind else None,
            "pins": sorted(k.value for k in request.pins), "via": "terminal"}))
        uow.commit()
    return Authorised(authorization, certificate)


class RelayedTerminal:
    """The card in the counter terminal's reader as the hand-over and the renewal see
    it on the server: the CSRs the chip made (relayed by the terminal) answer key
    generation; PINs and certificates are written by the terminal afterwards, each
    command authorised by `authorise_chip_command`, so here they do nothing.

    The server trusts the signed-in member's terminal that the CSRs come from the card's
    chip (as it trusts the clerk's identity check): the chip accepts no certificate for
    a key it does not hold, and every step is audited."""

    def __init__(self, card_number: str, csrs: dict[CertKind, bytes]) -> None:
        self._card_number = card_number
        self._csrs = csrs

    @property
    def card_number(self) -> str:
        return self._card_number

    def generate_key_pair(self, kind: CertKind) -> bytes:
        try:
            return self._csrs[kind]
        except KeyError:
            raise InvalidInput(f"the terminal sent no CSR for the {kind.value} key: "
                               "generate it on the card first") from None

    def set_initial_pins(self, pins: object) -> None:
        return None

    def write_certificate(self, kind: CertKind, certificate_der: bytes) -> None:
        return None

    def write_ca_certificate(self, kind: CertKind, certificate_der: bytes) -> None:
        return None

    def reset_pin(self, kind: PinKind, new_pin: str) -> None:
        raise InvalidInput("a PIN reset has its own authorization")
