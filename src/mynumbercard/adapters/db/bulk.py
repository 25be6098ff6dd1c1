"""Fast bulk writes: the municipalities, and synthetic residents by the million.

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
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    String,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from mynumbercard.adapters.db.tables import municipalities, resident_events, residents
from mynumbercard.adapters.municipalities import directory
from mynumbercard.adapters.synthetic import RESIDENT_COLUMNS, Chunk, Draft, SyntheticRegister
from mynumbercard.domain.resident import EventKind

DEFAULT_CHUNK_SIZE = 20_000
EVENT_COLUMNS = (
    "resident_id", "kind", "occurred_on", "from_municipality", "to_municipality", "recorded_at",
)  # fmt: skip
_CODE = RESIDENT_COLUMNS.index("municipality_code")
_ASSIGNED_ON = RESIDENT_COLUMNS.index("number_assigned_on")


def has_register(engine: Engine) -> bool:
    """Is the schema there (the ``residents`` table exists)?"""
    return inspect(engine).has_table(residents.name)


def load_municipalities(engine: Engine) -> int:
    """Insert or update every municipality and ward of ``directory()``; idempotent."""
    rows = [
        {"code": m.code, "name": m.name, "kana": m.kana, "prefecture": m.prefecture,
         "prefecture_kana": m.prefecture_kana, "designated_city_code": m.designated_city_code}
        for m in directory()
    ]
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(municipalities)
    stmt = stmt.on_conflict_do_update(
        index_elements=[municipalities.c.code],
        set_={c.name: stmt.excluded[c.name] for c in municipalities.c if c.name != "code"},
    )
    with engine.begin() as conn:
        conn.execute(stmt, rows)
    return len(rows)


def municipality_codes(conn: Connection) -> set[str]:
    return set(conn.execute(select(municipalities.c.code)).scalars())


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


def _pg_type(column: Any) -> str:
    """The PostgreSQL type name that binary COPY needs for ``column``."""
    kind = column.type
    for cls, name in ((BigInteger, "int8"), (Integer, "int4"), (String, "varchar"),
                      (Date, "date")):
        if isinstance(kind, cls):
            return name
    if isinstance(kind, DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    raise TypeError(f"no binary COPY type for {column}")  # pragma: no cover


def _copy(cursor: Any, table: Any, columns: Sequence[str], rows: Iterable[Sequence[object]]
          ) -> None:
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with cursor.copy(statement) as copy:
        copy.set_types([_pg_type(table.c[name]) for name in columns])
        for row in rows:
            copy.write_row(row)


def _write_postgresql(conn: Connection, chunk: Chunk, now: datetime) -> None:
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('residents', 'id')) "
                       "FROM generate_series(1, %s)", (len(chunk.residents),))
        ids = [row[0] for row in cursor.fetchall()]
        _copy(cursor, residents, ("id", *RESIDENT_COLUMNS),
              ((rid, *row) for rid, row in zip(ids, chunk.residents, strict=True)))
        _copy(cursor, resident_events, EVENT_COLUMNS, _events(ids, chunk, now))


def _sqlite_processors(table: Any, columns: Sequence[str], conn: Connection) -> list[Any]:
    """SQLAlchemy's own conversions (dates and timestamps as it stores them in SQLite)."""
    dialect = conn.dialect
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]


def _convert(rows: list[tuple[object, ...]], processors: list[Any]) -> list[tuple[object, ...]]:
    # Dates and timestamps repeat a lot within a chunk: convert each distinct value once.
    active = [(i, p, dict[object, object]()) for i, p in enumerate(processors) if p is not None]
    out = []
    for row in rows:
        values = list(row)
        for i, process, seen in active:
            value = values[i]
            if value is not None:
                if (converted := seen.get(value)) is None:
                    converted = seen[value] = process(value)
                values[i] = converted
        out.append(tuple(values))
    return out


def _write_sqlite(conn: Connection, chunk: Chunk, now: datetime) -> None:
    raw: Any = conn.connection.driver_connection
    cursor = raw.cursor()
    try:
        first = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM residents").fetchone()[0]
        ids = range(first, first + len(chunk.residents))
        columns = ("id", *RESIDENT_COLUMNS)
        rows = _convert([(rid, *row) for rid, row in zip(ids, chunk.residents, strict=True)],
                        _sqlite_processors(residents, columns, conn))
        cursor.executemany(f"INSERT INTO residents ({', '.join(columns)}) "  # noqa: S608
                           f"VALUES ({', '.join('?' * len(columns))})", rows)
        events = _convert(_events(ids, chunk, now),
                          _sqlite_processors(resident_events, EVENT_COLUMNS, conn))
        cursor.executemany(f"INSERT INTO resident_events ({', '.join(EVENT_COLUMNS)}) "  # noqa: S608
                           f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})", events)
    finally:
        cursor.close()


def _drafted_ahead(pool: ThreadPoolExecutor, register: SyntheticRegister,
                   sizes: Sequence[int]) -> Iterator[Draft]:
    """The drafts in order, the next one always being drawn while this one is used."""
    pending: Future[Draft] | None = None
    for size in sizes:
        following = pool.submit(register.draft, size)
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
) -> int:
    """Draw ``count`` residents from ``register`` and write them with their events.

    A worker thread drafts the next chunk's people while this one is written (the
    database does most of the work, so the two overlap on two cores). Numbers are drawn
    and checked inside each chunk's own transaction, against everything committed
    before. ``on_chunk(n)`` is told after each commit.
    """
    postgres = engine.dialect.name == "postgresql"
    write = _write_postgresql if postgres else _write_sqlite
    taken_in = _taken_postgresql if postgres else _taken_sqlite
    sizes = [min(chunk_size, count - start) for start in range(0, count, chunk_size)]
    written = 0
    with ThreadPoolExecutor(1, thread_name_prefix="synthetic") as pool, engine.connect() as conn:

        def taken(numbers: Sequence[str]) -> Collection[str]:
            return taken_in(conn, numbers)

        for draft in _drafted_ahead(pool, register, sizes):
            with conn.begin():
                write(conn, register.numbered(draft, taken), register.now)
            written += len(draft.rows)
            if on_chunk is not None:
                on_chunk(len(draft.rows))
    return written


def generate_residents(
    engine: Engine,
    *,
    count: int,
    seed: int,
    today: date,
    now: datetime | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = False,
    only_in: Collection[str] | None = None,
) -> int:
    """Add ``count`` synthetic residents to a migrated database; returns the count.

    Loads the municipalities first when the table is empty. ``progress`` shows a Rich
    progress bar on stderr. ``only_in`` keeps the addresses to those municipalities.
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
    register = SyntheticRegister(seed=seed, today=today, now=now or datetime.now(UTC),
                                 municipality_codes=codes)
    if not progress:
        return write_residents(engine, register, count=count, chunk_size=chunk_size)
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
                               on_chunk=lambda n: bar.advance(task, n))
