"""Managing staff accounts: the first administrator, the list, disabling, new passwords,
and the service accounts cron jobs act under (docs/operations.md)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from mynumbercard.domain.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from mynumbercard.domain.staff import (
    Actor,
    Permission,
    Role,
    validate_new_password,
    validate_username,
)
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.ports import AuditRecord
from mynumbercard.services.staff import StaffUnit, UowFactory
from mynumbercard.services.staff_ports import OneTimeCodes, PasswordHasher, StaffAccount

# The command groups a service account may be allowed to run (`--scope`).
SCOPES = frozenset({"jobs", "letters", "mail", "crl", "ocsp", "audit", "backup"})
CREDENTIAL_PREFIX = "mncsvc_"


@dataclass(frozen=True, slots=True)
class ServiceCredential:
    account: StaffAccount
    credential: str  # shown once; only its hash is kept

    def __repr__(self) -> str:  # the credential is a secret
        return f"ServiceCredential(account={self.account.username!r})"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _find(uow: StaffUnit, username: str) -> StaffAccount:
    account = uow.staff.find_by_username(username)
    if account is None or account.id is None:
        raise NotFound(f"no staff account named {username!r}")
    return account


@dataclass(frozen=True, slots=True)
class AccountView:
    """What a list shows of an account: never a hash."""

    username: str
    role: Role
    municipality_code: str | None
    active: bool
    service: bool  # a cron job's service account (no password)
    scopes: tuple[str, ...] | None  # the command groups a service account runs, sorted


def describe(account: StaffAccount) -> AccountView:
    return AccountView(account.username, account.role, account.municipality_code,
                       account.active, account.is_service,
                       tuple(sorted(account.scopes)) if account.scopes is not None else None)


def bootstrap_admin(uow_factory: UowFactory, hasher: PasswordHasher, codes: OneTimeCodes, *,
                    username: str, password: str, now: datetime) -> str:
    """The first administrator, while there is none (a fresh installation): created with
    a TOTP secret at once, as administrators need one. Its otpauth:// URI, once."""
    validate_username(username)
    validate_new_password(password)
    with uow_factory() as uow:
        if uow.staff.has_active_admin():
            raise Conflict("an administrator exists already: sign in as one and use "
                           "`mynumbercard staff add`")
        if uow.staff.find_by_username(username) is not None:
            raise Conflict(f"a staff account named {username!r} exists already")
        staff_id = uow.staff.add(StaffAccount(None, username, hasher.hash(password),
                                              Role.ADMIN, None), now=now)
        sealed, uri = codes.enrol(username)
        uow.sign_in.save(uow.sign_in.for_update(staff_id).enrolled(sealed))
        uow.audit.record(AuditRecord(now, username, AuditAction.STAFF_ADD, f"staff:{staff_id}",
                                     {"role": Role.ADMIN.value, "bootstrap": True}))
        uow.commit()
    return uri


def list_staff(uow_factory: UowFactory, *, actor: Actor, now: datetime
               ) -> list[AccountView]:
    actor.require(Permission.STAFF_MANAGE)
    with uow_factory() as uow:
        accounts = uow.staff.list_all()
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.STAFF_LIST, "staff:*",
                                     {"count": len(accounts)}))
        uow.commit()
    return [describe(a) for a in accounts]


def disable_staff(uow_factory: UowFactory, *, actor: Actor, username: str,
                  now: datetime) -> int:
    """Disable an account (a person or a service) and end its live sessions; how many."""
    actor.require(Permission.STAFF_MANAGE)
    if username == actor.name:
        raise Conflict("an administrator cannot disable their own account")
    with uow_factory() as uow:
        account = _find(uow, username)
        staff_id = account.id or 0
        uow.staff.set_active(staff_id, False)
        ended = uow.sessions.revoke_all(staff_id, now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.STAFF_DISABLE,
                                     f"staff:{staff_id}",
                                     {"was_active": account.active, "sessions_ended": ended}))
        uow.commit()
    return ended


def change_role(uow_factory: UowFactory, *, actor: Actor, username: str, role: Role,
                municipality_code: str | None, now: datetime) -> int:
    """Give a person another role (a clerk: with their municipality) and end their live
    sessions, which carried the old role; how many ended."""
    actor.require(Permission.STAFF_MANAGE)
    if username == actor.name:
        raise Conflict("an administrator cannot change their own role")
    if role in (Role.RESIDENT, Role.BOOTH):
        raise InvalidInput(f"a person's account cannot have the role {role.value}")
    if (role is Role.CLERK) != (municipality_code is not None):
        raise InvalidInput("a clerk (and only a clerk) belongs to a municipality: give its "
                           "code for a clerk, none otherwise")
    with uow_factory() as uow:
        account = _find(uow, username)
        if account.is_service:
            raise InvalidInput("a service account keeps its role: add a new one")
        if municipality_code is not None:
            uow.municipalities.get(municipality_code)
        staff_id = account.id or 0
        uow.staff.set_role(staff_id, role, municipality_code)
        ended = uow.sessions.revoke_all(staff_id, now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.STAFF_CHANGE_ROLE,
                                     f"staff:{staff_id}",
                                     {"from": account.role.value, "to": role.value,
                                      "municipality": municipality_code,
                                      "sessions_ended": ended}))
        uow.commit()
    return ended


def end_sessions(uow_factory: UowFactory, *, actor: Actor, username: str,
                 now: datetime) -> int:
    """End every live session of a member (a lost laptop, a shared screen); how many."""
    actor.require(Permission.STAFF_MANAGE)
    with uow_factory() as uow:
        account = _find(uow, username)
        staff_id = account.id or 0
        ended = uow.sessions.revoke_all(staff_id, now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.STAFF_END_SESSIONS,
                                     f"staff:{staff_id}", {"sessions_ended": ended}))
        uow.commit()
    return ended


def reset_password(uow_factory: UowFactory, hasher: PasswordHasher, *, actor: Actor,
                   username: str, password: str, now: datetime) -> int:
    """Give a person a new password and end their live sessions; how many ended."""
    actor.require(Permission.STAFF_MANAGE)
    validate_new_password(password)
    with uow_factory() as uow:
        account = _find(uow, username)
        if account.is_service:
            raise InvalidInput("a service account has no password: disable it and add a "
                               "new one for a new credential")
        staff_id = account.id or 0
        uow.staff.set_password_hash(staff_id, hasher.hash(password))
        ended = uow.sessions.revoke_all(staff_id, now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.STAFF_RESET_PASSWORD,
                                     f"staff:{staff_id}", {"sessions_ended": ended}))
        uow.commit()
    return ended


def add_service_account(uow_factory: UowFactory, hasher: PasswordHasher, *, actor: Actor,
                        username: str, role: Role, municipality_code: str | None,
                        scopes: frozenset[str], now: datetime) -> ServiceCredential:
    """A service account for cron: its role's permissions, only the command groups in
    `scopes`, and a long-lived credential returned this once (only its hash is kept)."""
    actor.require(Permission.STAFF_MANAGE)
    validate_username(username)
    if not scopes or not scopes <= SCOPES:
        raise InvalidInput(f"scopes are some of: {', '.join(sorted(SCOPES))}")
    if role in (Role.RESIDENT, Role.BOOTH):
        raise InvalidInput(f"a service account cannot have the role {role.value}")
    if (role is Role.CLERK) != (municipality_code is not None):
        raise InvalidInput("a clerk (and only a clerk) belongs to a municipality")
    credential = CREDENTIAL_PREFIX + secrets.token_urlsafe(32)
    # No one knows this password: a service account never signs in with one.
    account = StaffAccount(None, username, hasher.hash(secrets.token_urlsafe(32)), role,
                           municipality_code, True, scopes, _hash(credential))
    with uow_factory() as uow:
        if municipality_code is not None:
            uow.municipalities.get(municipality_code)
        if uow.staff.find_by_username(username) is not None:
            raise Conflict(f"a staff account named {username!r} exists already")
        staff_id = uow.staff.add(account, now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.STAFF_ADD_SERVICE,
                                     f"staff:{staff_id}",
                                     {"role": role.value, "scopes": sorted(scopes)}))
        uow.commit()
    return ServiceCredential(account, credential)


def authenticate_service(uow_factory: UowFactory, *, credential: str, scope: str,
                         now: datetime) -> Actor:
    """The service account behind a credential, checked (and recorded) as a job starts:
    the job then runs to its end under that actor."""
    with uow_factory() as uow:
        account = uow.staff.find_by_credential(_hash(credential.strip()))
        if account is None or account.id is None or not account.active:
            raise AuthenticationFailed("the service credential is unknown or revoked")
        if scope not in (account.scopes or frozenset()):
            raise PermissionDenied(
                f"service account {account.username} may run only: "
                f"{', '.join(sorted(account.scopes or ()))}")
        uow.audit.record(AuditRecord(now, account.username, AuditAction.STAFF_RUN_SERVICE,
                                     f"staff:{account.id}", {"scope": scope}))
        uow.commit()
    return Actor(account.username, account.role, account.municipality_code)


def needs_second_factor(uow_factory: UowFactory, *, username: str) -> bool:
    """Whether signing in as `username` asks for a one-time code (for the CLI's prompt,
    which runs on the server with the database's own credentials anyway)."""
    with uow_factory() as uow:
        account = uow.staff.find_by_username(username)
        if account is None or account.id is None:
            return False
        return account.role is Role.ADMIN or uow.sign_in.for_update(account.id).totp_secret \
            is not None
