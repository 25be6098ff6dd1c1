"""Making the authorities' own certificates, reading CSRs, keeping the metadata file.

The hierarchy's metadata (key labels, settings and every CA certificate in PEM) is one
JSON file, written whole-or-nothing: a temporary file, then a hard link (which refuses
to replace an existing hierarchy) or an atomic rename (for updates).
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mynumbercard.adapters.pki import profiles
from mynumbercard.adapters.pki.errors import CaAlreadyInitialised, CaNotInitialised, InvalidCsr
from mynumbercard.adapters.pki.keys import CaSigner, SignerKey
from mynumbercard.adapters.pki.profiles import CertKind
from mynumbercard.domain import errors

METADATA = "ca.json"
ROOT_LIFETIME = timedelta(days=20 * 365 + 5)
ISSUING_LIFETIME = timedelta(days=15 * 365 + 4)
OCSP_LIFETIME = timedelta(days=365)
MIN_SUBSCRIBER_KEY_BITS = 2048
SHA256 = hashes.SHA256()
_UNITS = {
    CertKind.SIGN: "JPKI for digital signature",
    CertKind.AUTH: "JPKI for user authentication",
}
_TITLES = {CertKind.SIGN: "Signature", CertKind.AUTH: "User Authentication"}


def aware(when: datetime, what: str) -> datetime:
    """An aware datetime in UTC, to the second; naive ones are refused."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise errors.InvalidInput(f"{what} must be an aware datetime")
    return when.astimezone(UTC).replace(microsecond=0)


def key_labels(ident: str) -> dict[str, str]:
    """Key labels by role; an id per hierarchy, so a failed set-up never blocks a retry."""
    labels = {role: f"mnc-{ident}-{role}" for role in ("root", "sign", "auth")}
    labels |= {f"{kind}-ocsp": f"mnc-{ident}-{kind}-ocsp-1" for kind in CertKind}
    return labels


def next_ocsp_label(current: str) -> str:
    stem, number = current.rsplit("-", 1)
    return f"{stem}-{int(number) + 1}"


def _name(kind: CertKind, ident: str, role: str) -> x509.Name:
    return profiles.ca_name(f"mynumbercard JPKI {_TITLES[kind]} {role} {ident}", _UNITS[kind])


def create_authorities(
    signers: dict[str, CaSigner], *, ident: str, now: datetime, ocsp_lifetime: timedelta
) -> dict[str, x509.Certificate]:
    """The root, both issuing CAs and both OCSP signers' certificates, by role."""
    root_key = signers["root"].public_key()
    root_name = profiles.ca_name(f"mynumbercard JPKI Root CA {ident}")
    root = profiles.ca_certificate(
        subject=root_name,
        issuer=root_name,
        public_key=root_key,
        issuer_key=root_key,
        path_length=1,
        not_before=now,
        lifetime=ROOT_LIFETIME,
    ).sign(SignerKey(signers["root"]), SHA256)
    certificates = {"root": root}
    for kind in CertKind:
        issuing = profiles.ca_certificate(
            subject=_name(kind, ident, "CA"),
            issuer=root_name,
            public_key=signers[kind].public_key(),
            issuer_key=root_key,
            path_length=0,
            not_before=now,
            lifetime=ISSUING_LIFETIME,
        ).sign(SignerKey(signers["root"]), SHA256)
        certificates[kind] = issuing
        certificates[f"{kind}-ocsp"] = ocsp_certificate(
            kind=kind,
            ident=ident,
            issuer=issuing,
            issuer_signer=signers[kind],
            public_key=signers[f"{kind}-ocsp"].public_key(),
            now=now,
            lifetime=ocsp_lifetime,
        )
    return certificates


def ocsp_certificate(
    *,
    kind: CertKind,
    ident: str,
    issuer: x509.Certificate,
    issuer_signer: CaSigner,
    public_key: rsa.RSAPublicKey,
    now: datetime,
    lifetime: timedelta,
) -> x509.Certificate:
    not_after = min(now + lifetime, issuer.not_valid_after_utc)
    return profiles.ocsp_signer_certificate(
        subject=_name(kind, ident, "OCSP Responder"),
        issuer=issuer,
        public_key=public_key,
        not_before=now,
        not_after=not_after,
    ).sign(SignerKey(issuer_signer), SHA256)


def csr_public_key(csr_pem: bytes) -> rsa.RSAPublicKey:
    """The key of a CSR whose self-signature verifies (proof of possession).

    Only the key is taken: the CA, not the request, decides subject and extensions.
    """
    try:
        csr = x509.load_pem_x509_csr(csr_pem)
        valid = csr.is_signature_valid
        public_key = csr.public_key()
    except (ValueError, TypeError):
        raise InvalidCsr("the certificate request is not a readable PEM CSR") from None
    if not valid:
        raise InvalidCsr(
            "the certificate request's signature does not verify (no proof of possession)"
        )
    if (
        not isinstance(public_key, rsa.RSAPublicKey)
        or public_key.key_size < MIN_SUBSCRIBER_KEY_BITS
    ):
        raise InvalidCsr("the certificate request must carry an RSA key of at least 2048 bits")
    return public_key


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def read_metadata(directory: Path) -> dict[str, Any]:
    try:
        metadata = json.loads((directory / METADATA).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaNotInitialised() from None
    except (OSError, ValueError) as exc:
        raise errors.Conflict(f"the CA metadata in {directory} is unreadable") from exc
    if not isinstance(metadata, dict) or metadata.get("format") != 1:
        raise errors.Conflict(f"the CA metadata in {directory} is not in a known format")
    return metadata


def write_metadata(directory: Path, metadata: dict[str, Any], *, exclusive: bool) -> None:
    """Whole-or-nothing; exclusive refuses (CaAlreadyInitialised) to replace a hierarchy."""
    path = directory / METADATA
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with temporary.open("w", encoding="utf-8") as out:
        json.dump(metadata, out, indent=2)
        out.flush()
        os.fsync(out.fileno())
    try:
        if exclusive:
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise CaAlreadyInitialised() from None
        else:
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
