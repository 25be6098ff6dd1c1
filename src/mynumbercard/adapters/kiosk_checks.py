"""The kiosk's `AnswerChecker`: the user-authentication certificate must be signed by
our JPKI user-authentication CA and its key must have signed the challenge (RSA PKCS#1
v1.5, SHA-256, as the chip signs); the OCSP answers are our own, read for their status.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp

from mynumbercard.adapters.pki import CaHierarchy
from mynumbercard.domain.certificate import CertificateStatus, CertKind, RevocationReason
from mynumbercard.domain.errors import AuthenticationFailed
from mynumbercard.services.kiosk_ports import CardAnswer, OcspStatus

NOT_OURS = "the certificate is not from the JPKI user-authentication CA"
BAD_SIGNATURE = "the card's signature does not verify with its certificate"


class KioskAnswerChecker:
    def __init__(self, hierarchy: CaHierarchy | x509.Certificate) -> None:
        """The JPKI user-authentication CA's certificate (or the hierarchy holding it)."""
        issuer = hierarchy if isinstance(hierarchy, x509.Certificate) \
            else hierarchy.issuing_certificate(CertKind.AUTH)
        self._issuer = issuer
        self._issuer_key = issuer.public_key()

    def _ours(self, certificate_der: bytes) -> x509.Certificate:
        try:
            certificate = x509.load_der_x509_certificate(certificate_der)
            if certificate.issuer != self._issuer.subject:
                raise AuthenticationFailed(NOT_OURS)
            certificate.verify_directly_issued_by(self._issuer)
        except (ValueError, TypeError, InvalidSignature):
            raise AuthenticationFailed(NOT_OURS) from None
        return certificate

    def issued_serial(self, certificate_der: bytes) -> int:
        return self._ours(certificate_der).serial_number

    def check(self, *, certificate_der: bytes, signature: bytes, data: bytes) -> CardAnswer:
        certificate = self._ours(certificate_der)
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise AuthenticationFailed(NOT_OURS)
        try:
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise AuthenticationFailed(BAD_SIGNATURE) from None
        return CardAnswer(certificate.serial_number, certificate.not_valid_before_utc,
                          certificate.not_valid_after_utc)

    def ocsp_status(self, der: bytes) -> OcspStatus | None:
        answer = ocsp.load_der_ocsp_response(der)
        if answer.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
            return None
        status = answer.certificate_status
        if status is ocsp.OCSPCertStatus.GOOD:
            return OcspStatus(CertificateStatus.ACTIVE)
        if status is ocsp.OCSPCertStatus.UNKNOWN:
            return None
        reason = answer.revocation_reason
        if reason is x509.ReasonFlags.certificate_hold:
            return OcspStatus(CertificateStatus.SUSPENDED, RevocationReason.CERTIFICATE_HOLD)
        return OcspStatus(CertificateStatus.REVOKED, _reason(reason))


def _reason(flag: x509.ReasonFlags | None) -> RevocationReason | None:
    if flag is None:
        return None
    try:
        return RevocationReason(flag.value)
    except ValueError:
        return None
