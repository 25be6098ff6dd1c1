"""What the use cases need from the outside world, as Protocols."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, Self

from mynumbercard.domain.municipality import Municipality
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Role


@dataclass(frozen=True, slots=True)
class StaffAccount:
    id: int | None
    username: str
    password_hash: str = field(repr=False)
    role: Role
    municipality_code: str | None
    active: bool = True


@dataclass(frozen=True, slots=True)
class AuditRecord:
    at: datetime
    actor: str
    action: str  # e.g. resident:move
    subject: str  # e.g. resident:42 -- an id, never a number or a name
    details: dict[str, Any] | None = None


class MunicipalityRepository(Protocol):
    def get(self, code: str) -> Municipality: ...


class ResidentRepository(Protocol):
    def add(self, resident: Resident, *, now: datetime) -> int: ...
    def get(self, resident_id: int) -> Resident: ...
    def find_by_number(self, number: str) -> Resident | None: ...
    def number_taken(self, number: str) -> bool: ...
    def save(self, resident: Resident, *, now: datetime) -> None:
        """Write changes and new events; Conflict if someone else changed it meanwhile."""
        ...
    def list_in(
        self, municipality_code: str, *, limit: int, after_id: int
    ) -> Sequence[Resident]: ...


class StaffRepository(Protocol):
    def add(self, account: StaffAccount, *, now: datetime) -> int: ...
    def find_by_username(self, username: str) -> StaffAccount | None: ...
    def get(self, staff_id: int) -> StaffAccount: ...


class SessionRepository(Protocol):
    def add(
        self, *, token_hash: str, staff_id: int, issued_at: datetime, expires_at: datetime
    ) -> None: ...
    def active_staff_id(self, token_hash: str, *, now: datetime) -> int | None: ...
    def revoke(self, token_hash: str, *, now: datetime) -> None: ...


class AuditLog(Protocol):
    def record(self, record: AuditRecord) -> None: ...
    def list(
        self, *, subject: str | None, limit: int, before_id: int | None
    ) -> Sequence[tuple[int, AuditRecord]]: ...


class UnitOfWork(Protocol):
    """One transaction: everything in it commits together or not at all."""

    @property
    def municipalities(self) -> MunicipalityRepository: ...
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def staff(self) -> StaffRepository: ...
    @property
    def sessions(self) -> SessionRepository: ...
    @property
    def audit(self) -> AuditLog: ...

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
