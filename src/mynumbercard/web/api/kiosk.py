"""The kiosk over HTTP: the kiosk operators' signed calls (a challenge, the card's
answer, a PIN the card refused; their settlement is kiosk_settlement.py's), the public
check of a verification code, and the administrator's relying parties, offers,
maintenance and console."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import AwareDatetime, BaseModel, Field

from mynumbercard.adapters.rate_limits import Rule
from mynumbercard.domain.card_statement import SignPurpose
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.kiosk import KioskDocument, Refusal
from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.services import kiosk, kiosk_admin, relying_parties
from mynumbercard.services.relying_parties import SignedRequest
from mynumbercard.web.api.schemas.common import IsoDateTime, Out
from mynumbercard.web.client_cert import client_cert_sha256
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep, client_address, limit

signed = APIRouter(prefix="/api/v1/kiosk", tags=["kiosk operators (signed API keys)"])
public = APIRouter(prefix="/api/v1", tags=["public"])
admin = APIRouter(prefix="/api/v1", tags=["relying parties and kiosks (administrator)"])

HEADERS = ("Mnc-Key-Id", "Mnc-Timestamp", "Mnc-Nonce", "Mnc-Signature")
B64 = r"^[A-Za-z0-9+/]*={0,2}$"


async def signed_request(request: Request, container: ContainerDep) -> SignedRequest:
    """The request as signed (docs/services.md "Relying parties"): headers, the path with
    its query, the exact body bytes; and the client certificate a trusted proxy passed."""
    key_id, timestamp, nonce, signature = (request.headers.get(h, "")[:100] for h in HEADERS)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    settings = container.settings
    fingerprint = client_cert_sha256(request, proxies=tuple(settings.trusted_proxies),
                                     header=settings.client_cert_header)
    return SignedRequest(key_id, timestamp, nonce, signature, request.method, path,
                         await request.body(), fingerprint)


SignedDep = Annotated[SignedRequest, Depends(signed_request)]


def decode_b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{what} is not base64") from None


class ChallengeIn(BaseModel):
    document: KioskDocument | None = Field(None, description="The document the holder asks "
                                           "for: the statement the card signs names it")
    with_household: bool = False
    with_domicile: bool = False


class ChallengeOut(Out):
    challenge: str = Field(description="32 bytes, hexadecimal")
    expires_at: IsoDateTime


class KioskStatementOut(Out):
    ja: str
    en: str


class KioskChallengeOut(ChallengeOut):
    purpose: SignPurpose | None = Field(description="kiosk-document; null without a document")
    statement: KioskStatementOut | None = Field(
        description="What the signature will do, for the kiosk to show before the PIN. The "
        "card signs 'mynumbercard/kiosk-document/v2\\0' ‖ the challenge's bytes ‖ '\\0' ‖ "
        "ja ‖ '\\n' ‖ en (UTF-8); the transaction must ask for the same document and "
        "options, or the signature does not verify (401). Null without a document")


class TransactionIn(BaseModel):
    challenge: str = Field(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")
    certificate: str = Field(max_length=12000, pattern=B64,
                             description="The card's user-authentication certificate, DER, "
                                         "base64")
    signature: str = Field(max_length=1400, pattern=B64, description="base64")
    document: KioskDocument
    with_household: bool = False
    with_domicile: bool = False


class DocumentOut(Out):
    verification_code: str
    municipality: str = Field(description="The issuing municipality's 5-digit code")
    fee: int = Field(description="Yen, charged to the operator's settlement")
    document: KioskDocument
    pdf: str = Field(description="The signed PDF, base64")


class PinRefusalIn(BaseModel):
    challenge: str = Field(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")
    certificate: str = Field(max_length=12000, pattern=B64)
    tries_left: int = Field(ge=0, le=16, description="As the card reported it (0: locked)")


class PinRefusalOut(Out):
    refused: Refusal
    message: str
    tries_left: int


class TotalOut(Out):
    operator: str
    municipality_code: str
    documents: int
    fees: int


@signed.post("/challenges", summary="A one-use challenge for the card (kiosk operators)")
def challenge(request: SignedDep, container: ContainerDep, now: NowDep,
              body: ChallengeIn | None = None) -> KioskChallengeOut:
    requested = (kiosk.Requested(body.document, body.with_household, body.with_domicile)
                 if body is not None and body.document is not None else None)
    return KioskChallengeOut.model_validate(kiosk.start(
        container.uow, container.party_secrets, request=request, now=now,
        requested=requested))


@signed.post("/transactions", summary="The card's answer: the document, signed, and its "
             "fee; or a refusal (403, `refused`)")
def transaction(body: TransactionIn, request: SignedDep, container: ContainerDep,
                now: NowDep) -> DocumentOut:
    response = kiosk.CardResponse(body.challenge, decode_b64(body.certificate, "certificate"),
                                  decode_b64(body.signature, "signature"), body.document,
                                  body.with_household, body.with_domicile)
    produced = kiosk.issue(container.uow, container.party_secrets, container.kiosk_checker,
                           container.document_printer, request=request, response=response,
                           verify_url=container.verify_url, now=now)
    return DocumentOut(verification_code=produced.verification_code,
                       municipality=produced.municipality, fee=produced.fee,
                       document=produced.document,
                       pdf=base64.b64encode(produced.pdf).decode())


@signed.post("/pin-refusals", summary="The card refused the PIN (its own counter): "
             "recorded for the console, the challenge spent")
def pin_refusal(body: PinRefusalIn, request: SignedDep, container: ContainerDep,
                now: NowDep) -> PinRefusalOut:
    return PinRefusalOut.model_validate(kiosk.report_pin(
        container.uow, container.party_secrets, container.kiosk_checker, request=request,
        challenge=body.challenge, certificate_der=decode_b64(body.certificate, "certificate"),
        tries_left=body.tries_left, now=now))


class VerifiedOut(Out):
    verification_code: str
    document: KioskDocument
    title: str
    municipality: str
    issued_on: date
    pdf_sha256: str = Field(description="SHA-256 of the PDF as issued")


@public.get("/verify/{code}", summary="Is this verification code genuine? The kind of "
            "document, municipality and day (nothing of the person)")
def verify(code: Annotated[str, Path(max_length=40)], container: ContainerDep,
           now: NowDep, request: Request) -> VerifiedOut:
    limit(container, (Rule.VERIFY_CLIENT, client_address(request)))
    return VerifiedOut.model_validate(kiosk_admin.verify(container.uow, code=code, now=now))


class PartyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    kind: PartyKind
    client_cert_sha256: str | None = Field(
        None, max_length=100, description="Mutual TLS: SHA-256 of the client certificate's "
        "DER (hexadecimal) the trusted proxy must pass on with every call")


class PartyCredentialOut(Out):
    key_id: str
    secret: str = Field(description="Hexadecimal; shown this once")
    name: str
    kind: PartyKind


class PartyOut(Out):
    key_id: str
    name: str
    kind: PartyKind
    active: bool
    client_cert_sha256: str | None


@admin.post("/relying-parties", summary="Register a kiosk operator or payment service; "
            "its signing key, shown once")
def add_party(body: PartyIn, actor: ActorDep, container: ContainerDep,
              now: NowDep) -> PartyCredentialOut:
    return PartyCredentialOut.model_validate(relying_parties.register(
        container.uow, container.party_secrets, actor=actor, name=body.name, kind=body.kind,
        now=now, client_cert_sha256=body.client_cert_sha256))


@admin.get("/relying-parties", summary="The relying parties")
def list_parties(actor: ActorDep, container: ContainerDep, now: NowDep) -> list[PartyOut]:
    return [PartyOut.model_validate(p)
            for p in relying_parties.list_parties(container.uow, actor=actor, now=now)]


@admin.post("/relying-parties/{key_id}/disable", summary="Disable a relying party's key")
def disable_party(key_id: Annotated[str, Path(max_length=20)], actor: ActorDep,
                  container: ContainerDep, now: NowDep) -> PartyOut:
    return PartyOut.model_validate(relying_parties.disable(container.uow, actor=actor,
                                                           key_id=key_id, now=now))


class OfferIn(BaseModel):
    fee: int | None = Field(ge=0, le=100_000, description="Yen; null withdraws the offer")
    domicile: bool = False


class OfferOut(Out):
    municipality_code: str
    document: KioskDocument
    fee: int | None
    domicile: bool


@admin.put("/kiosk/offers/{municipality_code}/{document}",
           summary="What a municipality offers at kiosks, and its fee")
def put_offer(municipality_code: Annotated[str, Path(pattern="^[0-9]{5}$")],  # noqa: PLR0917
              document: KioskDocument, body: OfferIn, actor: ActorDep,
              container: ContainerDep, now: NowDep) -> OfferOut:
    kiosk_admin.set_offer(container.uow, actor=actor, municipality_code=municipality_code,
                          document=document, fee=body.fee, domicile=body.domicile, now=now)
    return OfferOut(municipality_code=municipality_code, document=document, fee=body.fee,
                    domicile=body.domicile and body.fee is not None)


class MaintenanceIn(BaseModel):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    note: str = Field("", max_length=200)


class MaintenanceOut(Out):
    id: int
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    note: str


@admin.post("/kiosk/maintenance", summary="Announce a maintenance window (kiosks refuse)")
def post_maintenance(body: MaintenanceIn, actor: ActorDep, container: ContainerDep,
                     now: NowDep) -> MaintenanceOut:
    return MaintenanceOut.model_validate(kiosk_admin.announce_maintenance(
        container.uow, actor=actor, starts_at=body.starts_at, ends_at=body.ends_at,
        note=body.note, now=now))


class PinFailureOut(Out):
    serial: str
    operator: str
    tries_left: int
    at: IsoDateTime


class ConsoleOut(Out):
    start: IsoDateTime
    end: IsoDateTime
    totals: list[TotalOut]
    pin_failures: list[PinFailureOut]


@admin.get("/kiosk/console", summary="Fees per operator and municipality; the PIN "
           "failures cards reported at kiosks")
def get_console(actor: ActorDep, container: ContainerDep, now: NowDep,
                start: Annotated[date, Query(alias="from")],
                end: Annotated[date, Query(alias="to")]) -> ConsoleOut:
    return ConsoleOut.model_validate(kiosk_admin.console(container.uow, actor=actor,
                                                         start=start, end=end, now=now))
