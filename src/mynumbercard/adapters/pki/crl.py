"""CRLs (RFC 5280 §5), full and delta, one shard at a time, encoded here for speed.

`cryptography`'s CRL builder costs tens of microseconds per revoked certificate; a
shard's revokedCertificates list is encoded here in a tight loop instead, and the
TBSCertList is signed once through the CA's `CaSigner`. The CRL extensions, built
once per shard, come from `cryptography`'s extension types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from mynumbercard.adapters.pki import der
from mynumbercard.adapters.pki.keys import CaSigner
from mynumbercard.domain import errors

SHA256_WITH_RSA = der.sequence(der.oid("1.2.840.113549.1.1.11"), der.tlv(der.NULL, b""))
MAX_CRL_NUMBER = 2**159  # CRLNumber is at most 20 octets (RFC 5280 §5.2.3)

REASON_CODES: dict[x509.ReasonFlags, int] = {
    x509.ReasonFlags.unspecified: 0,
    x509.ReasonFlags.key_compromise: 1,
    x509.ReasonFlags.ca_compromise: 2,
    x509.ReasonFlags.affiliation_changed: 3,
    x509.ReasonFlags.superseded: 4,
    x509.ReasonFlags.cessation_of_operation: 5,
    x509.ReasonFlags.certificate_hold: 6,
    x509.ReasonFlags.remove_from_crl: 8,
    x509.ReasonFlags.privilege_withdrawn: 9,
    x509.ReasonFlags.aa_compromise: 10,
}
# reasonCode entry extension; "unspecified" is left out, as RFC 5280 §5.3.1 asks.
_REASON_EXTENSIONS = {
    reason: b""
    if code == 0
    else der.sequence(der.oid("2.5.29.21"), der.octet_string(der.enumerated(code)))
    for reason, code in REASON_CODES.items()
}
_INVALIDITY_DATE = der.oid("2.5.29.24")
_SHORT_LENGTHS = [bytes((n,)) for n in range(0x80)]


@dataclass(frozen=True)
class RevokedEntry:
    """One revoked (or held) certificate. invalidity_date: when the key was known or
    suspected to be compromised, or the certificate otherwise became invalid."""

    serial: int
    revoked_at: datetime
    reason: x509.ReasonFlags
    invalidity_date: datetime | None = None


def extension(value: x509.ExtensionType, *, critical: bool = False) -> bytes:
    parts = [der.oid(value.oid.dotted_string)]
    if critical:
        parts.append(der.boolean(True))
    parts.append(der.octet_string(value.public_bytes()))
    return der.sequence(*parts)


def encode_entries(
    entries: Iterable[RevokedEntry],
    *,
    belongs: Callable[[int], bool],
    delta: bool,
) -> bytes:
    """The revokedCertificates SEQUENCE (b"" when empty: RFC 5280 wants it absent).

    The hot loop of CRL publication: about a microsecond or two per entry.
    """
    parts: list[bytes] = []
    append = parts.append
    seen: set[int] = set()
    add_seen = seen.add
    time, short = der.time, _SHORT_LENGTHS
    reason_extensions = _REASON_EXTENSIONS
    hold_release = x509.ReasonFlags.remove_from_crl
    try:
        for entry in entries:
            serial = entry.serial
            if serial in seen or serial <= 0 or not belongs(serial):
                raise errors.InvalidInput(
                    f"serial {serial:X} is repeated, not positive, or not in this CRL shard"
                )
            add_seen(serial)
            reason = entry.reason
            if reason is hold_release and not delta:
                raise errors.InvalidInput("removeFromCRL belongs in delta CRLs only")
            extensions = reason_extensions[reason]
            if entry.invalidity_date is not None:
                extensions += der.sequence(
                    _INVALIDITY_DATE,
                    der.octet_string(der.generalized_time(entry.invalidity_date)),
                )
            number = serial.to_bytes((serial.bit_length() + 8) // 8, "big")
            body = b"\x02" + short[len(number)] + number + time(entry.revoked_at)
            if extensions:
                body += der.tlv(0x30, extensions)
            append(b"\x30" + short[len(body)] + body if len(body) < 0x80 else der.tlv(0x30, body))
    except ValueError as exc:  # naive datetimes
        raise errors.InvalidInput(str(exc)) from None
    except (KeyError, IndexError):
        raise errors.InvalidInput("unknown revocation reason or serial too large") from None
    if not parts:
        return b""
    return der.tlv(0x30, b"".join(parts))


def build_crl(
    *,
    signer: CaSigner,
    issuer_name: bytes,
    authority_key_id: bytes,
    entries: Iterable[RevokedEntry],
    belongs: Callable[[int], bool],
    number: int,
    this_update: datetime,
    next_update: datetime,
    scope_url: str,
    freshest_url: str | None,
    delta_base: int | None,
) -> bytes:
    """A signed CRL, DER. scope_url names the shard (the IssuingDistributionPoint; a
    delta CRL has the same scope as its base, RFC 5280 §5.2.4)."""
    if not 0 <= number < MAX_CRL_NUMBER:
        raise errors.InvalidInput("the CRL number must be a non-negative 20-octet integer")
    if delta_base is not None and not 0 <= delta_base < number:
        raise errors.InvalidInput("a delta CRL's base number must be lower than its own")
    try:
        dates = der.time(this_update) + der.time(next_update)
    except ValueError as exc:
        raise errors.InvalidInput(str(exc)) from None
    if next_update <= this_update:
        raise errors.InvalidInput("nextUpdate must be after thisUpdate")
    revoked = encode_entries(entries, belongs=belongs, delta=delta_base is not None)
    scope = x509.IssuingDistributionPoint(
        full_name=[x509.UniformResourceIdentifier(scope_url)],
        relative_name=None,
        only_contains_user_certs=True,
        only_contains_ca_certs=False,
        only_some_reasons=None,
        indirect_crl=False,
        only_contains_attribute_certs=False,
    )
    extensions = [
        extension(x509.AuthorityKeyIdentifier(authority_key_id, None, None)),
        extension(x509.CRLNumber(number)),
        extension(scope, critical=True),
    ]
    if delta_base is not None:
        extensions.append(extension(x509.DeltaCRLIndicator(delta_base), critical=True))
    elif freshest_url is not None:
        where = [x509.UniformResourceIdentifier(freshest_url)]
        point = x509.DistributionPoint(where, None, None, None)
        extensions.append(extension(x509.FreshestCRL([point])))
    tbs = der.sequence(
        der.integer(1),  # v2
        SHA256_WITH_RSA,
        issuer_name,
        dates,
        revoked,
        der.explicit(0, der.sequence(*extensions)),
    )
    return der.sequence(tbs, SHA256_WITH_RSA, der.bit_string(signer.sign(tbs)))
