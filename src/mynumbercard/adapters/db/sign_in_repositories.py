"""Staff sign-in guards: failures, locks and sealed TOTP secrets (table `staff_sign_in`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from mynumbercard.adapters.db.tables import staff_sign_in
from mynumbercard.domain.sign_in import SignInState


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; every moment stored here is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class SqlSignInGuards:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def for_update(self, staff_id: int) -> SignInState:
        query = select(staff_sign_in).where(staff_sign_in.c.staff_id == staff_id)
        row = self._conn.execute(query.with_for_update()).first()
        if row is None:
            # The first guard of an account; two first failures at once: the loser of the
            # insert race fails on the primary key and its sign-in fails too (no retry).
            self._conn.execute(insert(staff_sign_in).values(staff_id=staff_id, failures=0))
            return SignInState(staff_id)
        m = row._mapping
        return SignInState(staff_id, m["failures"], _aware(m["failures_since"]),
                           _aware(m["locked_until"]), m["totp_secret"], m["totp_last_step"])

    def save(self, state: SignInState) -> None:
        self._conn.execute(update(staff_sign_in)
                           .where(staff_sign_in.c.staff_id == state.staff_id)
                           .values(failures=state.failures, failures_since=state.failures_since,
                                   locked_until=state.locked_until,
                                   totp_secret=state.totp_secret,
                                   totp_last_step=state.totp_last_step))
