"""Staff accounts, sign-in and the sessions behind bearer tokens and cookies."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mynumbercard.domain.errors import AuthenticationFailed, Conflict, InvalidInput
from mynumbercard.domain.staff import (
    Actor,
    Permission,
    Role,
    validate_new_password,
    validate_username,
)
from mynumbercard.services.ports import AuditRecord, PasswordHasher, StaffAccount, UnitOfWork

UowFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: datetime

    def __repr__(self) -> str:  # the token is a secret
        return f"IssuedToken(expires_at={self.expires_at.isoformat()})"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_staff(
    uow_factory: UowFactory,
    hasher: PasswordHasher,
    *,
    actor: Actor,
    username: str,
    password: str,
    role: Role,
    municipality_code: str | None,
    now: datetime,
) -> StaffAccount:
    actor.require(Permission.STAFF_MANAGE)
    validate_username(username)
    validate_new_password(password)
    if role is Role.RESIDENT:
        raise InvalidInput("a resident is not a staff account")
    if role is Role.CLERK and municipality_code is None:
        raise InvalidInput("a counter clerk belongs to one municipality: give its code")
    if role is not Role.CLERK and municipality_code is not None:
        raise InvalidInput("only a counter clerk belongs to a municipality")
    with uow_factory() as uow:
        if municipality_code is not None:
            uow.municipalities.get(municipality_code)
        if uow.staff.find_by_username(username) is not None:
            raise Conflict(f"a staff account named {username!r} exists already")
        account = StaffAccount(None, username, hasher.hash(password), role, municipality_code)
        staff_id = uow.staff.add(account, now=now)
        uow.audit.record(AuditRecord(now, actor.name, "staff:add", f"staff:{staff_id}",
                                     {"role": role.value, "municipality": municipality_code}))
        uow.commit()
    return account


def sign_in(
    uow_factory: UowFactory,
    hasher: PasswordHasher,
    *,
    username: str,
    password: str,
    now: datetime,
    lifetime: timedelta,
) -> IssuedToken:
    """Check the password and open a short-lived session; one vague error for any failure."""
    with uow_factory() as uow:
        account = uow.staff.find_by_username(username)
        if account is None:
            hasher.hash(password)  # spend the same time as a real check: no user enumeration
            raise AuthenticationFailed("wrong username or password")
        if not hasher.verify(account.password_hash, password) or not account.active:
            raise AuthenticationFailed("wrong username or password")
        if account.id is None:  # pragma: no cover - a stored account always has an id
            raise AuthenticationFailed("wrong username or password")
        token = secrets.token_urlsafe(32)
        expires_at = now + lifetime
        uow.sessions.add(token_hash=_token_hash(token), staff_id=account.id, issued_at=now,
                         expires_at=expires_at)
        uow.audit.record(AuditRecord(now, account.username, "staff:sign-in",
                                     f"staff:{account.id}"))
        uow.commit()
    return IssuedToken(token, expires_at)


def authenticate(uow_factory: UowFactory, *, token: str, now: datetime) -> Actor:
    """The actor behind a bearer token or session cookie, if the session is still open."""
    with uow_factory() as uow:
        staff_id = uow.sessions.active_staff_id(_token_hash(token), now=now)
        if staff_id is None:
            raise AuthenticationFailed("the session is unknown, expired or signed out")
        account = uow.staff.get(staff_id)
        if not account.active:
            raise AuthenticationFailed("the session is unknown, expired or signed out")
        return Actor(account.username, account.role, account.municipality_code)


def sign_out(uow_factory: UowFactory, *, token: str, now: datetime) -> None:
    with uow_factory() as uow:
        uow.sessions.revoke(_token_hash(token), now=now)
        uow.commit()
