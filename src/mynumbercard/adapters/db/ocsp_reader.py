"""The OCSP responder's reads: a pre-produced response by primary key (when the answer
store cannot answer), and the change feed its answer store follows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Engine, bindparam, func, select

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.engine import READ_ONLY
from mynumbercard.adapters.db.tables import ocsp_changes, ocsp_responses
from mynumbercard.domain.certificate import CertKind

_QUERY = select(
    ocsp_responses.c.der, ocsp_responses.c.next_update
).where(ocsp_responses.c.kind == bindparam("kind"),
        ocsp_responses.c.serial == bindparam("serial"))


class OcspReader:
    """Reads without a write lock (SQLite) and outside any unit of work: one round trip."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, kind: CertKind, serial: int) -> tuple[bytes, datetime] | None:
        """The response and its nextUpdate, if one was produced for this certificate."""
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            row = conn.execute(_QUERY, {"kind": kind.value, "serial": format(serial, "x")}
                               ).first()
        if row is None:
            return None
        return bytes(row.der), as_utc(row.next_update)


Change = tuple[int, CertKind, int, bytes, datetime, datetime]  # id, kind, serial, der, dates


class OcspFeed:
    """The change feed and the whole table, for the answer stores (adapters/ocsp_answers)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def after(self, cursor: int, limit: int) -> list[Change]:
        """Changes after `cursor`, oldest first, each with its response as it is now."""
        query = (select(ocsp_changes.c.id, ocsp_changes.c.kind, ocsp_changes.c.serial,
                        ocsp_responses.c.der, ocsp_responses.c.this_update,
                        ocsp_responses.c.next_update)
                 .join(ocsp_responses, (ocsp_responses.c.kind == ocsp_changes.c.kind)
                       & (ocsp_responses.c.serial == ocsp_changes.c.serial))
                 .where(ocsp_changes.c.id > cursor).order_by(ocsp_changes.c.id).limit(limit))
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            return [(int(row[0]), CertKind(row[1]), int(row[2], 16), bytes(row[3]),
                     as_utc(row[4]), as_utc(row[5])) for row in conn.execute(query)]

    def floor(self) -> int | None:
        """The oldest change still in the feed (older ones were pruned)."""
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            value = conn.scalar(select(func.min(ocsp_changes.c.id)))
        return None if value is None else int(value)

    def resume_point(self, before: datetime) -> int:
        """The last change made before `before`: a build replays the feed from there, so
        a change that committed late (PostgreSQL hands out ids before commit) is kept."""
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            value = conn.scalar(select(func.max(ocsp_changes.c.id))
                                .where(ocsp_changes.c.at < before))
        return 0 if value is None else int(value)

    def everything(self, batch: int = 20_000) -> Iterator[tuple[CertKind, int, bytes,
                                                                 datetime, datetime]]:
        """Every response, streamed (a server-side cursor on PostgreSQL)."""
        query = select(ocsp_responses.c.kind, ocsp_responses.c.serial, ocsp_responses.c.der,
                       ocsp_responses.c.this_update, ocsp_responses.c.next_update)
        with self._engine.connect().execution_options(**READ_ONLY, yield_per=batch) as conn:
            for row in conn.execute(query):
                yield (CertKind(row[0]), int(row[1], 16), bytes(row[2]), as_utc(row[3]),
                       as_utc(row[4]))
