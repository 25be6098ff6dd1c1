"""The CA port over the JPKI hierarchy of `adapters/pki`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from mynumbercard.adapters.pki import (
    CaHierarchy,
    HolderIdentity,
    OcspStatus,
    RevokedEntry,
    ocsp_error_response,
)
from mynumbercard.domain.certificate import CertKind, RevocationReason
from mynumbercard.services.console_ports import CaCertificate
from mynumbercard.services.pki_ports import Holder, Revoked

REASON_FLAGS: dict[RevocationReason, x509.ReasonFlags] = {
    RevocationReason.UNSPECIFIED: x509.ReasonFlags.unspecified,
    RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
    RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    RevocationReason.CESSATION_OF_OPERATION: x509.ReasonFlags.cessation_of_operation,
    RevocationReason.PRIVILEGE_WITHDRAWN: x509.ReasonFlags.privilege_withdrawn,
    RevocationReason.CERTIFICATE_HOLD: x509.ReasonFlags.certificate_hold,
    RevocationReason.REMOVE_FROM_CRL: x509.ReasonFlags.remove_from_crl,
}

_STATUSES = {ocsp.OCSPCertStatus.GOOD: OcspStatus.GOOD,
             ocsp.OCSPCertStatus.REVOKED: OcspStatus.REVOKED,
             ocsp.OCSPCertStatus.UNKNOWN: OcspStatus.UNKNOWN}


class JpkiAuthority:
    def __init__(self, hierarchy: CaHierarchy) -> None:
        self.hierarchy = hierarchy

    @property
    def crl_shards(self) -> int:
        return self.hierarchy.crl_shards

    def shard_of(self, serial: int) -> int:
        return self.hierarchy.shard_of(serial)

    def issue(self, *, kind: CertKind, csr_pem: bytes, serial: int, holder: Holder | None,
              not_before: datetime, not_after: datetime) -> bytes:
        identity = None
        if holder is not None:
            identity = HolderIdentity(name=holder.name, name_kana=holder.name_kana,
                                      birth_date=holder.birth_date, sex=holder.sex,
                                      address=holder.address)
        certificate = self.hierarchy.issue(kind=kind, csr_pem=csr_pem, serial=serial,
                                           holder=identity, not_before=not_before,
                                           not_after=not_after)
        return certificate.public_bytes(Encoding.DER)

    def issuing_certificate_der(self, kind: CertKind) -> bytes:
        return self.hierarchy.issuing_certificate(kind).public_bytes(Encoding.DER)

    def public_certificates(self) -> list[CaCertificate]:
        """The root, both issuing CAs and both OCSP signers: certificates, never a key."""
        found = [("root", self.hierarchy.root_certificate)]
        for kind in CertKind:
            found += [(kind.value, self.hierarchy.issuing_certificate(kind)),
                      (f"{kind.value}-ocsp", self.hierarchy.ocsp_certificate(kind))]
        return [CaCertificate(role, cert.subject.rfc4514_string(), f"{cert.serial_number:x}",
                              cert.not_valid_before_utc, cert.not_valid_after_utc)
                for role, cert in found]

    def _ocsp(self, kind: CertKind, serial: int, status: OcspStatus, *, this_update: datetime,
              next_update: datetime, revoked_at: datetime | None = None,
              reason: RevocationReason | None = None) -> bytes:
        return self.hierarchy.ocsp_response(
            kind=kind, serial=serial, status=status, revoked_at=revoked_at,
            reason=REASON_FLAGS[reason] if reason else None, this_update=this_update,
            next_update=next_update)

    def ocsp_good(self, *, kind: CertKind, serial: int, this_update: datetime,
                  next_update: datetime) -> bytes:
        return self._ocsp(kind, serial, OcspStatus.GOOD, this_update=this_update,
                          next_update=next_update)

    def ocsp_revoked(self, *, kind: CertKind, serial: int, revoked_at: datetime,
                     reason: RevocationReason, this_update: datetime,
                     next_update: datetime) -> bytes:
        return self._ocsp(kind, serial, OcspStatus.REVOKED, this_update=this_update,
                          next_update=next_update, revoked_at=revoked_at, reason=reason)

    def ocsp_unknown(self, *, kind: CertKind, serial: int, this_update: datetime,
                     next_update: datetime) -> bytes:
        return self._ocsp(kind, serial, OcspStatus.UNKNOWN, this_update=this_update,
                          next_update=next_update)

    def ocsp_unauthorized(self) -> bytes:
        return ocsp_error_response(ocsp.OCSPResponseStatus.UNAUTHORIZED)

    def ocsp_rehashed(self, *, kind: CertKind, serial: int, response: bytes,
                      hash_algorithm: hashes.HashAlgorithm) -> bytes:
        """The same answer as `response` (one of ours, for this certificate: same status,
        revocation, thisUpdate, nextUpdate, producedAt), its CertID hashed with
        `hash_algorithm`: a client matches a response to its request by the whole CertID."""
        parsed = ocsp.load_der_ocsp_response(response)
        if parsed.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL or (
                parsed.serial_number != serial):
            raise ValueError("not a successful response for this serial")
        next_update = parsed.next_update_utc
        if next_update is None:  # pragma: no cover - ours always carry one
            raise ValueError("a pre-produced response carries its nextUpdate")
        status = _STATUSES[parsed.certificate_status]
        revoked = status is OcspStatus.REVOKED
        return self.hierarchy.ocsp_response(
            kind=kind, serial=serial, status=status,
            revoked_at=parsed.revocation_time_utc if revoked else None,
            reason=(parsed.revocation_reason or x509.ReasonFlags.unspecified) if revoked else None,
            this_update=parsed.this_update_utc, next_update=next_update,
            hash_algorithm=hash_algorithm, produced_at=parsed.produced_at_utc)

    def crl(self, *, kind: CertKind, shard: int, entries: Iterable[Revoked], number: int,
            this_update: datetime, next_update: datetime, delta_base: int | None) -> bytes:
        return self.hierarchy.build_crl(
            kind=kind, shard=shard,
            entries=(RevokedEntry(e.serial, e.revoked_at, REASON_FLAGS[e.reason])
                     for e in entries),
            number=number, this_update=this_update, next_update=next_update,
            delta_base=delta_base)

    def sign_audit_head(self, data: bytes) -> bytes:
        """The audit chain's head, signed by the signature CA (the key that signs its
        CRLs); `openssl dgst -sha256 -verify` checks it with sign-ca.pem's key."""
        return self.hierarchy.sign_statement(CertKind.SIGN, data)

    def crl_name(self, kind: CertKind, shard: int, *, delta: bool) -> str:
        return f"{kind.value}/{shard}{'-delta' if delta else ''}.crl"



class AuditHeadChecker:
    """Checks the audit chain's signed head with the signature CA's certificate alone:
    no key, no passphrase (an auditor's `audit verify` needs neither)."""

    def __init__(self, signature_ca: x509.Certificate) -> None:
        self._certificate = signature_ca

    def audit_head_signature_valid(self, data: bytes, signature: bytes) -> bool:
        key = self._certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):  # pragma: no cover - our CAs are RSA
            return False
        try:
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True
