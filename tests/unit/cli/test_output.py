"""`cli.output.plain`: a service's typed result as the JSON the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from mynumbercard.cli.output import dumps, plain
from mynumbercard.domain.card import CardStatus


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    from_status: CardStatus | None = field(metadata={"json": "from"})
    details: dict[str, Any] = field(metadata={"flatten": True})


@dataclass(frozen=True, slots=True)
class View:
    number: str
    on: date
    steps: tuple[Step, ...]


def test_fields_in_order_enums_as_values_moments_in_isoformat() -> None:
    view = View("AB", date(2026, 11, 30), (
        Step(datetime(2026, 11, 30, 9, tzinfo=UTC), CardStatus.ACTIVE, {"reason": "x"}),
        Step(datetime(2026, 12, 1, 9, tzinfo=UTC), None, {})))
    assert plain(view) == {"number": "AB", "on": "2026-11-30", "steps": [
        {"at": "2026-11-30T09:00:00+00:00", "from": "active", "reason": "x"},
        {"at": "2026-12-01T09:00:00+00:00", "from": None}]}
    assert list(plain(view)) == ["number", "on", "steps"]


def test_dumps_keeps_japanese_as_text() -> None:
    assert dumps(View("千代田", date(2026, 1, 1), ())) == (
        '{"number": "千代田", "on": "2026-01-01", "steps": []}')
