"""One caller at a time on a card file, across threads and processes (a card in a reader
answers one command at a time).

An exclusive ``flock`` on a lock file beside the card file (``.<name>.lock``), held from
the read to the last durable write of an operation. Not on the card file itself: every
write replaces it (a new inode), so a lock on it would not outlive the first write. The
lock file is removed when the operation ends, so nothing is left beside the card; a
caller that waited on a lock file removed meanwhile sees that the path no longer names
the file it locked and starts again on the new one, so two callers never both hold "the"
lock. Each ``open`` is its own open file description, so threads exclude each other too.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from mynumbercard.domain.pins import CardError


def lock_path(card: Path) -> Path:
    return card.with_name(f".{card.name}.lock")


def _same_file(fd: int, path: Path) -> bool:
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)


@contextlib.contextmanager
def exclusive(card: Path) -> Iterator[None]:
    """Hold the card's lock for the ``with`` block (blocking until it is free)."""
    path = lock_path(card)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except FileNotFoundError:
            raise CardError(f"no directory {card.parent} for the card file") from None
        except OSError as exc:
            raise CardError(f"cannot lock the card file {card}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if _same_file(fd, path):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # it was removed while we waited: take the current one
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # still locked: whoever waits on it will start again
        os.close(fd)


def reader_lock_path(card: Path) -> Path:
    return card.with_name(f".{card.name}.reader")


@contextlib.contextmanager
def in_reader(card: Path) -> Iterator[None]:
    """The card is in a reader for the block: a second reader on the same card file is
    refused at once (a card is in one reader at a time), while each command still takes
    the card's lock (``exclusive``) so the counter and the file stay exact."""
    path = reader_lock_path(card)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise CardError(f"cannot put the card {card} in a reader: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise CardInReader(f"the card {card.name} is in another reader already") from None
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.close(fd)


class CardInReader(CardError):
    code = "card_in_reader"
