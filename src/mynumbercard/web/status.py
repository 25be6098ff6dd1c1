"""What relying parties fetch: OCSP (RFC 6960, GET and POST), CRLs, CA certificates.

OCSP answers are looked up, not signed: each certificate's response is produced ahead
of time and re-signed at once when its status changes, so serving is a primary-key
read (RFC 5019's lightweight profile: one CertID per request, SHA-1 CertIDs).
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from email.utils import format_datetime
from typing import Annotated

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp as x509_ocsp
from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, Response

from mynumbercard.adapters.pki import (
    MalformedOcspRequest,
    ocsp_error_response,
    parse_ocsp_request,
)
from mynumbercard.bootstrap import Container
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import NotFound
from mynumbercard.services import ocsp
from mynumbercard.web.deps import ContainerDep

router = APIRouter(tags=["certificate status"])

OCSP_RESPONSE = "application/ocsp-response"
MAX_REQUEST_BYTES = 4096  # a one-CertID request is about 100 bytes


def _error(status: x509_ocsp.OCSPResponseStatus) -> Response:
    return Response(ocsp_error_response(status), media_type=OCSP_RESPONSE)


def _answer(container: Container, request_der: bytes) -> Response:
    if len(request_der) > MAX_REQUEST_BYTES:
        return _error(x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    try:
        queries = parse_ocsp_request(request_der)
    except MalformedOcspRequest:
        return _error(x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    if len(queries) != 1:
        return _error(x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    (query,) = queries
    authority = container.authority
    kind = authority.hierarchy.kind_for_issuer(
        issuer_name_hash=query.issuer_name_hash, issuer_key_hash=query.issuer_key_hash,
        hash_algorithm=query.hash_algorithm)
    if kind is None or not isinstance(query.hash_algorithm, hashes.SHA1):
        return _error(x509_ocsp.OCSPResponseStatus.UNAUTHORIZED)
    now = container.clock()
    der = ocsp.answer(container.uow, authority, container.unknown_answers,
                      kind=kind, serial=query.serial, now=now)
    return Response(der, media_type=OCSP_RESPONSE, headers=_cache_headers(der, now))


def _cache_headers(der: bytes, now: datetime) -> dict[str, str]:
    """Cacheable until the response's nextUpdate (RFC 5019 6.2), like a static file."""
    parsed = x509_ocsp.load_der_ocsp_response(der)
    next_update = parsed.next_update_utc or now
    max_age = max(0, int((next_update - now).total_seconds()))
    return {
        "Cache-Control": f"max-age={max_age}, public, no-transform, must-revalidate",
        "Last-Modified": format_datetime(parsed.produced_at_utc, usegmt=True),
        "Expires": format_datetime(next_update, usegmt=True),
    }


@router.post("/ocsp", summary="OCSP over POST (body: DER OCSPRequest)",
             response_class=Response)
async def ocsp_post(request: Request, container: ContainerDep) -> Response:
    body = await request.body()
    return _answer(container, body)


@router.get("/ocsp/{encoded:path}", summary="OCSP over GET (base64 of the DER request)",
            response_class=Response)
def ocsp_get(encoded: str, container: ContainerDep) -> Response:
    try:
        request_der = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return _error(x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    return _answer(container, request_der)


@router.head("/crl/{kind}/{name}", include_in_schema=False)
@router.get("/crl/{kind}/{name}", summary="A published CRL (full or delta), DER",
            response_class=FileResponse)
def crl(kind: CertKind,
        name: Annotated[str, Path(pattern=r"^\d{1,5}(-delta)?\.crl$")],
        container: ContainerDep) -> FileResponse:
    path = container.crl_sink.path_of(f"{kind.value}/{name}")
    if not path.is_file():
        raise NotFound("no such CRL has been published")
    return FileResponse(path, media_type="application/pkix-crl",
                        headers={"Cache-Control": "public, max-age=3600"})


@router.get("/ca/{kind}-ca.cer", summary="An issuing CA's certificate, DER",
            response_class=Response)
def ca_certificate(kind: CertKind, container: ContainerDep) -> Response:
    certificate = container.authority.hierarchy.issuing_certificate(kind)
    return Response(certificate.public_bytes(Encoding.DER), media_type="application/pkix-cert",
                    headers={"Cache-Control": "public, max-age=86400"})
