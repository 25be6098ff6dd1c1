"""The one place where domain errors become exit statuses and messages."""

from __future__ import annotations

from mynumbercard.domain import errors

# 1 is kept for "checked, and the answer is no" (e.g. an invalid number in `number check`).
EXIT_CODES: dict[type[errors.DomainError], int] = {
    errors.InvalidInput: 2,
    errors.NotFound: 3,
    errors.Conflict: 4,
    errors.AuthenticationFailed: 5,
    errors.PermissionDenied: 5,
    errors.TooManyRequests: 5,  # `staff login` too often: not allowed now
}


def exit_code_for(error: errors.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 2
