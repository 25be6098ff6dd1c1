"""Staff roles and what each may do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mynumbercard.domain.errors import InvalidInput, PermissionDenied


class Role(StrEnum):
    CLERK = "clerk"  # counter clerk of one municipality
    OPERATOR = "operator"  # issuing-agency operator
    AUDITOR = "auditor"  # reads everything, changes nothing
    ADMIN = "admin"


class Permission(StrEnum):
    RESIDENT_READ = "resident:read"
    RESIDENT_WRITE = "resident:write"
    AUDIT_READ = "audit:read"
    STAFF_MANAGE = "staff:manage"
    CERTIFICATE_ISSUE = "certificate:issue"  # at the counter, onto the card in the reader
    CERTIFICATE_REVOKE = "certificate:revoke"  # suspend and revoke (loss reports run 24 h)


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: frozenset({Permission.RESIDENT_READ, Permission.RESIDENT_WRITE,
                           Permission.CERTIFICATE_ISSUE}),
    Role.OPERATOR: frozenset({Permission.RESIDENT_READ, Permission.CERTIFICATE_REVOKE}),
    Role.AUDITOR: frozenset({Permission.RESIDENT_READ, Permission.AUDIT_READ}),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a signed-in staff member, or a named system job."""

    name: str
    role: Role
    municipality_code: str | None = None

    def may(self, permission: Permission, *, municipality_code: str | None = None) -> bool:
        """May this actor do `permission` (on a resident of `municipality_code`)?"""
        if permission not in PERMISSIONS[self.role]:
            return False
        return self.role is not Role.CLERK or municipality_code in (None, self.municipality_code)

    def require(self, permission: Permission, *, municipality_code: str | None = None) -> None:
        """Raise PermissionDenied unless this actor may do `permission` (there)."""
        if permission not in PERMISSIONS[self.role]:
            raise PermissionDenied(f"role {self.role.value} may not {permission.value}")
        if not self.may(permission, municipality_code=municipality_code):
            raise PermissionDenied("a clerk acts only on residents of their own municipality")


SYSTEM = Actor("system", Role.ADMIN)

MIN_PASSWORD_LENGTH = 12


def validate_username(username: str) -> str:
    allowed = all(c.isascii() and (c.isalnum() or c in "._-") for c in username)
    if not (3 <= len(username) <= 64) or not allowed:
        raise InvalidInput("a username is 3-64 characters: letters, digits, '.', '_' or '-'")
    return username


def validate_new_password(password: str) -> None:
    """A staff password: long enough; the message never repeats it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a staff password has at least {MIN_PASSWORD_LENGTH} characters")
