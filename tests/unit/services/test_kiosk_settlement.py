"""The kiosk settlement's pure parts: the period (a calendar month by default, bounded)
and one operator's rows summed per municipality and per kind, refusals counted."""

from __future__ import annotations

from datetime import date

import pytest

from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.kiosk import KioskDocument
from mynumbercard.services.kiosk_settlement import (
    DocumentRow,
    KindCount,
    RefusalCount,
    RefusalRow,
    period,
    summarise,
)

RESIDENCE, ITEMS = KioskDocument.RESIDENCE_CERTIFICATE, KioskDocument.REGISTER_ITEMS


@pytest.mark.parametrize(("start", "end", "today", "expected"), [
    (None, None, date(2026, 11, 30), (date(2026, 11, 1), date(2026, 11, 30))),
    (None, None, date(2026, 12, 5), (date(2026, 12, 1), date(2026, 12, 31))),
    (None, None, date(2028, 2, 10), (date(2028, 2, 1), date(2028, 2, 29))),
    (date(2026, 2, 1), None, date(2026, 11, 30), (date(2026, 2, 1), date(2026, 2, 28))),
    (date(2026, 1, 15), date(2026, 3, 1), date(2026, 11, 30),
     (date(2026, 1, 15), date(2026, 3, 1))),
])
def test_the_period_is_this_month_by_default(start: date | None, end: date | None,
                                             today: date, expected: tuple[date, date]) -> None:
    assert period(start, end, today=today) == expected


@pytest.mark.parametrize(("start", "end", "message"), [
    (None, date(2026, 11, 30), "give the period's first day (from) with its last (to)"),
    (date(2026, 11, 30), date(2026, 11, 1), "the period ends on or after its start"),
    (date(2025, 1, 1), date(2026, 2, 5), "a period is at most 400 days"),
])
def test_a_period_that_is_not_one_is_refused(start: date | None, end: date,
                                             message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        period(start, end, today=date(2026, 11, 30))
    assert refused.value.message == message


def test_an_operators_rows_are_summed_per_municipality_and_kind() -> None:
    rows = [DocumentRow("rp_a", "13101", RESIDENCE, 3, 900),
            DocumentRow("rp_a", "13101", ITEMS, 1, 200),
            DocumentRow("rp_a", "01101", RESIDENCE, 2, 700)]
    refusals = [RefusalRow("rp_a", "pin_wrong", 4), RefusalRow("rp_a", "replayed", 1),
                RefusalRow("rp_a", "certificate_expired", 4)]
    seen = summarise("rp_a", "Kiosk Co.", rows, refusals,
                     {"13101": "東京都千代田区", "01101": "北海道札幌市中央区"})
    assert [(m.municipality_code, m.municipality_name, m.documents, m.fees)
            for m in seen.municipalities] == [("01101", "北海道札幌市中央区", 2, 700),
                                              ("13101", "東京都千代田区", 4, 1100)]
    assert seen.municipalities[0].by_kind == [KindCount(RESIDENCE, 2, 700),
                                              KindCount(ITEMS, 0, 0)]
    assert seen.by_kind == [KindCount(RESIDENCE, 5, 1600), KindCount(ITEMS, 1, 200)]
    assert (seen.documents, seen.fees, seen.refused) == (6, 1800, 9)
    assert seen.refusals == [RefusalCount("certificate_expired", 4),
                             RefusalCount("pin_wrong", 4), RefusalCount("replayed", 1)]


def test_an_operator_with_refusals_only_has_no_municipality() -> None:
    seen = summarise("rp_b", "Store B", [], [RefusalRow("rp_b", "outside_hours", 2)], {})
    assert seen.municipalities == []
    assert seen.by_kind == [KindCount(RESIDENCE, 0, 0), KindCount(ITEMS, 0, 0)]
    assert (seen.documents, seen.fees, seen.refused) == (0, 0, 2)
