"""The counter's reader with the card the holder presents (not one the office holds).

The holder's card comes in with the request (its card file), is driven with the
card-management key for the one use case, and goes back to the holder in the answer;
the copy in the reader lives in a private temporary directory outside the data
directory and is removed when the block ends, whatever happened. Issue 14's PC/SC
counter terminal maps onto this: `present` is "card inserted", the end of the block is
"card removed".
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from mynumbercard.adapters.card_terminal import ApduTerminal, CardManagementKey, file_terminal
from mynumbercard.chip import transfer
from mynumbercard.chip.admin import parse_management_public_key


class PresentedCard:
    """The holder's card in the reader: a terminal over it, and the card as it is now."""

    def __init__(self, path: Path, terminal: ApduTerminal) -> None:
        self._path = path
        self.terminal = terminal

    def card(self) -> bytes:
        """The card file to give back to the holder (with what the counter wrote)."""
        return self._path.read_bytes()


class CounterReader:
    def __init__(self, management_key: Callable[[], CardManagementKey]) -> None:
        self._key = management_key

    @contextlib.contextmanager
    def present(self, card_number: str, card: bytes) -> Iterator[PresentedCard]:
        """The holder's card in the reader for the block; refused unless it is card
        `card_number`, intact, and personalised with our card-management key."""
        key = self._key()
        _, ours = parse_management_public_key(key.public_key_pem)
        transfer.check(card, card_id=card_number, management_key_fingerprint=ours)
        with tempfile.TemporaryDirectory(prefix="mnc-reader-") as folder:
            path = Path(folder) / "card"
            transfer.put(path, card, card_id=card_number, management_key_fingerprint=ours)
            yield PresentedCard(path, file_terminal(path, key))
