"""Produced cards waiting for their holder: one card file (the chip) per card."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from mynumbercard.adapters.card_terminal import CardManagementKey, ChipTerminal
from mynumbercard.chip import Chip
from mynumbercard.domain.errors import NotFound


class FileCardVault:
    """Card files under one directory, named by card number; the card-management key
    is opened only when a card is personalised or driven at the counter."""

    def __init__(self, directory: Path, management_key: Callable[[], CardManagementKey]) -> None:
        self._directory = directory
        self._key = management_key

    def path(self, card_number: str) -> Path:
        return self._directory / f"{card_number}.card"

    def personalise(self, card_number: str, *, card_face: Mapping[str, str]) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        Chip.personalise(self.path(card_number), card_id=card_number,
                         management_public_key_pem=self._key().public_key_pem,
                         card_face=card_face)

    def terminal(self, card_number: str) -> ChipTerminal:
        path = self.path(card_number)
        if not path.exists():
            raise NotFound(f"card {card_number} is not in the office's safe")
        return ChipTerminal(Chip.open(path), self._key())

    def destroy(self, card_number: str) -> None:
        self.path(card_number).unlink(missing_ok=True)
