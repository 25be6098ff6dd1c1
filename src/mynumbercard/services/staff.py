"""Staff accounts, sign-in and the sessions behind bearer tokens and cookies."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from mynumbercard.domain.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from mynumbercard.domain.sign_in import MAX_FAILURES, SignInState
from mynumbercard.domain.staff import (
    Actor,
    Permission,
    Role,
    validate_new_password,
    validate_username,
)
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    MunicipalityRepository,
    Transaction,
)
from mynumbercard.services.staff_ports import (
    NewStaffAccount,
    OneTimeCodes,
    PasswordHasher,
    SessionRepository,
    SignInGuards,
    StaffAccount,
    StaffRepository,
)


class StaffUnit(Transaction, Protocol):
    """What sign-in and staff management use in one transaction (tests/fakes.py)."""

    @property
    def staff(self) -> StaffRepository: ...
    @property
    def sessions(self) -> SessionRepository: ...
    @property
    def sign_in(self) -> SignInGuards: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def municipalities(self) -> MunicipalityRepository: ...


UowFactory = Callable[[], StaffUnit]


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
        account = uow.staff.add(NewStaffAccount(username, hasher.hash(password), role,
                                                municipality_code), now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.STAFF_ADD,
                                     f"staff:{account.id}",
                                     {"role": role.value, "municipality": municipality_code}))
        uow.commit()
    return account


WRONG = "wrong username, password or one-time code"


def sign_in(
    uow_factory: UowFactory,
    hasher: PasswordHasher,
    *,
    username: str,
    password: str,
    now: datetime,
    lifetime: timedelta,
    codes: OneTimeCodes | None = None,
    totp: str | None = None,
) -> IssuedToken:
    """Check the password (and the one-time code of an enrolled account) and open a
    short-lived session. Every failure gives one vague error and is audited; the
    MAX_FAILURES-th in the window locks the account (docs in README: sign-in)."""
    with uow_factory() as uow:
        account = uow.staff.find_by_username(username)
        if account is None or account.id is None:
            hasher.hash(password)  # spend the same time as a real check: no user enumeration
            # The typed name is not recorded: people type passwords into it.
            uow.audit.record(AuditRecord(now, "anonymous", AuditAction.STAFF_FAIL_SIGN_IN,
                                         "staff:unknown", {"reason": "unknown-user"}))
            uow.commit()
            raise AuthenticationFailed(WRONG)
        state = uow.sign_in.for_update(account.id)
        password_ok = hasher.verify(account.password_hash, password)
        failure, step = _second_factor(state, account, codes, totp, now)
        if state.locked(now):
            failure = "locked"
        elif not password_ok:
            failure = "password"
        elif not account.active:
            failure = "inactive"
        elif account.is_service:  # cron's accounts use their credential, never a password
            failure = "service-account"
        if failure is not None:
            _failed(uow, account, state, failure, now)
            if failure == "totp-not-enrolled":  # the password was right: say what to do
                raise AuthenticationFailed(
                    "an administrator signs in with a one-time code: enrol first with "
                    "`mynumbercard staff totp-enrol USERNAME`")
            raise AuthenticationFailed(WRONG)
        uow.sign_in.save(state.succeeded(step))
        token = secrets.token_urlsafe(32)
        expires_at = now + lifetime
        uow.sessions.add(token_hash=_token_hash(token), staff_id=account.id, issued_at=now,
                         expires_at=expires_at)
        uow.audit.record(AuditRecord(now, account.username, AuditAction.STAFF_SIGN_IN,
                                     f"staff:{account.id}",
                                     {"second_factor": step is not None}))
        uow.commit()
    return IssuedToken(token, expires_at)


def _second_factor(state: SignInState, account: StaffAccount, codes: OneTimeCodes | None,
                   totp: str | None, now: datetime) -> tuple[str | None, int | None]:
    """(why it fails or None, the TOTP step used)."""
    if state.totp_secret is None:
        return ("totp-not-enrolled" if account.role is Role.ADMIN else None), None
    if codes is None or not totp:
        return "totp-missing", None
    step = codes.matching_step(state.totp_secret, totp, now=now)
    if step is None:
        return "totp", None
    if not state.code_is_fresh(step):
        return "totp-replayed", None
    return None, step


def _failed(uow: StaffUnit, account: StaffAccount, state: SignInState, reason: str,
            now: datetime) -> None:
    """Record a failed sign-in (committed although the sign-in raises); lock on the last."""
    subject = f"staff:{account.id}"
    if reason not in ("locked", "totp-not-enrolled"):
        after = state.failed(now)
        uow.sign_in.save(after)
        if after.locked(now) and not state.locked(now):
            uow.audit.record(AuditRecord(now, account.username, AuditAction.STAFF_LOCK, subject,
                                         {"until": after.locked_until.isoformat()
                                          if after.locked_until else None,
                                          "failures": MAX_FAILURES}))
    uow.audit.record(AuditRecord(now, account.username, AuditAction.STAFF_FAIL_SIGN_IN, subject,
                                 {"reason": reason}))
    uow.commit()


def enrol_totp(uow_factory: UowFactory, codes: OneTimeCodes, *, actor: Actor, username: str,
               now: datetime, secret: str | None = None) -> str:
    """Give an account a new TOTP secret (replacing any old one); its otpauth:// URI,
    shown this once and never stored in clear."""
    actor.require(Permission.STAFF_MANAGE)
    with uow_factory() as uow:
        account = uow.staff.find_by_username(username)
        if account is None or account.id is None:
            raise NotFound(f"no staff account named {username!r}")
        sealed, uri = codes.enrol(account.username, secret=secret)
        uow.sign_in.save(uow.sign_in.for_update(account.id).enrolled(sealed))
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.STAFF_ENROL_TOTP,
                                     f"staff:{account.id}"))
        uow.commit()
    return uri


def enrol_own_totp(uow_factory: UowFactory, hasher: PasswordHasher, codes: OneTimeCodes, *,
                   actor: Actor, password: str, totp: str | None, now: datetime) -> str:
    """A signed-in member gives themselves a new TOTP secret: with their password, and
    the current code when a secret exists already (a stolen session alone cannot move
    the second factor). Failures count towards the lock. The otpauth:// URI, once."""
    with uow_factory() as uow:
        account = uow.staff.find_by_username(actor.name)
        if account is None or account.id is None:
            raise PermissionDenied("only a staff account has a second factor")
        state = uow.sign_in.for_update(account.id)
        failure: str | None = None
        if state.locked(now):
            failure = "locked"
        elif not hasher.verify(account.password_hash, password):
            failure = "password"
        elif state.totp_secret is not None:
            step = codes.matching_step(state.totp_secret, totp or "", now=now)
            failure = ("totp" if step is None
                       else None if state.code_is_fresh(step) else "totp-replayed")
        if failure is not None:
            _failed(uow, account, state, failure, now)
            raise AuthenticationFailed(WRONG)
        sealed, uri = codes.enrol(account.username)
        uow.sign_in.save(state.enrolled(sealed))
        uow.audit.record(AuditRecord(now, account.username, AuditAction.STAFF_ENROL_TOTP,
                                     f"staff:{account.id}"))
        uow.commit()
    return uri


def authenticate(uow_factory: UowFactory, *, token: str, now: datetime) -> Actor:
    """The actor behind a bearer token or session cookie, if the session is still open."""
    with uow_factory() as uow:
        return _signed_in(uow, token, now)


def authenticate_idle(uow_factory: UowFactory, *, token: str, now: datetime,
                      idle: timedelta, longest: timedelta) -> Actor:
    """As `authenticate`, for a page session: each use moves its end to `idle` after now
    (never past `longest` after sign-in), so an unused session ends after `idle`; one
    transaction, and a write only when the end moves a step (`EXTEND_STEP`)."""
    with uow_factory() as uow:
        actor = _signed_in(uow, token, now)
        uow.sessions.extend(_token_hash(token), now=now, idle=idle, longest=longest)
        uow.commit()
    return actor


def _signed_in(uow: StaffUnit, token: str, now: datetime) -> Actor:
    staff_id = uow.sessions.active_staff_id(_token_hash(token), now=now)
    if staff_id is None:
        raise AuthenticationFailed("the session is unknown, expired or signed out")
    account = uow.staff.get(staff_id)
    if not account.active:
        raise AuthenticationFailed("the session is unknown, expired or signed out")
    return Actor(account.username, account.role, account.municipality_code)


def sign_out(uow_factory: UowFactory, *, token: str, now: datetime) -> None:
    """End the session behind `token`; AuthenticationFailed if it is not a live one."""
    with uow_factory() as uow:
        staff_id = uow.sessions.revoke(_token_hash(token), now=now)
        if staff_id is None:
            raise AuthenticationFailed("the session is unknown, expired or signed out")
        account = uow.staff.get(staff_id)
        uow.audit.record(AuditRecord(now, account.username, AuditAction.STAFF_SIGN_OUT,
                                     f"staff:{staff_id}"))
        uow.commit()
