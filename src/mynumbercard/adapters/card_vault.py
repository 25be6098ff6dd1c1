"""The office's safe (and its reader): the cards the office holds, one card file each.

It holds a card from production until the hand-over. A card that leaves the office
leaves no copy: ``release`` gives the card file to the holder and removes the office's
file, keeping only a marker that says the card is with its holder, so ``terminal`` can
say so. ``terminal`` is the card in the office's reader. A holder's card (at the
counter, or left in custody) is in the counter terminal's reader, never here
(docs/chip.md "Where the cards are").
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from mynumbercard.adapters.card_terminal import ApduTerminal, CardManagementKey, file_terminal
from mynumbercard.chip import Chip, transfer
from mynumbercard.domain.errors import Conflict, NotFound

WITH_HOLDER = ".with-holder"  # the marker's suffix; it holds nothing of the card


class FileCardVault:
    """Card files under one directory, named by card number; the card-management key
    is opened only when a card is personalised, received or driven at the counter."""

    def __init__(self, directory: Path, management_key: Callable[[], CardManagementKey]) -> None:
        self._directory = directory
        self._key = management_key

    def path(self, card_number: str) -> Path:
        return self._directory / f"{card_number}.card"

    def _marker(self, card_number: str) -> Path:
        return self._directory / f"{card_number}{WITH_HOLDER}"

    def holds(self, card_number: str) -> bool:
        """Whether the card is here (not yet handed over, or left for renewal)."""
        return self.path(card_number).exists()

    def _absent(self, card_number: str) -> Exception:
        if self._marker(card_number).exists():
            return Conflict(f"card {card_number} is with its holder: the office keeps no "
                            "copy of a card it handed over; put the holder's card in the "
                            "reader")
        return NotFound(f"card {card_number} is not in the office's safe")

    def personalise(self, card_number: str, *, card_face: Mapping[str, str]) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        Chip.personalise(self.path(card_number), card_id=card_number,
                         management_public_key_pem=self._key().public_key_pem,
                         card_face=card_face)

    def terminal(self, card_number: str) -> ApduTerminal:
        """The card in the office's reader (driven with APDUs); refused for a card that
        is not here."""
        if not self.holds(card_number):
            raise self._absent(card_number)
        return file_terminal(self.path(card_number), self._key())

    def release(self, card_number: str) -> bytes:
        """The card leaves the office with its holder: its card file,
        and no copy left here."""
        if not self.holds(card_number):
            raise self._absent(card_number)
        _touch(self._marker(card_number))  # first: a crash leaves the card and a marker
        return transfer.take(self.path(card_number))

    def destroy(self, card_number: str) -> None:
        """A card the office holds is destroyed (never handed over); one with its holder
        is not here to destroy."""
        transfer.discard(self.path(card_number))


def _touch(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.fsync(fd)
    os.close(fd)


class SimulatedVault(FileCardVault):
    """The safe during a simulation (`--simulate`): it answers what it holds, and touches
    nothing -- a card a simulated job would destroy stays, a chip stays as it is."""

    def __init__(self, real: FileCardVault) -> None:
        super().__init__(real._directory, real._key)

    def destroy(self, card_number: str) -> None:
        return None

    def _refused(self) -> Exception:
        return Conflict("not in a simulation: the cards in the safe are not touched")

    def personalise(self, card_number: str, *, card_face: Mapping[str, str]) -> None:
        raise self._refused()

    def terminal(self, card_number: str) -> ApduTerminal:
        raise self._refused()

    def release(self, card_number: str) -> bytes:
        raise self._refused()

