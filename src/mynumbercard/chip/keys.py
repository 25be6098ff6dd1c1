"""The chip's RSA key pairs: generation, CSRs, signing, matching certificates.

Private keys enter and leave these functions only as PKCS#8 DER bytes read from and
written to the card file by ``chip.card``; nothing here returns a private key to a
caller outside the chip package.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mynumbercard.domain import errors
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.pins import CardError, PinKind

RSA_BITS = 2048
PUBLIC_EXPONENT = 65537


# The two key pairs are those of the two certificates: sign (署名用, behind the
# signature password) and auth (利用者証明用, behind the 4-digit PIN).
KeyKind = CertKind


KEY_LABELS: dict[KeyKind, str] = {
    KeyKind.SIGN: "signature",
    KeyKind.AUTH: "user-authentication",
}

PIN_FOR_KEY: dict[KeyKind, PinKind] = {
    KeyKind.SIGN: PinKind.SIGNATURE,
    KeyKind.AUTH: PinKind.USER_AUTH,
}


def as_key_kind(value: str) -> KeyKind:
    """``value`` as a ``KeyKind``; ``InvalidInput`` naming the accepted values otherwise."""
    try:
        return KeyKind(value)
    except ValueError:
        accepted = ", ".join(kind.value for kind in KeyKind)
        raise errors.InvalidInput(f"unknown key kind: expected one of {accepted}") from None


def as_pin_kind(value: str) -> PinKind:
    """``value`` as a ``PinKind``; ``InvalidInput`` naming the accepted values otherwise."""
    try:
        return PinKind(value)
    except ValueError:
        accepted = ", ".join(kind.value for kind in PinKind)
        raise errors.InvalidInput(f"unknown PIN kind: expected one of {accepted}") from None


def generate_private_key_der() -> bytes:
    """A new RSA-2048 key (e = 65537) as unencrypted PKCS#8 DER."""
    key = rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=RSA_BITS)
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load(private_der: bytes, *, validate: bool = True) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_der_private_key(
            private_der, password=None, unsafe_skip_rsa_key_validation=not validate)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise CardError("the card file is corrupted: a key on the chip is unreadable") from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != RSA_BITS:
        raise CardError("the card file is corrupted: a key on the chip is not RSA-2048")
    return key


def public_key_der(private_der: bytes) -> bytes:
    """The SubjectPublicKeyInfo (DER) of the key pair."""
    return (
        _load(private_der)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def public_key_pem(private_der: bytes) -> bytes:
    return (
        _load(private_der)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def make_csr_pem(private_der: bytes) -> bytes:
    """A PKCS#10 request with an empty subject, signed by the key (proof of possession).

    The CA writes the subject from its own records; the request only carries the key.
    """
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(_load(private_der), hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM)


def sign(private_der: bytes, data: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 with SHA-256 over ``data``."""
    return _load(private_der).sign(data, padding.PKCS1v15(), hashes.SHA256())


def certificate_der(pem: bytes) -> bytes:
    """The DER of a PEM certificate; ``CardError`` if it is not one."""
    if not isinstance(pem, bytes):
        raise CardError("the certificate must be given as PEM bytes")
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise CardError("not a PEM X.509 certificate") from None
    return cert.public_bytes(serialization.Encoding.DER)


def certificate_pem(der: bytes) -> bytes:
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        raise CardError("the card file is corrupted: a certificate is unreadable") from None
    return cert.public_bytes(serialization.Encoding.PEM)


def certificate_public_key_der(cert_der: bytes) -> bytes:
    try:
        cert = x509.load_der_x509_certificate(cert_der)
        public_key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise CardError("the certificate's public key is unreadable") from None
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


MAX_RAW_INPUT = RSA_BITS // 8 - 11  # EMSA-PKCS1-v1_5 needs 11 bytes of padding


def sign_raw(private_der: bytes, payload: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 over ``payload`` as given (a DigestInfo the caller built): the
    block ``00 01 FF..FF 00 payload`` raised to the private exponent (RFC 8017, 8.2.1
    with the hashing done by the caller), as the card's COMPUTE DIGITAL SIGNATURE does.
    """
    if not 0 < len(payload) <= MAX_RAW_INPUT:
        raise errors.InvalidInput(f"1 to {MAX_RAW_INPUT} bytes can be signed")
    # the key's checks cost 130 ms a load; the check of the result below is what keeps a
    # broken key from giving out a faulty signature (RSA-CRT fault leak)
    numbers = _load(private_der, validate=False).private_numbers()
    size = RSA_BITS // 8
    block = b"\x00\x01" + b"\xff" * (size - 3 - len(payload)) + b"\x00" + payload
    message = int.from_bytes(block, "big")
    # CRT: two half-size exponentiations instead of one full one
    m1 = pow(message, numbers.dmp1, numbers.p)
    m2 = pow(message, numbers.dmq1, numbers.q)
    h = (numbers.iqmp * (m1 - m2)) % numbers.p
    signature = m2 + h * numbers.q
    public = numbers.public_numbers
    if pow(signature, public.e, public.n) != message:  # never give out a faulty result
        raise CardError("the chip's signature did not verify")
    return signature.to_bytes(size, "big")
