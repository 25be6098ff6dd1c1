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
    def note_nonces(self, nonces: Sequence[tuple[str, str]], *, now: datetime,
                    forget_before: datetime) -> set[tuple[str, str]]:
        """`note_nonce` for distinct (key id, nonce) pairs: those recorded now (a replay
        is left out)."""
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
    key_id = _key_id(request)
    party = _signed_by(request, uow.relying_parties.by_key_id(key_id) if key_id else None,
                       sealer)
    problem = _untimely(party, request, now)
    if problem is None and not uow.relying_parties.note_nonce(
            party.key_id, request.nonce, now=now, forget_before=now - 2 * MAX_SKEW):
        problem = REPLAYED
    problem = problem or _not_allowed(party, request, kind)
    if problem is not None:
        raise PartyRefused(party, problem)
    return party


def authenticate_many_in(uow: RelyingPartyUnit, sealer: SecretSealer,
                         requests: Sequence[SignedRequest], *, kind: PartyKind,
                         now: datetime) -> list[RelyingParty | AuthenticationFailed]:
    """`authenticate_in` for each of many requests, in one transaction (a group of single
    reports, services/points_intake.py): the same checks in the same order, with one
    read per key and the nonces noted together (in one order: two transactions holding
    each other's replays wait, never in a ring). Each request's party, or the error
    `authenticate_in` would raise for it (a `PartyRefused` not recorded here); a nonce
    twice among them counts once, for the first."""
    found: dict[str, tuple[RelyingParty, bytes] | None] = {}
    opened: dict[bytes, bytes] = {}
    answers: list[RelyingParty | AuthenticationFailed] = []
    for request in requests:
        key_id = _key_id(request)
        if key_id and key_id not in found:
            found[key_id] = uow.relying_parties.by_key_id(key_id)
        try:
            party = _signed_by(request, found.get(key_id), _OpenedOnce(sealer, opened))
        except AuthenticationFailed as failed:
            answers.append(failed)
            continue
        problem = _untimely(party, request, now)
        answers.append(PartyRefused(party, problem) if problem else party)
    fresh = sorted({(a.key_id, r.nonce) for a, r in zip(answers, requests, strict=True)
                    if isinstance(a, RelyingParty)})
    noted = uow.relying_parties.note_nonces(fresh, now=now, forget_before=now - 2 * MAX_SKEW)
    for index, (answer, request) in enumerate(zip(answers, requests, strict=True)):
        if isinstance(answer, RelyingParty):
            pair = (answer.key_id, request.nonce)
            problem = (_not_allowed(answer, request, kind) if pair in noted
                       else REPLAYED)
            noted.discard(pair)  # the same nonce again in this group: a replay
            answers[index] = PartyRefused(answer, problem) if problem else answer
    return answers


REPLAYED = "this request was sent before (replayed nonce)"


def _key_id(request: SignedRequest) -> str:
    """The key id, if the request is well-formed enough to look it up; else ""."""
    if (KEY_ID.fullmatch(request.key_id) and SIGNATURE.fullmatch(request.signature)
            and NONCE.fullmatch(request.nonce) and _TIMESTAMP.fullmatch(request.timestamp)
            and len(request.path) <= MAX_PATH):
        return request.key_id
    return ""


def _signed_by(request: SignedRequest, found: tuple[RelyingParty, bytes] | None,
               sealer: SecretSealer) -> RelyingParty:
    """The party whose key signed the request; one answer for every failure (an
    unregistered caller learns nothing)."""
    if found is None or not _key_id(request):
        raise AuthenticationFailed(REFUSED)
    party, sealed = found
    if not signature_matches(sealer.open(sealed), request.signature,
                             timestamp=int(request.timestamp), nonce=request.nonce,
                             method=request.method, path=request.path, body=request.body):
        raise AuthenticationFailed(REFUSED)
    return party


def _untimely(party: RelyingParty, request: SignedRequest, now: datetime) -> str | None:
    """Checked before the nonce is noted."""
    if not party.active:
        return "this relying party is disabled"
    if abs(datetime.fromtimestamp(int(request.timestamp), UTC) - now) > MAX_SKEW:
        return (f"the request's timestamp is more than {int(MAX_SKEW.total_seconds())} s "
                "from the server's clock")
    return None


def _not_allowed(party: RelyingParty, request: SignedRequest, kind: PartyKind) -> str | None:
    """Checked after the nonce is noted (the request is spent)."""
    if party.client_cert_sha256 is not None and not hmac.compare_digest(
            request.client_cert_sha256 or "", party.client_cert_sha256):
        return ("the request did not come with the party's client certificate "
                "(mutual TLS through the trusted proxy)")
    if party.kind is not kind:
        return f"a {party.kind.value} may not call this endpoint"
    return None


class _OpenedOnce:
    """A sealer that opens each sealed secret once (many requests of one party)."""

    def __init__(self, sealer: SecretSealer, opened: dict[bytes, bytes]) -> None:
        self._sealer, self._opened = sealer, opened

    def seal(self, secret: bytes) -> bytes:
        return self._sealer.seal(secret)

    def open(self, sealed: bytes) -> bytes:
        if sealed not in self._opened:
            self._opened[sealed] = self._sealer.open(sealed)
        return self._opened[sealed]


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
