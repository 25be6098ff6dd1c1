"""Relying parties: registered by an administrator, authenticated per request by a
signed API key (docs/services.md "Relying parties").

The secret is shown once, at registration, and kept sealed (AES-GCM) because the server
must recompute each HMAC. An unknown key id and a wrong signature get the same answer,
so an unregistered caller learns nothing; a known key's refused request is audited."""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from mynumbercard.domain.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied
from mynumbercard.domain.relying_party import (
    KEY_ID,
    MAX_SKEW,
    NONCE,
    SIGNATURE,
    PartyKind,
    RelyingParty,
    check_fingerprint,
    check_name,
    signature_matches,
)
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.ports import AuditLog, AuditRecord, Transaction

REFUSED = "the request is not signed by a registered party"
MAX_PATH = 2048
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class RelyingParties(Protocol):
    def add(self, party: RelyingParty, sealed_secret: bytes, *, now: datetime,
            by: str) -> int: ...
    def by_key_id(self, key_id: str) -> tuple[RelyingParty, bytes] | None: ...
    def all(self) -> Sequence[RelyingParty]: ...
    def disable(self, key_id: str) -> bool: ...
    def note_nonce(self, key_id: str, nonce: str, *, now: datetime,
                   forget_before: datetime) -> bool:
        """Record the nonce; False when it was seen already (a replay)."""
        ...


class SecretSealer(Protocol):
    def seal(self, secret: bytes) -> bytes: ...
    def open(self, sealed: bytes) -> bytes: ...


class RelyingPartyUnit(Transaction, Protocol):
    @property
    def relying_parties(self) -> RelyingParties: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], RelyingPartyUnit]


@dataclass(frozen=True, slots=True)
class PartyCredential:
    """What the party's system is given once: its key id and secret (hexadecimal)."""

    key_id: str
    secret: str
    name: str
    kind: PartyKind

    def __repr__(self) -> str:
        return f"PartyCredential({self.key_id!r}, <secret>)"


@dataclass(frozen=True, slots=True)
class PartyView:
    key_id: str
    name: str
    kind: PartyKind
    active: bool
    client_cert_sha256: str | None  # mutual TLS: the certificate it must present

    @classmethod
    def of(cls, party: RelyingParty) -> PartyView:
        return cls(party.key_id, party.name, party.kind, party.active,
                   party.client_cert_sha256)


@dataclass(frozen=True, slots=True)
class SignedRequest:
    key_id: str
    timestamp: str
    nonce: str
    signature: str
    method: str
    path: str
    body: bytes
    # SHA-256 of the client certificate a trusted TLS-terminating proxy passed on
    # ("invalid" when it passed something unreadable); None without one.
    client_cert_sha256: str | None = None

    def __repr__(self) -> str:
        return f"SignedRequest({self.key_id!r}, {self.method} {self.path})"


def register(uow_factory: UowFactory, sealer: SecretSealer, *, actor: Actor, name: str,
             kind: PartyKind, now: datetime,
             client_cert_sha256: str | None = None) -> PartyCredential:
    """A new relying party and its signing secret (returned this once); with a client
    certificate's fingerprint, its calls must also come through the trusted proxy with
    that certificate (mutual TLS)."""
    actor.require(Permission.RELYING_PARTY_MANAGE)
    name = check_name(name)
    fingerprint = check_fingerprint(client_cert_sha256) if client_cert_sha256 else None
    key_id, secret = f"rp_{secrets.token_hex(8)}", secrets.token_bytes(32)
    with uow_factory() as uow:
        party_id = uow.relying_parties.add(
            RelyingParty(0, key_id, name, kind, client_cert_sha256=fingerprint),
            sealer.seal(secret), now=now, by=actor.name)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.RELYING_PARTY_ADD,
                                     f"relying-party:{party_id}",
                                     {"key_id": key_id, "kind": kind.value,
                                      "client_cert_sha256": fingerprint}))
        uow.commit()
    return PartyCredential(key_id, secret.hex(), name, kind)


def list_parties(uow_factory: UowFactory, *, actor: Actor, now: datetime) -> list[PartyView]:
    actor.require(Permission.RELYING_PARTY_MANAGE)
    with uow_factory() as uow:
        parties = [PartyView.of(p) for p in uow.relying_parties.all()]
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.RELYING_PARTY_LIST,
                                     "relying-party:*", {"count": len(parties)}))
        uow.commit()
    return parties


def disable(uow_factory: UowFactory, *, actor: Actor, key_id: str, now: datetime) -> PartyView:
    actor.require(Permission.RELYING_PARTY_MANAGE)
    with uow_factory() as uow:
        found = uow.relying_parties.by_key_id(key_id) if KEY_ID.fullmatch(key_id) else None
        if found is None:
            raise NotFound("no relying party with this key id")
        if not uow.relying_parties.disable(key_id):
            raise Conflict("this relying party is disabled already")
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.RELYING_PARTY_DISABLE,
                                     f"relying-party:{found[0].id}", {"key_id": key_id}))
        uow.commit()
    return PartyView.of(found[0])


def authenticate_in(uow: RelyingPartyUnit, sealer: SecretSealer, request: SignedRequest, *,
                    kind: PartyKind, now: datetime) -> RelyingParty:
    """The party that signed `request`, inside the caller's transaction (so its nonce is
    kept only if the call commits... and a replay in flight meets the same row)."""
    if not (KEY_ID.fullmatch(request.key_id) and SIGNATURE.fullmatch(request.signature)
            and NONCE.fullmatch(request.nonce) and _TIMESTAMP.fullmatch(request.timestamp)
            and len(request.path) <= MAX_PATH):
        raise AuthenticationFailed(REFUSED)
    found = uow.relying_parties.by_key_id(request.key_id)
    if found is None:
        raise AuthenticationFailed(REFUSED)
    party, sealed = found
    timestamp = int(request.timestamp)
    if not signature_matches(sealer.open(sealed), request.signature, timestamp=timestamp,
                             nonce=request.nonce, method=request.method, path=request.path,
                             body=request.body):
        raise AuthenticationFailed(REFUSED)
    problem = None
    if not party.active:
        problem = "this relying party is disabled"
    elif abs(datetime.fromtimestamp(timestamp, UTC) - now) > MAX_SKEW:
        problem = (f"the request's timestamp is more than {int(MAX_SKEW.total_seconds())} s "
                   "from the server's clock")
    elif not uow.relying_parties.note_nonce(party.key_id, request.nonce, now=now,
                                            forget_before=now - 2 * MAX_SKEW):
        problem = "this request was sent before (replayed nonce)"
    elif party.client_cert_sha256 is not None and not hmac.compare_digest(
            request.client_cert_sha256 or "", party.client_cert_sha256):
        problem = ("the request did not come with the party's client certificate "
                   "(mutual TLS through the trusted proxy)")
    elif party.kind is not kind:
        problem = f"a {party.kind.value} may not call this endpoint"
    if problem is not None:
        raise PartyRefused(party, problem)
    return party


class PartyRefused(AuthenticationFailed):
    """A known party's request refused (recorded by `record_refusal`)."""

    def __init__(self, party: RelyingParty, message: str) -> None:
        super().__init__(message)
        self.party = party


def record_refusal_in(uow: RelyingPartyUnit, refused: PartyRefused, *, path: str,
                      now: datetime) -> None:
    uow.audit.record(AuditRecord(now, refused.party.actor_name,
                                 AuditAction.RELYING_PARTY_REFUSE,
                                 f"relying-party:{refused.party.id}",
                                 {"path": path[:200], "reason": refused.message}))


def require_kind(party: RelyingParty, kind: PartyKind) -> None:
    if party.kind is not kind:
        raise PermissionDenied(f"a {party.kind.value} may not call this endpoint")
