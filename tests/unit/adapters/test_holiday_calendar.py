"""Japan's holidays come from the `holidays` package: substitute and "national" holidays
included, years filled on first use."""

from __future__ import annotations

from datetime import date

from mynumbercard.adapters.holiday_calendar import holiday_name, japan


def test_public_substitute_and_national_holidays() -> None:
    calendar = japan()
    assert date(2026, 1, 12) in calendar  # 成人の日 (the second Monday of January)
    assert holiday_name(date(2026, 5, 6)) == "振替休日"  # Constitution Day fell on a Sunday
    assert date(2026, 9, 22) in calendar  # 国民の休日, between two holidays
    assert date(2026, 12, 1) not in calendar
    assert holiday_name(date(2026, 12, 1)) is None
    assert date(2035, 1, 1) in calendar  # a year beyond those filled first
