"""My Number Points' grant: 25 % rounded down to the yen, never above what is left of the
person's cap, nothing outside the period or for a kind the campaign does not count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.points import (
    FIRST,
    MAX_AMOUNT,
    Campaign,
    GrantRefused,
    ReportKind,
    grant,
)

DEC = Campaign("dec-2026", date(2026, 12, 1), date(2026, 12, 31), 25, 5000,
               frozenset(ReportKind))
INSIDE = datetime(2026, 12, 10, 12, tzinfo=JST)
amounts = st.integers(1, MAX_AMOUNT)
so_far = st.integers(0, 6000)
kinds = st.sampled_from(ReportKind)


@given(amounts, so_far, kinds)
def test_a_grant_is_a_quarter_rounded_down_within_what_is_left(amount: int, before: int,
                                                                 kind: ReportKind) -> None:
    points = grant(DEC, kind=kind, amount=amount, at=INSIDE, granted_so_far=before)
    assert 0 <= points <= amount // 4
    assert before + points <= max(before, DEC.cap)
    assert points == min(amount // 4, max(0, DEC.cap - before))


@given(st.lists(amounts, max_size=30))
def test_a_person_never_gets_more_than_the_cap(reports: list[int]) -> None:
    total = 0
    for amount in reports:
        total += grant(DEC, kind=ReportKind.CHARGE, amount=amount, at=INSIDE,
                       granted_so_far=total)
    assert total == min(sum(a // 4 for a in reports), DEC.cap)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2050, 1, 1),  # noqa: DTZ001
                    timezones=st.just(UTC)), amounts)
def test_nothing_is_granted_outside_the_period(at: datetime, amount: int) -> None:
    day = at.astimezone(JST).date()
    if DEC.starts_on <= day <= DEC.ends_on:
        assert grant(DEC, kind=ReportKind.PURCHASE, amount=amount, at=at,
                     granted_so_far=0) == min(amount // 4, DEC.cap)
    else:
        with pytest.raises(GrantRefused) as refused:
            grant(DEC, kind=ReportKind.PURCHASE, amount=amount, at=at, granted_so_far=0)
        assert refused.value.code == "outside_period"


def test_the_period_is_counted_in_japan_days() -> None:
    last_minute = datetime(2026, 12, 31, 23, 59, tzinfo=JST)
    assert grant(DEC, kind=ReportKind.CHARGE, amount=399, at=last_minute,
                 granted_so_far=0) == 99
    with pytest.raises(GrantRefused):  # 1 January 00:00 in Tokyo, still 31 Dec in UTC
        grant(DEC, kind=ReportKind.CHARGE, amount=400, at=last_minute + timedelta(minutes=1),
              granted_so_far=0)


def test_a_kind_the_campaign_does_not_count_is_refused() -> None:
    charges_only = Campaign("charges", date(2026, 12, 1), date(2026, 12, 31), 25, 5000,
                            frozenset({ReportKind.CHARGE}))
    with pytest.raises(GrantRefused) as refused:
        grant(charges_only, kind=ReportKind.PURCHASE, amount=100, at=INSIDE,
              granted_so_far=0)
    assert refused.value.code == "not_qualifying"


@pytest.mark.parametrize("amount", [0, -1, MAX_AMOUNT + 1, True])
def test_a_malformed_amount_is_refused(amount: int) -> None:
    with pytest.raises(InvalidInput):
        grant(DEC, kind=ReportKind.CHARGE, amount=amount, at=INSIDE, granted_so_far=0)


@pytest.mark.parametrize("fields", [
    {"name": "has space"}, {"ends_on": date(2026, 11, 30)}, {"rate_percent": 0},
    {"rate_percent": 101}, {"cap": 0}, {"qualifies": frozenset()}])
def test_a_malformed_campaign_is_refused(fields: dict[str, object]) -> None:
    values: dict[str, object] = {"name": "x", "starts_on": date(2026, 12, 1),
                                 "ends_on": date(2026, 12, 31), "rate_percent": 25,
                                 "cap": 5000, "qualifies": frozenset(ReportKind)}
    with pytest.raises(InvalidInput):
        Campaign(**(values | fields))  # type: ignore[arg-type]


def test_the_first_campaign_is_a_quarter_up_to_5000_yen() -> None:
    assert (FIRST.rate_percent, FIRST.cap) == (25, 5000)
    assert grant(FIRST, kind=ReportKind.CHARGE, amount=20_003,
                 at=datetime(2021, 3, 1, tzinfo=JST), granted_so_far=0) == 5000
