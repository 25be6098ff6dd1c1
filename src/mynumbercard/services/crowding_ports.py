"""What the crowding use cases need from the database, as Protocols."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.crowding import HourSeen
from mynumbercard.domain.walk_ins import WalkIn


class WalkInRepository(Protocol):
    def add(self, walk_in: WalkIn) -> int: ...
    def get(self, walk_in_id: int) -> WalkIn | None: ...
    def save(self, walk_in: WalkIn) -> None:
        """Write a mark; Conflict if another clerk marked it meanwhile."""
        ...

    def of_day(self, office_code: str, start: datetime, end: datetime, *,
               limit: int) -> Sequence[WalkIn]:
        """The office's walk-ins who arrived from `start` to before `end`, in arrival
        order, at most `limit`."""
        ...

    def waiting(self, office_code: str, *, since: datetime) -> int:
        """Walk-ins who arrived since `since` and wait still."""
        ...


class HoursSeen(Protocol):
    def add(self, office_code: str, seen: HourSeen) -> None:
        """Add `seen`'s counts to its office, day and hour (the row made if none)."""
        ...

    def between(self, office_code: str, first: date, last: date) -> Sequence[HourSeen]:
        """The office's hours seen from `first` to `last`, both included."""
        ...
