"""One small tree of errors, named after the situation.

Every error a user can cause is a ``DomainError``. Entry points map the branches to
HTTP statuses and exit codes in exactly one place each (``web/errors.py``,
``cli/errors.py``). Messages never carry PINs, passwords or personal data.
"""

from typing import Any


class DomainError(Exception):
    """Base of every error a caller can cause; ``code`` is a stable machine name and
    ``details`` (if any) a machine-readable account, such as a photo's findings."""

    code = "domain_error"
    details: dict[str, Any] | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """Input that breaks a rule of form: malformed number, impossible date, bad code."""

    code = "invalid_input"


class InvalidIndividualNumber(InvalidInput):
    code = "invalid_individual_number"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class InvalidDates(InvalidInput):
    """Dates that are each valid but impossible together (born after the issue date)."""

    code = "invalid_dates"


class DateAhead(InvalidDates):
    """A day after today where only a day that has come makes sense (a death, a job)."""

    code = "date_in_the_future"


class InvalidLocalGovernmentCode(InvalidInput):
    code = "invalid_local_government_code"


class InvalidApplicationId(InvalidInput):
    code = "invalid_application_id"


class NotFound(DomainError):
    code = "not_found"


class UnknownMunicipality(NotFound):
    code = "unknown_municipality"


class Conflict(DomainError):
    """The request is well formed but the current state does not allow it."""

    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class AuthenticationFailed(DomainError):
    """Unknown account, wrong password, expired or unknown token: one vague message."""

    code = "authentication_failed"


class TooManyRequests(DomainError):
    """Too many tries from one client or for one subject: try again after `retry_after`
    seconds."""

    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermissionDenied(DomainError):
    code = "permission_denied"
