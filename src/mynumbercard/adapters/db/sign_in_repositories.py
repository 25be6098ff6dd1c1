"""Staff sign-in guards: failures, locks and sealed TOTP secrets (table `staff_sign_in`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, select, text, update

from mynumbercard.adapters.db.tables import staff_sign_in
from mynumbercard.domain.sign_in import SignInState

_ENSURE = text("INSERT INTO staff_sign_in (staff_id, failures) VALUES (:staff_id, 0) "
               "ON CONFLICT (staff_id) DO NOTHING")


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; every moment stored here is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class SqlSignInGuards:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def for_update(self, staff_id: int) -> SignInState:
        # The row exists before it is locked, so two first sign-ins at once queue on it
        # (a plain INSERT would make the second fail on the primary key).
        self._conn.execute(_ENSURE, {"staff_id": staff_id})
        query = select(staff_sign_in).where(staff_sign_in.c.staff_id == staff_id)
        m = self._conn.execute(query.with_for_update()).one()._mapping
        return SignInState(staff_id, m["failures"], _aware(m["failures_since"]),
                           _aware(m["locked_until"]), m["totp_secret"], m["totp_last_step"])

    def save(self, state: SignInState) -> None:
        self._conn.execute(update(staff_sign_in)
                           .where(staff_sign_in.c.staff_id == state.staff_id)
                           .values(failures=state.failures, failures_since=state.failures_since,
                                   locked_until=state.locked_until,
                                   totp_secret=state.totp_secret,
                                   totp_last_step=state.totp_last_step))
