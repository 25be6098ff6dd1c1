"""Staff roles and what each may do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mynumbercard.domain.errors import InvalidInput, NotFound, PermissionDenied


class Role(StrEnum):
    CLERK = "clerk"  # counter clerk of one municipality
    OPERATOR = "operator"  # issuing-agency operator
    AUDITOR = "auditor"  # reads everything, changes nothing
    ADMIN = "admin"
    BOOTH = "booth"  # a photo-booth operator's client: posts applications, nothing else
    RESIDENT = "resident"  # a resident online (never a staff account): no permission


class Permission(StrEnum):
    RESIDENT_READ = "resident:read"
    RESIDENT_WRITE = "resident:write"
    AUDIT_READ = "audit:read"
    STAFF_MANAGE = "staff:manage"
    CERTIFICATE_ISSUE = "certificate:issue"  # at the counter, onto the card in the reader
    CERTIFICATE_REVOKE = "certificate:revoke"  # suspend and revoke (loss reports run 24 h)
    APPLICATION_INTAKE = "application:intake"  # key in paper forms received by mail
    APPLICATION_BOOTH = "application:booth"  # post applications through the booth channel
    APPLICATION_READ = "application:read"
    APPLICATION_REVIEW = "application:review"
    APPLICATION_FORM = "application:form"  # issue a new form (new Application ID)
    PRODUCTION = "production"  # production runs and shipping
    CARD_RECEIVE = "card:receive"  # the office records a shipment's arrival
    CARD_HAND_OVER = "card:hand-over"
    APPLICATION_VOID = "application:void"
    MAIL_READ = "mail:read"  # the issuing agency's outgoing mail queue
    CARD_LOSS = "card:loss"  # take a loss report (24 h call centre or counter), confirm it
    CARD_FOUND = "card:found"  # release a found card at the counter, holder present
    OFFICE_MANAGE = "office:manage"  # offices, their hours and closed days
    APPOINTMENT_DESK = "appointment:desk"  # the day's bookings: arrival, service, no-show
    RELYING_PARTY_MANAGE = "relying-party:manage"  # kiosk operators, payment services
    KIOSK_MANAGE = "kiosk:manage"  # offers, fees, maintenance, the operators' console
    POINTS_MANAGE = "points:manage"  # My Number Points: campaigns, enrolments
    POINTS_SETTLEMENT = "points:settlement"  # the totals per payment service
    KIOSK_SETTLEMENT = "kiosk:settlement"  # the fees per kiosk operator, refused PINs


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: frozenset({Permission.RESIDENT_READ, Permission.RESIDENT_WRITE,
                           Permission.CERTIFICATE_ISSUE, Permission.APPLICATION_READ,
                           Permission.APPLICATION_FORM, Permission.CARD_RECEIVE,
                           Permission.CARD_HAND_OVER, Permission.APPLICATION_VOID,
                           Permission.CARD_LOSS, Permission.CARD_FOUND,
                           Permission.APPOINTMENT_DESK}),
    Role.OPERATOR: frozenset({Permission.RESIDENT_READ, Permission.CERTIFICATE_REVOKE,
                              Permission.APPLICATION_INTAKE, Permission.APPLICATION_READ,
                              Permission.APPLICATION_REVIEW, Permission.APPLICATION_FORM,
                              Permission.PRODUCTION, Permission.APPLICATION_VOID,
                              Permission.MAIL_READ, Permission.CARD_LOSS,
                              Permission.POINTS_SETTLEMENT,
                              Permission.KIOSK_SETTLEMENT}),
    Role.AUDITOR: frozenset({Permission.RESIDENT_READ, Permission.AUDIT_READ,
                             Permission.APPLICATION_READ, Permission.MAIL_READ}),
    Role.ADMIN: frozenset(Permission),
    Role.BOOTH: frozenset({Permission.APPLICATION_BOOTH}),
    Role.RESIDENT: frozenset(),
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

    def require_role(self, permission: Permission) -> None:
        """Raise PermissionDenied unless this actor's role has `permission` at all. Checked
        before any look-up: it tells nothing of what exists."""
        if permission not in PERMISSIONS[self.role]:
            raise PermissionDenied(f"role {self.role.value} may not {permission.value}")

    def require_visible(self, permission: Permission, *, municipality_code: str | None,
                        hidden: str) -> None:
        """For a subject addressed by id and already found: an actor who may not act on it
        is told it does not exist (NotFound with `hidden`, the answer an unknown id gets)."""
        self.require_role(permission)
        if not self.may(permission, municipality_code=municipality_code):
            raise NotFound(hidden)

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
