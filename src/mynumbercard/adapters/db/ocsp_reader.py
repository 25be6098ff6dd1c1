"""The OCSP hot path's one query: a pre-produced response by primary key, read-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, bindparam, select

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.engine import READ_ONLY
from mynumbercard.adapters.db.tables import ocsp_responses
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
