"""The kiosk's side of a transaction (`mynumbercard kiosk issue`): the operator's
credential, the service reached over HTTP with signed requests or in this process, and
the run itself: challenge and statement, the statement shown, the card's signature after
the holder's PIN, the document.

The PIN goes from the kiosk's keypad to the card only; the card counts wrong entries
(the kiosk only reports what the card said, for the console)."""

from __future__ import annotations

import base64
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from mynumbercard.chip.client import CardClient
from mynumbercard.chip.keys import KeyKind
from mynumbercard.domain import errors
from mynumbercard.domain.card_statement import SignPurpose, Statement
from mynumbercard.domain.kiosk import KioskDocument, KioskRefused, Refusal
from mynumbercard.domain.pins import PinLocked, WrongPin
from mynumbercard.domain.relying_party import KEY_ID, sign_request
from mynumbercard.services import kiosk
from mynumbercard.services.card_auth import challenge_bytes
from mynumbercard.services.kiosk_ports import AnswerChecker, DocumentPrinter
from mynumbercard.services.relying_parties import SecretSealer, SignedRequest

MAX_ANSWER = 4 * 1024 * 1024  # a signed PDF, base64
PinFor = Callable[[Statement], str]  # shows what will be signed, then reads the PIN
_BY_STATUS: dict[int, type[errors.DomainError]] = {
    401: errors.AuthenticationFailed, 403: errors.PermissionDenied, 404: errors.NotFound,
    409: errors.Conflict, 413: errors.InvalidInput, 429: errors.TooManyRequests}


@dataclass(frozen=True)
class PartyKey:
    key_id: str
    secret: bytes

    def __repr__(self) -> str:
        return f"PartyKey({self.key_id!r}, <secret>)"

    @classmethod
    def load(cls, path: Path) -> PartyKey:
        """A credential file as `relying-party add --out` writes it (JSON: key_id, secret)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            key = cls(str(data["key_id"]), bytes.fromhex(str(data["secret"])))
        except FileNotFoundError:
            raise errors.NotFound(f"no credential file {path}") from None
        except (OSError, ValueError, KeyError, TypeError):
            raise errors.InvalidInput(f"{path} is not a relying party's credential file") \
                from None
        if not KEY_ID.fullmatch(key.key_id) or len(key.secret) != 32:
            raise errors.InvalidInput(f"{path} is not a relying party's credential file")
        return key

    def signed(self, method: str, path: str, body: bytes) -> SignedRequest:
        timestamp, nonce = int(time.time()), secrets.token_urlsafe(18)
        return SignedRequest(self.key_id, str(timestamp), nonce,
                             sign_request(self.secret, timestamp=timestamp, nonce=nonce,
                                          method=method, path=path, body=body),
                             method, path, body)


class KioskService(Protocol):
    def challenge(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def transaction(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def pin_refusal(self, body: dict[str, Any]) -> dict[str, Any]: ...


class HttpKioskService:
    """The issuing service's API, each request signed with the operator's key."""

    def __init__(self, base_url: str, key: PartyKey, *, timeout: float = 30,
                 clock: Callable[[], datetime] | None = None) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise errors.InvalidInput("the service is an http:// or https:// URL")
        self._base, self._key, self._timeout = base_url.rstrip("/"), key, timeout
        self._clock = clock

    def __repr__(self) -> str:
        return f"HttpKioskService({self._base!r})"

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(body).encode()
        signed = self._key.signed("POST", path, data)
        if self._clock is not None:  # a set clock (tests, demos): sign at the server's time
            stamp = int(self._clock().timestamp())
            signed = SignedRequest(signed.key_id, str(stamp), signed.nonce, sign_request(
                self._key.secret, timestamp=stamp, nonce=signed.nonce, method="POST",
                path=path, body=data), "POST", path, data)
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            self._base + path, data=data, method="POST",
            headers={"Content-Type": "application/json", "Mnc-Key-Id": signed.key_id,
                     "Mnc-Timestamp": signed.timestamp, "Mnc-Nonce": signed.nonce,
                     "Mnc-Signature": signed.signature})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as answer:  # noqa: S310
                return dict(json.loads(answer.read(MAX_ANSWER)))
        except urllib.error.HTTPError as refused:
            try:
                answer = json.loads(refused.read(MAX_ANSWER))
            except ValueError:
                answer = {}
            message = str(answer.get("message", "")) or f"the service answered {refused.code}"
            if answer.get("refused") in set(Refusal):
                raise KioskRefused(Refusal(answer["refused"]), message) from None
            raise _BY_STATUS.get(refused.code, errors.InvalidInput)(message) from None
        except (urllib.error.URLError, TimeoutError, ValueError) as failed:
            raise errors.NotFound(f"cannot reach the service {self._base}: {failed}") from None

    def challenge(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._post("/api/v1/kiosk/challenges", body)

    def transaction(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._post("/api/v1/kiosk/transactions", body)

    def pin_refusal(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._post("/api/v1/kiosk/pin-refusals", body)


@dataclass
class LocalKioskService:
    """The same use cases in this process (no `--url`): the requests are still signed
    with the operator's key and checked as the API checks them."""

    key: PartyKey
    uow: kiosk.UowFactory
    sealer: SecretSealer
    checker: AnswerChecker
    printer: Callable[[], DocumentPrinter]
    verify_url: str
    clock: Callable[[], datetime]

    def _signed(self, path: str) -> SignedRequest:
        stamp, nonce = int(self.clock().timestamp()), secrets.token_urlsafe(18)
        return SignedRequest(self.key.key_id, str(stamp), nonce, sign_request(
            self.key.secret, timestamp=stamp, nonce=nonce, method="POST", path=path,
            body=b""), "POST", path, b"")

    def challenge(self, body: dict[str, Any]) -> dict[str, Any]:
        made = kiosk.start(self.uow, self.sealer, request=self._signed("/kiosk/challenges"),
                           now=self.clock(), requested=kiosk.Requested(
                               KioskDocument(body["document"]), body["with_household"],
                               body["with_domicile"]))
        said = made.statement
        return {"challenge": made.challenge, "purpose": said and said.purpose.value,
                "statement": said and {"ja": said.ja, "en": said.en}}

    def transaction(self, body: dict[str, Any]) -> dict[str, Any]:
        response = kiosk.CardResponse(
            body["challenge"], base64.b64decode(body["certificate"]),
            base64.b64decode(body["signature"]), KioskDocument(body["document"]),
            body["with_household"], body["with_domicile"])
        produced = kiosk.issue(self.uow, self.sealer, self.checker, self.printer(),
                               request=self._signed("/kiosk/transactions"),
                               response=response, verify_url=self.verify_url,
                               now=self.clock())
        return {"verification_code": produced.verification_code,
                "municipality": produced.municipality, "fee": produced.fee,
                "pdf": base64.b64encode(produced.pdf).decode()}

    def pin_refusal(self, body: dict[str, Any]) -> dict[str, Any]:
        reported = kiosk.report_pin(self.uow, self.sealer, self.checker,
                                    request=self._signed("/kiosk/pin-refusals"),
                                    challenge=body["challenge"],
                                    certificate_der=base64.b64decode(body["certificate"]),
                                    tries_left=body["tries_left"], now=self.clock())
        return {"refused": reported.refused.value, "message": reported.message}


@dataclass(frozen=True)
class KioskResult:
    verification_code: str
    municipality: str
    fee: int
    pdf: bytes

    def __repr__(self) -> str:
        return f"KioskResult({self.verification_code!r}, {self.municipality!r}, {self.fee})"


def stated(answer: dict[str, Any], *, purpose: SignPurpose) -> tuple[str, Statement]:
    """The challenge and the statement the service gave with it; a statement for another
    purpose than the command's is refused before anything is signed."""
    try:
        said = answer["statement"]
        statement = Statement(SignPurpose(answer["purpose"]), str(said["ja"]), str(said["en"]))
        challenge = str(answer["challenge"])
        challenge_bytes(challenge)
    except (KeyError, TypeError, ValueError, errors.InvalidInput):
        raise errors.InvalidInput("the service's challenge carries no statement of what the "
                                  "card would sign: nothing signed") from None
    if statement.purpose is not purpose:
        raise errors.InvalidInput(f"the service asks to sign for {statement.purpose.value}, "
                                  f"not {purpose.value}: nothing signed")
    return challenge, statement


def run_transaction(card: CardClient, service: KioskService, *, pin_for: PinFor,
                    document: KioskDocument, with_household: bool,
                    with_domicile: bool) -> KioskResult:
    """One transaction; KioskRefused for every refusal the kiosk shows. The PIN is read
    (`pin_for`) only after the statement of what the card signs has been shown."""
    asked = {"document": document.value, "with_household": with_household,
             "with_domicile": with_domicile}
    challenge, statement = stated(service.challenge(asked), purpose=SignPurpose.KIOSK_DOCUMENT)
    certificate_pem = card.read_certificate(KeyKind.AUTH)
    certificate = base64.b64encode(card_der(certificate_pem)).decode()
    pin = pin_for(statement)
    try:
        signature = card.sign(KeyKind.AUTH, pin,
                              statement.signed_message(bytes.fromhex(challenge)))
    except (WrongPin, PinLocked) as refused:
        tries = refused.tries_left if isinstance(refused, WrongPin) else 0
        answer = service.pin_refusal({"challenge": challenge, "certificate": certificate,
                                      "tries_left": tries})
        raise KioskRefused(Refusal(answer["refused"]), str(answer["message"])) from None
    answer = service.transaction({
        "challenge": challenge, "certificate": certificate,
        "signature": base64.b64encode(signature).decode(), **asked})
    return KioskResult(str(answer["verification_code"]), str(answer["municipality"]),
                       int(answer["fee"]), base64.b64decode(answer["pdf"]))


def card_der(pem: bytes) -> bytes:
    body = b"".join(line for line in pem.splitlines() if line and not line.startswith(b"-----"))
    return base64.b64decode(body)
