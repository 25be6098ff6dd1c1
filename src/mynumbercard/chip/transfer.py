"""A card changing hands: taken out of a place (the file gone) or put into one.

In this simulation the card file *is* the chip, so whoever keeps a copy keeps the card:
a card that leaves the office must leave no file behind. ``take`` reads the card and
removes its file durably, under the card's lock (an operation in flight finishes first);
``put`` stores a card that was handed in, after checking that it is an intact card file,
the card expected, and personalised by the expected issuer.
"""

from __future__ import annotations

from pathlib import Path

from mynumbercard.chip import lock, storage
from mynumbercard.domain import errors
from mynumbercard.domain.pins import CardError


def take(path: Path) -> bytes:
    """The card file's bytes; the file is removed (and the removal made durable)."""
    with lock.exclusive(path):
        storage.read(path)  # NotFound if there is none; CardError if it is no card
        raw = path.read_bytes()
        path.unlink()
        storage.fsync_directory(path.parent)
    return raw


def discard(path: Path) -> None:
    """Remove the card file if there is one, whatever its state (a card destroyed)."""
    with lock.exclusive(path):
        if path.exists():
            path.unlink()
            storage.fsync_directory(path.parent)


def check(raw: bytes, *, card_id: str | None = None,
          management_key_fingerprint: str | None = None) -> storage.CardState:
    """The state of the card in ``raw``; refused unless it is the card and issuer expected."""
    if len(raw) > storage.MAX_FILE_BYTES:
        raise CardError("not a card file: the file is far too large")
    state = storage.decode(raw)
    if card_id is not None and state.card_id != card_id:
        raise errors.InvalidInput(f"this is card {state.card_id}, not card {card_id}")
    if (management_key_fingerprint is not None
            and state.management_key_fingerprint != management_key_fingerprint):
        raise errors.InvalidInput("this card was personalised by another issuer (its "
                                  "card-management key is not ours)")
    return state


def put(path: Path, raw: bytes, *, card_id: str | None = None,
        management_key_fingerprint: str | None = None) -> None:
    """Store the card in ``raw`` at ``path`` (mode 0600, atomically, never over a file)."""
    state = check(raw, card_id=card_id, management_key_fingerprint=management_key_fingerprint)
    try:
        storage.write(path, state, create=True)
    except FileNotFoundError:
        raise errors.NotFound(f"no directory {path.parent} to put the card file in") from None
