"""Writing plain row tuples fast: binary ``COPY`` on PostgreSQL (psycopg 3, on the
engine's own DBAPI connection), ``executemany`` on SQLite with SQLAlchemy's own value
conversions; ids reserved ahead so that other rows can point at them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BigInteger, Boolean, Connection, Date, DateTime, Integer, String, Table


def pg_type(column: Any) -> str:
    """The PostgreSQL type name that binary COPY needs for ``column``."""
    kind = column.type
    for cls, name in ((BigInteger, "int8"), (Integer, "int4"), (String, "varchar"),
                      (Date, "date"), (Boolean, "bool")):
        if isinstance(kind, cls):
            return name
    if isinstance(kind, DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    raise TypeError(f"no binary COPY type for {column}")  # pragma: no cover


def copy(cursor: Any, table: Table, columns: Sequence[str],
         rows: Iterable[Sequence[object]]) -> None:
    """``COPY table (columns) FROM STDIN`` in the binary format."""
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with cursor.copy(statement) as out:
        out.set_types([pg_type(table.c[name]) for name in columns])
        for row in rows:
            out.write_row(row)


def reserve_ids_postgresql(cursor: Any, table: Table, count: int) -> list[int]:
    """``count`` ids from the table's own sequence (a later ordinary insert gets a new one)."""
    if count == 0:
        return []
    cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "  # noqa: S608
                   "FROM generate_series(1, %s)", (count,))
    return [row[0] for row in cursor.fetchall()]


def reserve_ids_sqlite(cursor: Any, table: Table, count: int) -> range:
    """The next ``count`` ids (inside the write lock, which ``BEGIN IMMEDIATE`` holds)."""
    first = cursor.execute(
        f"SELECT coalesce(max(id), 0) + 1 FROM {table.name}").fetchone()[0]  # noqa: S608
    return range(first, first + count)


def sqlite_processors(table: Table, columns: Sequence[str], conn: Connection) -> list[Any]:
    """SQLAlchemy's own conversions (dates and timestamps as it stores them in SQLite)."""
    dialect = conn.dialect
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]


def convert(rows: Iterable[Sequence[object]], processors: list[Any]) -> list[tuple[object, ...]]:
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


def insert_sqlite(conn: Connection, cursor: Any, table: Table, columns: Sequence[str],
                  rows: Iterable[Sequence[object]]) -> None:
    """``executemany`` of plain tuples, converted as SQLAlchemy would."""
    converted = convert(rows, sqlite_processors(table, columns, conn))
    cursor.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608
                       f"VALUES ({', '.join('?' * len(columns))})", converted)
