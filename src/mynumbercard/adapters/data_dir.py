"""The data directory is private: 0700, its files 0600 (the database, photos, letters,
cards, keys). Processes start with a umask of 077 (`private_umask`), so what they create
is private; `tighten` fixes what an older version left readable.

CRLs are public (relying parties fetch them over HTTP, `/crl/...`): their files keep
0644, inside the private directory, so only the server's own user reads them from disk.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_UMASK = 0o077
PUBLIC_SUFFIXES = (".crl",)


def private_umask() -> None:
    """Every file and directory this process creates from now on is its owner's only."""
    os.umask(PRIVATE_UMASK)


def _is_public(path: Path, crl_directory: Path | None) -> bool:
    return (crl_directory is not None and path.suffix in PUBLIC_SUFFIXES
            and path.resolve().is_relative_to(crl_directory.resolve()))


def _chmod(path: Path, mode: int) -> bool:
    current = stat.S_IMODE(path.lstat().st_mode)
    if current & ~mode & 0o777 == 0:
        return False
    os.chmod(path, current & mode)
    return True


def tighten(home: Path, *, crl_directory: Path | None = None,
            files: Iterable[Path] = ()) -> list[Path]:
    """Take group and other permissions off `home`, everything under it (except the
    public CRLs) and `files` (a database kept elsewhere). Symbolic links are not
    followed. Returns what changed."""
    changed: list[Path] = []
    if home.is_dir() and _chmod(home, 0o700):
        changed.append(home)
    for root, directories, names in os.walk(home) if home.is_dir() else ():
        for name in directories:
            path = Path(root) / name
            if not path.is_symlink() and _chmod(path, 0o700):
                changed.append(path)
        for name in names:
            path = Path(root) / name
            if path.is_symlink() or _is_public(path, crl_directory):
                continue
            if _chmod(path, 0o600):
                changed.append(path)
    for path in files:
        if path.is_file() and not path.is_symlink() and _chmod(path, 0o600):
            changed.append(path)
    return changed


def sqlite_files(url: str) -> list[Path]:
    """The database file of a SQLite URL and its WAL and shared-memory files."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix + ":memory:":
        return []
    database = Path(url[len(prefix):])
    return [database, database.with_name(database.name + "-wal"),
            database.with_name(database.name + "-shm")]
