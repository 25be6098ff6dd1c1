"""What guards a staff sign-in: failures counted in a window, a lock, a one-time code.

After `MAX_FAILURES` failed sign-ins within `FAILURE_WINDOW` the account is locked for
`LOCK_FOR`. While locked, every sign-in fails the same way as a wrong password (no
oracle: docs/security in README). A TOTP code is good once: its time step must be
later than the last one used.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class SignInState:
    """One account's guard; the sealed TOTP secret is never shown."""

    staff_id: int
    failures: int = 0
    failures_since: datetime | None = None
    locked_until: datetime | None = None
    totp_secret: bytes | None = field(default=None, repr=False)
    totp_last_step: int | None = None

    @property
    def totp_enrolled(self) -> bool:
        return self.totp_secret is not None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def failed(self, now: datetime) -> SignInState:
        """One more failure; the lock starts when it is the MAX_FAILURES-th in the window."""
        fresh = self.failures_since is None or now - self.failures_since >= FAILURE_WINDOW
        failures = 1 if fresh else self.failures + 1
        since = now if fresh else self.failures_since
        if failures >= MAX_FAILURES:
            return replace(self, failures=0, failures_since=None, locked_until=now + LOCK_FOR)
        return replace(self, failures=failures, failures_since=since)

    def succeeded(self, totp_step: int | None) -> SignInState:
        return replace(self, failures=0, failures_since=None, locked_until=None,
                       totp_last_step=totp_step if totp_step is not None
                       else self.totp_last_step)

    def code_is_fresh(self, step: int) -> bool:
        """A code whose time step was used already (or an earlier one) is a replay."""
        return self.totp_last_step is None or step > self.totp_last_step

    def enrolled(self, sealed_secret: bytes) -> SignInState:
        return replace(self, totp_secret=sealed_secret, totp_last_step=None)
