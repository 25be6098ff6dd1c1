"""Writing drawn card histories next to the residents they belong to.

``holders`` turns a drafted chunk into what ``CardHistories.draw`` needs; ``write_*`` put
the drawn rows in, mapping batch positions to the ids just written: cards get ids reserved
ahead (the certificates and applications point at them), forms and applications point at
the residents, certificates take their ids from the table's own sequence. ``der`` is left
NULL: a synthetic certificate has no body (migration 0004 allows that for certificates
whose bodies are archived elsewhere); its dates, serial, shard and status are all here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from mynumbercard.adapters.db.copy_rows import (
    copy,
    insert_sqlite,
    reserve_ids_postgresql,
    reserve_ids_sqlite,
)
from mynumbercard.adapters.db.tables import application_forms, applications, cards, certificates
from mynumbercard.generators.cards import (
    APPLICATION_COLUMNS,
    CARD_COLUMNS,
    CERTIFICATE_COLUMNS,
    FORM_COLUMNS,
    DrawnCards,
    Holder,
)
from mynumbercard.generators.register import RESIDENT_COLUMNS, Draft

# Positions in a draft row (RESIDENT_COLUMNS without the number).
_BIRTH = RESIDENT_COLUMNS.index("birth_date") - 1
_UNTIL = RESIDENT_COLUMNS.index("period_of_stay_until") - 1
_ASSIGNED = RESIDENT_COLUMNS.index("number_assigned_on") - 1
_CODE = RESIDENT_COLUMNS.index("municipality_code") - 1
_APP_CARD = APPLICATION_COLUMNS.index("card_id")


def holders(draft: Draft, first_key: int) -> list[Holder]:
    """The drafted residents as card holders-to-be, keyed from ``first_key`` on."""
    rows: list[tuple[Any, ...]] = draft.rows
    return [Holder(i, first_key + i, row[_BIRTH], row[_UNTIL], registered_on,
                   row[_ASSIGNED], row[_CODE])
            for i, (row, registered_on) in enumerate(zip(rows, draft.registered_on,
                                                         strict=True))]


def _mapped(drawn: DrawnCards, resident_ids: Sequence[int], card_ids: Sequence[int]
            ) -> tuple[list[tuple[Any, ...]], ...]:
    card_rows = [(card_ids[row[0]], row[1], resident_ids[row[2]], *row[3:])
                 for row in drawn.cards]
    cert_rows = [(*row[:2], card_ids[row[2]], *row[3:])
                 for row in drawn.certificates]
    form_rows = [(row[0], resident_ids[row[1]], *row[2:])
                 for row in drawn.forms]
    app_rows = [(row[0], resident_ids[row[1]], *row[2:_APP_CARD],
                 card_ids[row[_APP_CARD]], *row[_APP_CARD + 1:])
                for row in drawn.applications]
    return card_rows, cert_rows, form_rows, app_rows


def write_postgresql(cursor: Any, resident_ids: Sequence[int], drawn: DrawnCards) -> None:
    # The rows point only at rows of this transaction (or at municipalities already
    # checked for the residents), by construction: a superuser skips the foreign-key
    # triggers for this transaction, as pg_restore --disable-triggers does (a quarter of
    # the time). Anyone else gets every check.
    cursor.execute("SELECT current_setting('is_superuser')")
    if cursor.fetchone()[0] == "on":
        cursor.execute("SET LOCAL session_replication_role = replica")
    card_ids = reserve_ids_postgresql(cursor, cards, len(drawn.cards))
    card_rows, cert_rows, form_rows, app_rows = _mapped(drawn, resident_ids, card_ids)
    copy(cursor, cards, CARD_COLUMNS, card_rows)
    copy(cursor, certificates, CERTIFICATE_COLUMNS, cert_rows)
    copy(cursor, application_forms, FORM_COLUMNS, form_rows)
    copy(cursor, applications, APPLICATION_COLUMNS, app_rows)


def write_sqlite(conn: Connection, cursor: Any, resident_ids: Sequence[int],
                 drawn: DrawnCards) -> None:
    card_ids = reserve_ids_sqlite(cursor, cards, len(drawn.cards))
    card_rows, cert_rows, form_rows, app_rows = _mapped(drawn, resident_ids, card_ids)
    insert_sqlite(conn, cursor, cards, CARD_COLUMNS, card_rows)
    insert_sqlite(conn, cursor, certificates, CERTIFICATE_COLUMNS, cert_rows)
    insert_sqlite(conn, cursor, application_forms, FORM_COLUMNS, form_rows)
    insert_sqlite(conn, cursor, applications, APPLICATION_COLUMNS, app_rows)
