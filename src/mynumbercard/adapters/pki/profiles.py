"""Certificate profiles: the CAs, the delegated OCSP signers, and the two JPKI
end-entity certificates. Every OID here is listed with its source in docs/pki.md.

The signature certificate (署名用電子証明書) carries the holder's basic four facts
(基本4情報) in subjectAltName otherName entries under JPKI's arc 1.2.392.200149.8.5.5,
each value a UTF8String, in the order a real card shows them: name (.1), date of birth
(.4, "EYYYYMMDD": era code then the Gregorian date), sex (.3: 1 male, 2 female, 3
unknown), address (.5), and the substitute-character position strings for the name
(.2) and the address (.6): one digit per character, "1" where the character was
replaced by a substitute. We keep every character (UTF-8), so those are all "0".
JPKI does not put the kana name in the certificate, so neither do we.
The user-authentication certificate (利用者証明用電子証明書) carries no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from mynumbercard.adapters.pki import der
from mynumbercard.domain import errors
from mynumbercard.domain.certificate import CertKind as DomainCertKind

JPKI_PERSONAL_DATA = "1.2.392.200149.8.5.5"
OID_NAME = x509.ObjectIdentifier(JPKI_PERSONAL_DATA + ".1")
OID_NAME_SUBSTITUTES = x509.ObjectIdentifier(JPKI_PERSONAL_DATA + ".2")
OID_SEX = x509.ObjectIdentifier(JPKI_PERSONAL_DATA + ".3")
OID_BIRTH_DATE = x509.ObjectIdentifier(JPKI_PERSONAL_DATA + ".4")
OID_ADDRESS = x509.ObjectIdentifier(JPKI_PERSONAL_DATA + ".5")
OID_ADDRESS_SUBSTITUTES = x509.ObjectIdentifier(JPKI_PERSONAL_DATA + ".6")
POLICY_SIGN = x509.ObjectIdentifier("1.2.392.200149.8.5.1.1.20")
POLICY_AUTH = x509.ObjectIdentifier("1.2.392.200149.8.5.1.3.30")

ORGANISATION = "mynumbercard JPKI"
ADDRESS_MAX_CHARS = 200  # JPKI profile: the address is at most 200 characters
_SEX_CODES = {"male": "1", "female": "2", "unknown": "3"}
# Era codes of the birth date: (first day of the era, code). Before Meiji: 0 (unknown).
_ERAS = (
    (date(2019, 5, 1), "5"),  # Reiwa
    (date(1989, 1, 8), "4"),  # Heisei
    (date(1926, 12, 25), "3"),  # Showa
    (date(1912, 7, 30), "2"),  # Taisho
    (date(1868, 10, 23), "1"),  # Meiji
)


_KEY_USAGE_BITS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


# The two JPKI certificates, as the domain names them.
CertKind = DomainCertKind


@dataclass(frozen=True)
class HolderIdentity:
    """The basic four facts for a signature certificate (the kana name is not written)."""

    name: str
    name_kana: str
    birth_date: date
    sex: str  # "male" / "female" ("unknown" is JPKI's code 3)
    address: str

    def __repr__(self) -> str:  # personal data stays out of logs and tracebacks
        return "HolderIdentity(<redacted>)"


def era_birth_date(born: date) -> str:
    """JPKI's EYYYYMMDD: the era code, then the Gregorian date."""
    code = next((c for start, c in _ERAS if born >= start), "0")
    return f"{code}{born:%Y%m%d}"


def holder_other_names(holder: HolderIdentity) -> list[x509.GeneralName]:
    name = holder.name.strip()
    address = holder.address.strip()
    if not name or not address:
        raise errors.InvalidInput("a signature certificate needs the holder's name and address")
    if len(address) > ADDRESS_MAX_CHARS:
        raise errors.InvalidInput(f"the address is longer than {ADDRESS_MAX_CHARS} characters")
    if holder.sex not in _SEX_CODES:
        raise errors.InvalidInput("sex must be 'male', 'female' or 'unknown'")
    values = (
        (OID_NAME, name),
        (OID_BIRTH_DATE, era_birth_date(holder.birth_date)),
        (OID_SEX, _SEX_CODES[holder.sex]),
        (OID_ADDRESS, address),
        (OID_NAME_SUBSTITUTES, "0" * len(name)),
        (OID_ADDRESS_SUBSTITUTES, "0" * len(address)),
    )
    return [x509.OtherName(oid, der.utf8_string(value)) for oid, value in values]


def ca_name(common_name: str, unit: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
    ]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def subscriber_name(serial: int) -> x509.Name:
    """Only a serial-derived identifier: no name, address or number of the holder."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{serial:X}"),
        ]
    )


def _base(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public_key: rsa.RSAPublicKey,
    serial: int,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _key_usage(**bits: bool) -> x509.KeyUsage:
    return x509.KeyUsage(**{name: bits.get(name, False) for name in _KEY_USAGE_BITS})


def ca_certificate(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public_key: rsa.RSAPublicKey,
    issuer_key: rsa.RSAPublicKey,
    path_length: int,
    not_before: datetime,
    lifetime: timedelta,
) -> x509.CertificateBuilder:
    """A root (issuer is subject) or an issuing CA: keyCertSign + cRLSign, pathlen."""
    builder = _base(
        subject=subject,
        issuer=issuer,
        public_key=public_key,
        serial=x509.random_serial_number(),
        not_before=not_before,
        not_after=not_before + lifetime,
    )
    builder = builder.add_extension(
        x509.BasicConstraints(ca=True, path_length=path_length), critical=True
    ).add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
    if issuer != subject:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key), critical=False
        )
    return builder


def ocsp_signer_certificate(
    *,
    subject: x509.Name,
    issuer: x509.Certificate,
    public_key: rsa.RSAPublicKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    """RFC 6960 §4.2.2.2 delegated responder: id-kp-OCSPSigning and id-pkix-ocsp-nocheck."""
    return (
        _base(
            subject=subject,
            issuer=issuer.subject,
            public_key=public_key,
            serial=x509.random_serial_number(),
            not_before=not_before,
            not_after=not_after,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        .add_extension(x509.OCSPNoCheck(), critical=False)
        .add_extension(_authority_key_id(issuer), critical=False)
    )


def _authority_key_id(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def subscriber_certificate(
    *,
    kind: CertKind,
    issuer: x509.Certificate,
    public_key: rsa.RSAPublicKey,
    serial: int,
    holder: HolderIdentity | None,
    not_before: datetime,
    not_after: datetime,
    crl_url: str,
    delta_crl_url: str,
    ocsp_url: str,
    ca_issuers_url: str,
) -> x509.CertificateBuilder:
    builder = (
        _base(
            subject=subscriber_name(serial),
            issuer=issuer.subject,
            public_key=public_key,
            serial=serial,
            not_before=not_before,
            not_after=not_after,
        )
        .add_extension(_authority_key_id(issuer), critical=False)
        .add_extension(x509.CRLDistributionPoints([_distribution_point(crl_url)]), critical=False)
        .add_extension(x509.FreshestCRL([_distribution_point(delta_crl_url)]), critical=False)
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(ca_issuers_url),
                    ),
                ]
            ),
            critical=False,
        )
    )
    if kind is CertKind.SIGN:
        if holder is None:
            raise errors.InvalidInput("a signature certificate needs the holder's identity")
        return (
            builder.add_extension(
                _key_usage(digital_signature=True, content_commitment=True), critical=True
            )
            .add_extension(_policy(POLICY_SIGN), critical=False)
            .add_extension(x509.SubjectAlternativeName(holder_other_names(holder)), critical=False)
        )
    return (
        builder.add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(_policy(POLICY_AUTH), critical=False)
    )


def _policy(oid: x509.ObjectIdentifier) -> x509.CertificatePolicies:
    return x509.CertificatePolicies([x509.PolicyInformation(oid, None)])


def _distribution_point(url: str) -> x509.DistributionPoint:
    return x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(url)],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )
