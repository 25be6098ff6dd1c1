"""The holder's card program for My Number Points (`points enrol`, `points balance`,
`points sign-in`): the card signs the service's one-use challenge with its
user-authentication key after the holder's PIN (the kiosk's challenge-response, for the
purpose `points`); the service is reached over HTTP (`--url`) or in this process.

Each challenge comes with the service's statement of what the signature will do
(domain/card_statement.py): the program hands it to `pin_for` (the command line prints
it, asks for confirmation on a terminal, then reads the PIN) before the PIN is read, and
the card signs it bound to the challenge. The PIN goes to the card only; the card counts
wrong entries."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from mynumbercard.adapters.kiosk_client import card_der, stated
from mynumbercard.chip.client import CardClient
from mynumbercard.chip.keys import KeyKind
from mynumbercard.domain import errors
from mynumbercard.domain.card_statement import SignPurpose, Statement
from mynumbercard.domain.kiosk import KioskRefused, Refusal, pin_wrong_message
from mynumbercard.domain.pins import PinLocked, WrongPin
from mynumbercard.domain.points import (
    AlreadyEnrolled,
    PointsRefusal,
    UnknownService,
    normalise_sign_in_code,
)
from mynumbercard.services import points_card
from mynumbercard.services.card_auth import CardAnswer
from mynumbercard.services.kiosk_ports import AnswerChecker

MAX_ANSWER = 1024 * 1024
_BY_STATUS: dict[int, type[errors.DomainError]] = {
    401: errors.AuthenticationFailed, 403: errors.PermissionDenied, 404: errors.NotFound,
    409: errors.Conflict, 429: errors.TooManyRequests}
_POINTS_REFUSED: dict[str, type[AlreadyEnrolled | UnknownService]] = {
    PointsRefusal.ALREADY_ENROLLED: AlreadyEnrolled, PointsRefusal.UNKNOWN_SERVICE: UnknownService}


PinFor = Callable[[Statement], str]  # shows what will be signed, then reads the PIN


class PointsService(Protocol):
    def challenge(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def enrol(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def balance(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def sign_in_challenge(self, code: str) -> dict[str, Any]: ...
    def sign_in(self, code: str, body: dict[str, Any]) -> dict[str, Any]: ...


def _refusal(answer: dict[str, Any], message: str) -> errors.DomainError | None:
    refused = answer.get("refused")
    if refused in set(Refusal):
        return KioskRefused(Refusal(refused), message)
    if refused in _POINTS_REFUSED:
        return _POINTS_REFUSED[refused]()
    return None


class HttpPointsService:
    """The service's public holder routes (the card's answer is the credential)."""

    def __init__(self, base_url: str, *, timeout: float = 30) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise errors.InvalidInput("the service is an http:// or https:// URL")
        self._base, self._timeout = base_url.rstrip("/"), timeout

    def __repr__(self) -> str:
        return f"HttpPointsService({self._base!r})"

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            self._base + path, data=data, method=method,
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as answer:  # noqa: S310
                return dict(json.loads(answer.read(MAX_ANSWER)))
        except urllib.error.HTTPError as refused:
            try:
                answer = dict(json.loads(refused.read(MAX_ANSWER)))
            except (ValueError, TypeError):
                answer = {}
            message = str(answer.get("message", "")) or f"the service answered {refused.code}"
            raise (_refusal(answer, message)
                   or _BY_STATUS.get(refused.code, errors.InvalidInput)(message)) from None
        except (urllib.error.URLError, TimeoutError, ValueError) as failed:
            raise errors.NotFound(f"cannot reach the service {self._base}: {failed}") from None

    def challenge(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/api/v1/points/card/challenges", body)

    def enrol(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/api/v1/points/card/enrolments", body)

    def balance(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/api/v1/points/card/balance", body)

    def sign_in_challenge(self, code: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/points/sign-ins/{normalise_sign_in_code(code)}",
                          None)

    def sign_in(self, code: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/points/sign-ins/{normalise_sign_in_code(code)}", body)


def _jsonable(value: object) -> dict[str, Any]:
    return dict(json.loads(json.dumps(asdict(value), default=_default)))  # type: ignore[call-overload]


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@dataclass
class LocalPointsService:
    """The same use cases in this process (no `--url`)."""

    uow: points_card.UowFactory
    checker: AnswerChecker
    clock: Callable[[], datetime]

    @staticmethod
    def _answer(body: dict[str, Any]) -> CardAnswer:
        return CardAnswer(body["challenge"], base64.b64decode(body["certificate"]),
                          base64.b64decode(body["signature"]))

    def challenge(self, body: dict[str, Any]) -> dict[str, Any]:
        return _jsonable(points_card.challenge(
            self.uow, now=self.clock(), purpose=SignPurpose(body["purpose"]),
            service=body.get("service")))

    def enrol(self, body: dict[str, Any]) -> dict[str, Any]:
        return _jsonable(points_card.enrol(self.uow, self.checker, answer=self._answer(body),
                                           service=body["service"], now=self.clock()))

    def balance(self, body: dict[str, Any]) -> dict[str, Any]:
        return _jsonable(points_card.balance(self.uow, self.checker,
                                             answer=self._answer(body), now=self.clock()))

    def sign_in_challenge(self, code: str) -> dict[str, Any]:
        return _jsonable(points_card.sign_in_challenge(self.uow, code=code, now=self.clock()))

    def sign_in(self, code: str, body: dict[str, Any]) -> dict[str, Any]:
        done = points_card.sign_in(self.uow, self.checker, code=code,
                                   certificate_der=base64.b64decode(body["certificate"]),
                                   signature=base64.b64decode(body["signature"]),
                                   now=self.clock())
        return {"code": done.code, "shown_until": done.expires_at.isoformat()}


def card_answer(card: CardClient, *, pin_for: PinFor, challenge: str,
                statement: Statement) -> dict[str, str]:
    """The card's certificate and its signature over the challenge and its statement,
    the PIN read only after `pin_for` has shown the statement; KioskRefused (pin_wrong
    with the tries left, pin_locked) as the card says."""
    certificate = card_der(card.read_certificate(KeyKind.AUTH))
    pin = pin_for(statement)
    try:
        signature = card.sign(KeyKind.AUTH, pin,
                              statement.signed_message(bytes.fromhex(challenge)))
    except WrongPin as wrong:
        raise KioskRefused(Refusal.PIN_WRONG, pin_wrong_message(wrong.tries_left)) from None
    except PinLocked:
        raise KioskRefused(Refusal.PIN_LOCKED) from None
    return {"challenge": challenge, "certificate": base64.b64encode(certificate).decode(),
            "signature": base64.b64encode(signature).decode()}


def enrol(card: CardClient, service: PointsService, *, pin_for: PinFor,
          payment_service: str) -> dict[str, Any]:
    challenge, statement = stated(service.challenge({
        "purpose": SignPurpose.POINTS_ENROL.value, "service": payment_service}),
        purpose=SignPurpose.POINTS_ENROL)
    return service.enrol({**card_answer(card, pin_for=pin_for, challenge=challenge,
                                        statement=statement), "service": payment_service})


def balance(card: CardClient, service: PointsService, *, pin_for: PinFor) -> dict[str, Any]:
    challenge, statement = stated(service.challenge({
        "purpose": SignPurpose.POINTS_BALANCE.value}), purpose=SignPurpose.POINTS_BALANCE)
    return service.balance(card_answer(card, pin_for=pin_for, challenge=challenge,
                                       statement=statement))


def sign_in(card: CardClient, service: PointsService, *, pin_for: PinFor, code: str
            ) -> dict[str, Any]:
    challenge, statement = stated(service.sign_in_challenge(code),
                                  purpose=SignPurpose.POINTS_SIGN_IN)
    answer = card_answer(card, pin_for=pin_for, challenge=challenge, statement=statement)
    return service.sign_in(code, {"certificate": answer["certificate"],
                                  "signature": answer["signature"]})
