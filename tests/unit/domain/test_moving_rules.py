"""The moving rules: the special case's limits, the continuation's 90 days, the verbs."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain.errors import Conflict, InvalidDates, InvalidInput, InvalidTransition
from mynumbercard.domain.moving import (
    CardLapse,
    MovingNotice,
    MovingStatus,
    check_planned_on,
    continuation_lapses_on,
    new_reference,
    parse_reference,
    special_case_lapses_on,
)

days = st.dates(min_value=date(2016, 1, 1), max_value=date(2099, 12, 31))


def _notice(planned_on: date, *, card: bool = True) -> MovingNotice:
    return MovingNotice(id=1, resident_id=1, origin="13101", destination="13103",
                        planned_on=planned_on, notified_on=planned_on - timedelta(days=3),
                        reference="123456789012", card_number="CARD" if card else None)


@given(planned=days, moved=st.integers(min_value=-14, max_value=60))
def test_the_special_case_ends_30_days_after_the_plan_or_14_after_moving_in(
        planned: date, moved: int) -> None:
    moved_in_on = planned + timedelta(days=moved)
    first_lapsed = special_case_lapses_on(planned, moved_in_on=moved_in_on)
    assert first_lapsed == min(planned + timedelta(days=31), moved_in_on + timedelta(days=15))
    assert first_lapsed <= special_case_lapses_on(planned, moved_in_on=None)


def test_worked_examples() -> None:
    # Planned 1 Dec: the 30 days end on 31 Dec; the card lapsed from 1 Jan.
    assert special_case_lapses_on(date(2026, 12, 1), moved_in_on=None) == date(2027, 1, 1)
    # Moved in on 5 Dec: 14 days end on 19 Dec, lapsed from 20 Dec (earlier).
    assert special_case_lapses_on(date(2026, 12, 1), moved_in_on=date(2026, 12, 5)) \
        == date(2026, 12, 20)
    # Moving-in notified 1 Dec: continuation possible through 1 Mar (90 days), not 2 Mar.
    assert continuation_lapses_on(date(2026, 12, 1)) == date(2027, 3, 2)


@given(planned=days, late=st.integers(min_value=0, max_value=200))
def test_a_moving_in_on_or_after_the_lapse_day_lapses_the_card_only(planned: date,
                                                                    late: int) -> None:
    moved_in_on = planned
    lapse_day = special_case_lapses_on(planned, moved_in_on=moved_in_on)
    notice = _notice(planned)
    today = moved_in_on + timedelta(days=late)
    lapse = notice.move_in(moved_in_on=moved_in_on, today=today)
    assert notice.status is MovingStatus.MOVED_IN  # the move is recorded either way
    assert (lapse is CardLapse.NO_MOVING_IN) == (today >= lapse_day)


@given(planned=days, after=st.integers(min_value=0, max_value=120))
def test_the_card_is_continued_within_90_days_of_the_moving_in(planned: date,
                                                               after: int) -> None:
    notice = _notice(planned)
    notice.move_in(moved_in_on=planned, today=planned)
    today = planned + timedelta(days=after)
    assert notice.card_lapses_on(today=today) == continuation_lapses_on(planned)
    notice.continue_card(today=today)
    if after <= 90:
        assert notice.card_continued_on == today
        assert notice.card_lapsed is None
        assert notice.card_lapses_on(today=today) is None
    else:
        assert notice.card_lapsed is CardLapse.NO_CONTINUATION
        with pytest.raises(Conflict):
            notice.continue_card(today=today)


def test_the_daily_job_lapses_what_is_due_and_nothing_else() -> None:
    notice = _notice(date(2026, 12, 1))
    assert notice.lapse_if_due(today=date(2026, 12, 31)) is None
    assert notice.lapse_if_due(today=date(2027, 1, 1)) is CardLapse.NO_MOVING_IN
    assert _notice(date(2026, 12, 1), card=False).lapse_if_due(today=date(2030, 1, 1)) is None


def test_verbs_in_the_wrong_state_are_refused() -> None:
    notice = _notice(date(2026, 12, 1))
    with pytest.raises(Conflict):
        notice.continue_card(today=date(2026, 12, 1))  # before the moving-in
    with pytest.raises(InvalidDates):
        notice.move_in(moved_in_on=date(2026, 12, 3), today=date(2026, 12, 2))
    notice.move_in(moved_in_on=date(2026, 12, 1), today=date(2026, 12, 2))
    with pytest.raises(InvalidTransition):
        notice.move_in(moved_in_on=date(2026, 12, 1), today=date(2026, 12, 2))
    with pytest.raises(InvalidTransition):
        notice.cancel()
    with pytest.raises(Conflict):
        _notice(date(2026, 12, 1), card=False).continue_card(today=date(2026, 12, 2))


def test_the_planned_day_and_the_reference() -> None:
    today = date(2026, 11, 25)
    check_planned_on(today + timedelta(days=14), today=today, birth_date=date(1990, 1, 1))
    with pytest.raises(InvalidDates):
        check_planned_on(today + timedelta(days=15), today=today, birth_date=date(1990, 1, 1))
    with pytest.raises(InvalidDates):
        check_planned_on(today - timedelta(days=15), today=today, birth_date=date(1990, 1, 1))
    reference = new_reference(random.Random(3))
    assert parse_reference(reference) == reference
    for bad in ("12345678901", "1234567890123", "12345678901a", "１２３４５６７８９０１２"):
        with pytest.raises(InvalidInput):
            parse_reference(bad)
    assert "123456789012" not in repr(_notice(date(2026, 12, 1)))
