"""What the certificate use cases need from the CA and from the card at the counter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from mynumbercard.domain.certificate import CertKind, RevocationReason
from mynumbercard.domain.pins import PinKind


@dataclass(frozen=True, slots=True)
class Holder:
    """The basic four facts written into a signature certificate."""

    name: str
    name_kana: str
    birth_date: date
    sex: str
    address: str

    def __repr__(self) -> str:
        return "Holder(<redacted>)"


@dataclass(frozen=True, slots=True)
class Revoked:
    serial: int
    revoked_at: datetime
    reason: RevocationReason


class CertificateAuthority(Protocol):
    """The JPKI CA: signs certificates, CRLs and OCSP responses; keys never leave it."""

    @property
    def crl_shards(self) -> int: ...

    def shard_of(self, serial: int) -> int: ...

    def issue(self, *, kind: CertKind, csr_pem: bytes, serial: int, holder: Holder | None,
              not_before: datetime, not_after: datetime) -> bytes:
        """The certificate, DER."""
        ...

    def issuing_certificate_der(self, kind: CertKind) -> bytes:
        """The certificate of the CA that issues `kind` (DER), for the chip's CA EF."""
        ...

    def ocsp_good(self, *, kind: CertKind, serial: int, this_update: datetime,
                  next_update: datetime) -> bytes: ...

    def ocsp_revoked(self, *, kind: CertKind, serial: int, revoked_at: datetime,
                     reason: RevocationReason, this_update: datetime,
                     next_update: datetime) -> bytes: ...

    def ocsp_unknown(self, *, kind: CertKind, serial: int, this_update: datetime,
                     next_update: datetime) -> bytes: ...

    def ocsp_unauthorized(self) -> bytes:
        """The unsigned `unauthorized` OCSPResponse (RFC 6960 §2.3): no status kept."""
        ...

    def crl(self, *, kind: CertKind, shard: int, entries: Iterable[Revoked], number: int,
            this_update: datetime, next_update: datetime, delta_base: int | None) -> bytes: ...

    def crl_name(self, kind: CertKind, shard: int, *, delta: bool) -> str:
        """The file name under which the CRL is published, e.g. ``sign/17.crl``."""
        ...


class ChipCommand(StrEnum):
    """The administrative commands the counter's terminal asks the server to authorise
    (a PIN reset has its own request)."""

    GENERATE_KEY_PAIR = "generate_key_pair"
    DELETE_KEY_PAIR = "delete_key_pair"
    WRITE_CERTIFICATE = "write_certificate"
    WRITE_CA_CERTIFICATE = "write_ca_certificate"
    SET_INITIAL_PINS = "set_initial_pins"


@dataclass(frozen=True, slots=True)
class ChipRequest:
    """One administrative command, without the holder's secrets (no PIN is ever here:
    for SET_INITIAL_PINS only which PINs)."""

    command: ChipCommand
    kind: CertKind | None = None
    pins: frozenset[PinKind] = frozenset()
    certificate_der: bytes = field(default=b"", repr=False)


class AdminAuthoriser(Protocol):
    """The card-management key, signing one admin command for a challenge a card gave
    (the counter's terminal relays it to the card in its reader)."""

    def authorise_command(self, card_number: str, challenge: bytes,
                          request: ChipRequest) -> bytes:
        """The authorization (challenge and signature) of `request` on this card, once."""
        ...

    def authorise_pin_reset(self, card_number: str, challenge: bytes, kind: PinKind) -> bytes:
        """The authorization (challenge and signature) of a PIN reset; the new PIN is
        not in what is signed and never reaches the server."""
        ...


class CardTerminal(Protocol):
    """The card in the counter's reader; admin commands carry the card-management key."""

    @property
    def card_number(self) -> str: ...

    def set_initial_pins(self, pins: Mapping[PinKind, str]) -> None: ...

    def generate_key_pair(self, kind: CertKind) -> bytes:
        """A CSR (PEM) for a new key pair made on the chip."""
        ...

    def write_certificate(self, kind: CertKind, certificate_der: bytes) -> None: ...

    def write_ca_certificate(self, kind: CertKind, certificate_der: bytes) -> None:
        """The issuing CA's certificate, for readers (JPKI EF 0002 / 000B)."""
        ...

    def reset_pin(self, kind: PinKind, new_pin: str) -> None: ...


class CrlSink(Protocol):
    """Where published CRLs go (files under the data directory, or object storage)."""

    def publish(self, name: str, der: bytes) -> str:
        """Store atomically; return where it went."""
        ...
