"""Fast bulk writes of synthetic residents, by the million.

PostgreSQL gets ``COPY ... FROM STDIN`` through psycopg 3 on the engine's own DBAPI
connection, with resident ids reserved from the table's sequence (``nextval`` over
``generate_series``) so that the events can point at them without ``RETURNING``. SQLite
gets ``executemany`` of plain tuples, ids counted on from ``max(id)`` inside the write
lock (``BEGIN IMMEDIATE``). One transaction per chunk; memory stays flat.

Individual Numbers stay unique without loading the millions already in use: each
chunk's numbers are looked up with one indexed query (``= ANY(%s)``; ``json_each(?)``) in
the chunk's own transaction, before it is written, and the few that are taken are
redrawn. Earlier chunks of the same run are committed by then, so the same query covers
them too; the unique index remains the guarantee against a concurrent writer.

With cards (``generate_register(with_cards=True)``), the drafting thread also draws each
chunk's card histories (``cards.py``) and the chunk's transaction writes them
after the residents (``bulk_cards.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, func, select

from mynumbercard.adapters.db.copy_rows import (
    copy,
    insert_sqlite,
    reserve_ids_postgresql,
    reserve_ids_sqlite,
)
from mynumbercard.adapters.db.municipality_rows import load_municipalities, municipality_codes
from mynumbercard.adapters.db.tables import resident_events, residents
from mynumbercard.domain.resident import EventKind
from mynumbercard.generators import bulk_cards
from mynumbercard.generators.cards import (
    DEFAULT_INCIDENT_RATE,
    CardHistories,
    DrawnCards,
)
from mynumbercard.generators.register import (
    RESIDENT_COLUMNS,
    Chunk,
    Draft,
    SyntheticRegister,
)

DEFAULT_CHUNK_SIZE = 20_000
DEFAULT_CRL_SHARDS = 64  # config.py's default; the CLI passes the configured value
EVENT_COLUMNS = (
    "resident_id", "kind", "occurred_on", "from_municipality", "to_municipality", "recorded_at",
)  # fmt: skip
_CODE = RESIDENT_COLUMNS.index("municipality_code")
_ASSIGNED_ON = RESIDENT_COLUMNS.index("number_assigned_on")


def _taken_postgresql(conn: Connection, numbers: Sequence[str]) -> set[str]:
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor:
        cursor.execute("SELECT individual_number FROM residents "
                       "WHERE individual_number = ANY(%s)", (list(numbers),))
        return {row[0] for row in cursor.fetchall()}


def _taken_sqlite(conn: Connection, numbers: Sequence[str]) -> set[str]:
    # One parameter however long the chunk (no limit on host parameters to mind).
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute("SELECT r.individual_number FROM json_each(?) AS j "
                       "JOIN residents AS r ON r.individual_number = j.value",
                       (json.dumps(list(numbers)),))
        return {row[0] for row in cursor.fetchall()}
    finally:
        cursor.close()


def _events(ids: Sequence[int], chunk: Chunk, now: datetime) -> list[tuple[object, ...]]:
    """Each resident's ``registered`` and ``number_assigned`` events (as the domain's
    ``Resident.register`` and ``assign_number`` record them)."""
    registered, assigned = EventKind.REGISTERED.value, EventKind.NUMBER_ASSIGNED.value
    rows: list[tuple[object, ...]] = []
    for rid, row, registered_on in zip(ids, chunk.residents, chunk.registered_on, strict=True):
        code = row[_CODE]
        rows.append((rid, registered, registered_on, None, code, now))
        rows.append((rid, assigned, row[_ASSIGNED_ON], code, None, now))
    return rows


def _write_postgresql(conn: Connection, chunk: Chunk, now: datetime,
                      drawn: DrawnCards | None) -> None:
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cursor:
        ids = reserve_ids_postgresql(cursor, residents, len(chunk.residents))
        copy(cursor, residents, ("id", *RESIDENT_COLUMNS),
             ((rid, *row) for rid, row in zip(ids, chunk.residents, strict=True)))
        copy(cursor, resident_events, EVENT_COLUMNS, _events(ids, chunk, now))
        if drawn is not None:
            bulk_cards.write_postgresql(cursor, ids, drawn)


def _write_sqlite(conn: Connection, chunk: Chunk, now: datetime,
                  drawn: DrawnCards | None) -> None:
    raw: Any = conn.connection.driver_connection
    cursor = raw.cursor()
    try:
        ids = reserve_ids_sqlite(cursor, residents, len(chunk.residents))
        insert_sqlite(conn, cursor, residents, ("id", *RESIDENT_COLUMNS),
                      [(rid, *row) for rid, row in zip(ids, chunk.residents, strict=True)])
        insert_sqlite(conn, cursor, resident_events, EVENT_COLUMNS, _events(ids, chunk, now))
        if drawn is not None:
            bulk_cards.write_sqlite(conn, cursor, ids, drawn)
    finally:
        cursor.close()


class Generated(NamedTuple):
    residents: int
    cards: int = 0
    certificates: int = 0
    incidents: int = 0  # cards given a wrong expiry on purpose (cards.py)

    def __add__(self, other: object) -> Generated:
        if not isinstance(other, Generated):
            return NotImplemented
        return Generated(*(a + b for a, b in zip(self, other, strict=True)))


Drafted = tuple[Draft, DrawnCards | None]


def _drafted_ahead(pool: ThreadPoolExecutor, draft: Callable[[int, int], Drafted],
                   sizes: Sequence[int]) -> Iterator[Drafted]:
    """The drafts in order, the next one always being drawn while this one is used."""
    pending: Future[Drafted] | None = None
    start = 0
    for size in sizes:
        following = pool.submit(draft, start, size)
        start += size
        if pending is not None:
            yield pending.result()
        pending = following
    if pending is not None:
        yield pending.result()


def write_residents(
    engine: Engine,
    register: SyntheticRegister,
    *,
    count: int,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_chunk: Callable[[int], None] | None = None,
    histories: CardHistories | None = None,
) -> Generated:
    """Draw ``count`` residents from ``register`` and write them with their events, and
    with ``histories`` their cards, certificates, forms and applications.

    A worker thread drafts the next chunk's people (and their cards) while this one is
    written (the database does most of the work, so the two overlap on two cores). Numbers
    are drawn and checked inside each chunk's own transaction, against everything committed
    before. ``on_chunk(n)`` is told after each commit.
    """
    postgres = engine.dialect.name == "postgresql"
    write = _write_postgresql if postgres else _write_sqlite
    taken_in = _taken_postgresql if postgres else _taken_sqlite
    sizes = [min(chunk_size, count - start) for start in range(0, count, chunk_size)]
    total = Generated(0)
    with ThreadPoolExecutor(1, thread_name_prefix="synthetic") as pool, engine.connect() as conn:
        before = conn.execute(select(func.coalesce(func.max(residents.c.id), 0))).scalar_one()
        conn.rollback()

        def taken(numbers: Sequence[str]) -> Collection[str]:
            return taken_in(conn, numbers)

        def draft(start: int, size: int) -> Drafted:
            drafted = register.draft(size)
            if histories is None:
                return drafted, None
            return drafted, histories.draw(bulk_cards.holders(drafted, before + start + 1))

        for drafted, drawn in _drafted_ahead(pool, draft, sizes):
            with conn.begin():
                write(conn, register.numbered(drafted, taken), register.now, drawn)
            total += Generated(len(drafted.rows)) if drawn is None else Generated(
                len(drafted.rows), len(drawn.cards), len(drawn.certificates), drawn.incidents)
            if on_chunk is not None:
                on_chunk(len(drafted.rows))
    return total


def generate_register(
    engine: Engine,
    *,
    count: int,
    seed: int,
    today: date,
    now: datetime | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = False,
    only_in: Collection[str] | None = None,
    with_cards: bool = False,
    crl_shards: int = DEFAULT_CRL_SHARDS,
    incident_rate: float = DEFAULT_INCIDENT_RATE,
) -> Generated:
    """Add ``count`` synthetic residents to a migrated database, with ``with_cards`` their
    card histories too (``cards.py``); returns what was written.

    Loads the municipalities first when the table is empty. ``progress`` shows a Rich
    progress bar on stderr. ``only_in`` keeps the addresses to those municipalities.
    ``crl_shards`` is the CA's shard count (a certificate's shard is its serial modulo it).
    """
    if count < 0 or chunk_size < 1:
        raise ValueError("count must be >= 0 and chunk_size >= 1")
    with engine.connect() as conn:
        codes = municipality_codes(conn)
    if not codes:
        load_municipalities(engine)
        with engine.connect() as conn:
            codes = municipality_codes(conn)
    if only_in is not None:
        codes &= set(only_in)
    now = now or datetime.now(UTC)
    register = SyntheticRegister(seed=seed, today=today, now=now, municipality_codes=codes)
    histories = CardHistories(seed=seed, today=today, now=now, crl_shards=crl_shards,
                              incident_rate=incident_rate) if with_cards else None
    if not progress:
        return write_residents(engine, register, count=count, chunk_size=chunk_size,
                               histories=histories)
    from rich.console import Console  # noqa: PLC0415 - only the CLI asks for a bar
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("residents"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task("residents", total=count)
        return write_residents(engine, register, count=count, chunk_size=chunk_size,
                               on_chunk=lambda n: bar.advance(task, n), histories=histories)


def generate_residents(engine: Engine, *, count: int, seed: int, today: date,
                       now: datetime | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE,
                       progress: bool = False, only_in: Collection[str] | None = None) -> int:
    """``generate_register`` without cards; returns the number of residents."""
    return generate_register(engine, count=count, seed=seed, today=today, now=now,
                             chunk_size=chunk_size, progress=progress,
                             only_in=only_in).residents
