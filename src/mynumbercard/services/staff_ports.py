"""What sign-in and staff management (`staff.py`, `staff_admin.py`) need: the accounts,
their sessions and sign-in guards, one-time codes and the password hash."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from mynumbercard.domain.sign_in import SignInState
from mynumbercard.domain.staff import Role


@dataclass(frozen=True, slots=True)
class NewStaffAccount:
    """An account not stored yet: `StaffRepository.add` returns the `StaffAccount`."""

    username: str
    password_hash: str = field(repr=False)
    role: Role
    municipality_code: str | None
    active: bool = True
    scopes: frozenset[str] | None = None  # as StaffAccount's
    credential_hash: str | None = field(default=None, repr=False)

    def stored(self, staff_id: int) -> StaffAccount:
        return StaffAccount(staff_id, self.username, self.password_hash, self.role,
                            self.municipality_code, self.active, self.scopes,
                            self.credential_hash)


@dataclass(frozen=True, slots=True)
class StaffAccount:
    """A stored account (it has its id)."""

    id: int
    username: str
    password_hash: str = field(repr=False)
    role: Role
    municipality_code: str | None
    active: bool = True
    # A service account (cron) has scopes (the command groups it may run) and the
    # SHA-256 of its credential; a person has neither.
    scopes: frozenset[str] | None = None
    credential_hash: str | None = field(default=None, repr=False)

    @property
    def is_service(self) -> bool:
        return self.scopes is not None


class StaffRepository(Protocol):
    def add(self, account: NewStaffAccount, *, now: datetime) -> StaffAccount: ...
    def find_by_username(self, username: str) -> StaffAccount | None: ...
    def get(self, staff_id: int) -> StaffAccount: ...
    def find_by_credential(self, credential_hash: str) -> StaffAccount | None: ...
    def list_all(self) -> Sequence[StaffAccount]: ...
    def has_active_admin(self) -> bool: ...
    def set_active(self, staff_id: int, active: bool) -> None: ...
    def set_password_hash(self, staff_id: int, password_hash: str) -> None: ...
    def set_role(self, staff_id: int, role: Role, municipality_code: str | None) -> None: ...


# A session's end moves forward in steps of at least this: most page views then only read.
EXTEND_STEP = timedelta(minutes=1)


class SessionRepository(Protocol):
    def add(
        self, *, token_hash: str, staff_id: int, issued_at: datetime, expires_at: datetime
    ) -> None: ...
    def active_staff_id(self, token_hash: str, *, now: datetime) -> int | None: ...
    def revoke(self, token_hash: str, *, now: datetime) -> int | None:
        """End a live session; the staff id whose session it was, or None: none was live."""
        ...

    def revoke_all(self, staff_id: int, *, now: datetime) -> int:
        """End every live session of a member; how many there were."""
        ...

    def extend(self, token_hash: str, *, now: datetime, idle: timedelta,
               longest: timedelta) -> None:
        """A live session used at `now` expires `idle` later, but never later than
        `longest` after it was issued (the pages' idle timeout). Written only when the
        end moves by `EXTEND_STEP` or more: a page opened now and then writes nothing."""
        ...


class SignInGuards(Protocol):
    def for_update(self, staff_id: int) -> SignInState:
        """The account's guard (a fresh one if it has none), locked until commit."""
        ...

    def save(self, state: SignInState) -> None: ...


class OneTimeCodes(Protocol):
    """TOTP (RFC 6238): secrets leave the adapter only sealed, or once as an otpauth URI."""

    def enrol(self, username: str, *, secret: str | None = None) -> tuple[bytes, str]:
        """A new secret (or `secret`): sealed for storage, and its otpauth:// URI."""
        ...

    def matching_step(self, sealed: bytes, code: str, *, now: datetime) -> int | None:
        """The time step whose code `code` is (now, or one step either side), or None."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
