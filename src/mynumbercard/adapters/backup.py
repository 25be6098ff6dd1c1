"""Backing up and restoring a data directory and its database (docs/operations.md).

A backup is a directory: `database.sqlite3` (SQLite's online backup API: a consistent
copy while the system runs) or `database.dump` (`pg_dump --format=custom`), and a copy
of the data directory without the database and without the CA passphrase file -- the
passphrase is kept apart from the keys it unlocks. The anchor file and the published
CRLs and signed audit head are copied *before* the database, so the restored chain
never lacks a seal its anchors vouch for; the cards' and photos' files after it, so no
row points at a file the backup lacks.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

from mynumbercard.adapters.ca_setup import OLD_PASSPHRASE_FILE
from mynumbercard.domain.errors import Conflict, InvalidInput

MANIFEST = "backup.json"
FILES = "home"
SECRETS = "secrets"  # the demo's CA passphrase, the TOTP key: never in a backup
_BEFORE = ("crl",)  # with the anchor file: before the database
_SQLITE, _DUMP = "database.sqlite3", "database.dump"


@dataclass(frozen=True, slots=True)
class Place:
    """Where a system keeps its things: the data directory, the anchor file, the database."""

    home: Path
    anchor: Path
    database_url: str


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
        found = str(versions[0]) if versions else None
    if found is None:
        raise Conflict(f"{name} is not installed (Debian: postgresql-client)")
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603
                          check=False)  # our own pg_dump / pg_restore command lines
    if done.returncode != 0:
        raise Conflict(f"{Path(command[0]).name} failed: {done.stderr.strip()[:500]}")


def _copy_tree(source: Path, target: Path, *, skip: set[Path]) -> None:
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if path in skip or any(parent in skip for parent in path.parents):
            continue
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True, mode=0o700)
        elif path.is_file():
            destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copy2(path, destination)


def backup(engine: Engine, place: Place, target: Path, *, now: datetime) -> Path:
    """Write a backup of `place` into the new directory `target`."""
    if target.exists() and any(target.iterdir()):
        raise Conflict(f"{target} is not empty: back up into a new directory")
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    files = target / FILES
    home = place.home.resolve()
    database_files = {home / f"mynumbercard.sqlite3{tail}" for tail in ("", "-wal", "-shm")}
    if place.anchor.is_file():
        (target / "anchor").write_bytes(place.anchor.read_bytes())
    for name in _BEFORE:
        _copy_tree(home / name, files / name, skip=set())
    if engine.dialect.name == "sqlite":
        database = make_url(place.database_url).database or ""
        with sqlite3.connect(database) as source, sqlite3.connect(target / _SQLITE) as copy:
            source.backup(copy)
        kind = "sqlite"
    else:
        url, env = _libpq(place.database_url)
        _run([_pg_tool("pg_dump"), "--format=custom", "--file", str(target / _DUMP), url], env)
        kind = "postgresql"
    # Secrets stay out of a backup: kept apart from what they protect (docs/operations.md);
    # so does the CLI's sign-in token ("session"): a backup holds no live secret.
    skip = database_files | {home / "ca" / OLD_PASSPHRASE_FILE, home / SECRETS,
                             home / "session",
                             place.anchor.resolve(),
                             *(home / name for name in _BEFORE), target.resolve()}
    _copy_tree(home, files, skip=skip)
    (target / MANIFEST).write_text(json.dumps(
        {"format": 1, "database": kind, "created_at": now.isoformat()}, indent=1) + "\n")
    return target


def restore(engine: Engine, place: Place, source: Path) -> str:
    """Restore the backup in `source` into an empty data directory and database."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{source} is not a backup (no readable {MANIFEST})") from exc
    if manifest.get("database") != engine.dialect.name:
        raise InvalidInput(f"the backup holds a {manifest.get('database')} database; "
                           f"this system's is {engine.dialect.name}")
    if inspect(engine).get_table_names():
        raise Conflict("the database is not empty: restore into a new one")
    if (place.home / "ca").exists() or place.anchor.exists():
        raise Conflict(f"{place.home} already holds a system: restore into a new directory")
    if engine.dialect.name == "sqlite":
        engine.dispose()
        database = Path(make_url(place.database_url).database or "")
        database.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source / _SQLITE) as copy, sqlite3.connect(database) as target:
            copy.backup(target)
    else:
        url, env = _libpq(place.database_url)
        _run([_pg_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error",
              "--dbname", url, str(source / _DUMP)], env)
    _copy_tree(source / FILES, place.home, skip=set())
    if (source / "anchor").is_file():
        place.anchor.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(place.anchor, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as anchor:
            anchor.write((source / "anchor").read_bytes())
    return str(manifest["database"])
