"""What relying parties fetch besides OCSP (see `web/ocsp.py`): CRLs, CA certificates."""

from __future__ import annotations

from typing import Annotated

from cryptography.hazmat.primitives.serialization import Encoding
from fastapi import APIRouter, Path
from fastapi.responses import FileResponse, Response

from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import NotFound
from mynumbercard.web.deps import ContainerDep

router = APIRouter(tags=["certificate status"])


@router.get("/crl/audit/{name}", summary="The audit chain's head and its detached signature "
            "by the signature CA (written by `crl publish`)", response_class=FileResponse)
def audit_head(name: Annotated[str, Path(pattern=r"^head\.json(\.sig)?$")],
               container: ContainerDep) -> FileResponse:
    # Declared before /crl/{kind}/{name}, which would otherwise take "audit" for a kind.
    path = container.crl_sink.path_of(f"audit/{name}")
    if not path.is_file():
        raise NotFound("no audit head has been published")
    media = "application/octet-stream" if name.endswith(".sig") else "application/json"
    return FileResponse(path, media_type=media, headers={"Cache-Control": "public, max-age=3600"})


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
