"""Card and certificate validity, renewal and notice windows (rules.md, "Dates")."""

from __future__ import annotations

import bisect
from datetime import date, timedelta
from functools import cache

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mynumbercard.domain import validity
from mynumbercard.domain.dates import nth_birthday_after
from mynumbercard.domain.errors import InvalidDates
from mynumbercard.domain.validity import expiries_noticed_from, notice_window

ONE_DAY = timedelta(days=1)
LAW_CHANGE = date(2022, 4, 1)


# --- independent oracles: no call into the code under test ---------------------------


def is_leap(year: int) -> bool:
    try:
        date(year, 2, 29)
    except ValueError:
        return False
    return True


def is_deemed_birthday(birth: date, day: date) -> bool:
    """Is ``day`` a birthday of someone born on ``birth`` (29 Feb → 28 Feb when common)?"""
    if day <= birth:
        return False
    if day.month == birth.month and day.day == birth.day:
        return True
    return (
        birth.month == 2
        and birth.day == 29
        and day.month == 2
        and day.day == 28
        and not is_leap(day.year)
    )


def reference_age(birth: date, on: date) -> int:
    """Completed years: count the days in (birth, on] on which a new age starts."""
    age = 0
    year = birth.year + 1
    while True:
        if is_leap(year) or (birth.month, birth.day) != (2, 29):
            starts = date(year, birth.month, birth.day)
        else:
            starts = date(year, 3, 1)
        if starts > on:
            return age
        age += 1
        year += 1


def birthdays_to_count(birth: date, applied: date) -> int:
    minor_under = 20 if applied < LAW_CHANGE else 18
    return 5 if reference_age(birth, applied) < minor_under else 10


def walk_card_expiry(
    birth: date, applied: date, issued: date, residence_until: date | None = None
) -> date:
    """Walk day by day from the issue date, counting the holder's (deemed) birthdays."""
    wanted = birthdays_to_count(birth, applied)
    day, seen = issued, 0
    while seen < wanted:
        day += ONE_DAY
        if is_deemed_birthday(birth, day):
            seen += 1
    if residence_until is not None and residence_until < day:
        return residence_until
    return day


def walk_certificate_expiry(birth: date, certificate_issued: date, card_expires: date) -> date:
    day, seen = certificate_issued, 0
    while seen < 5 and day < card_expires:
        day += ONE_DAY
        if is_deemed_birthday(birth, day):
            seen += 1
    return day


CYCLE_START, CYCLE_END = date(1600, 1, 1), date(1999, 12, 31)  # 146,097 days, 400 years


@cache
def birthday_index() -> dict[tuple[int, int], list[int]]:
    """One day-by-day walk over 1600..2149: for each (month, day) of birth, the ordinals of
    the days that are a (deemed) birthday for it, in order."""
    index: dict[tuple[int, int], list[int]] = {}
    day, end = CYCLE_START, date(2150, 1, 1)
    while day < end:
        index.setdefault((day.month, day.day), []).append(day.toordinal())
        if day.month == 2 and day.day == 28 and not is_leap(day.year):
            index.setdefault((2, 29), []).append(day.toordinal())
        day += ONE_DAY
    return index


def indexed_card_expiry(birth: date, applied: date, issued: date) -> date:
    days = birthday_index()[(birth.month, birth.day)]
    first_after = bisect.bisect_right(days, max(issued, birth).toordinal())
    return date.fromordinal(days[first_after + birthdays_to_count(birth, applied) - 1])


# --- worked examples (rules.md) --------------------------------------------------------


def test_worked_example_adult_birthday_10_october() -> None:
    expires = validity.card_expiry(
        birth_date=date(1980, 10, 10), applied_on=date(2020, 4, 1), issued_on=date(2020, 5, 15)
    )
    assert expires == date(2029, 10, 10)


def test_worked_example_application_just_before_the_law_change() -> None:
    born = date(2003, 6, 1)
    before = validity.card_expiry(
        birth_date=born, applied_on=date(2022, 3, 31), issued_on=date(2022, 4, 20)
    )
    after = validity.card_expiry(birth_date=born, applied_on=date(2022, 4, 1),
                                 issued_on=date(2022, 4, 20))
    assert before == date(2026, 6, 1)
    assert after == date(2031, 6, 1)


def test_worked_example_born_29_february() -> None:
    expires = validity.card_expiry(
        birth_date=date(2000, 2, 29), applied_on=date(2024, 1, 5), issued_on=date(2024, 2, 1)
    )
    assert expires == date(2033, 2, 28)


def test_minor_age_limit_changes_on_2022_04_01() -> None:
    assert validity.AGE_OF_MAJORITY_LOWERED_ON == LAW_CHANGE
    assert validity.minor_age_limit(date(2022, 3, 31)) == 20
    assert validity.minor_age_limit(date(2022, 4, 1)) == 18
    assert validity.minor_age_limit(date(1990, 1, 1)) == 20
    assert validity.minor_age_limit(date(2030, 1, 1)) == 18


def test_a_birthday_on_the_issue_date_does_not_count() -> None:
    expires = validity.card_expiry(
        birth_date=date(1990, 7, 7), applied_on=date(2020, 6, 1), issued_on=date(2020, 7, 7)
    )
    assert expires == date(2030, 7, 7)


def test_a_newborn_gets_five_birthdays() -> None:
    born = date(2023, 8, 1)
    assert validity.card_expiry(birth_date=born, applied_on=born,
                                issued_on=born) == date(2028, 8, 1)


def test_age_on_the_application_date_decides_not_on_the_issue_date() -> None:
    # 17 when applying, 18 when the card is made: still the five-year card.
    assert validity.card_expiry(
        birth_date=date(2005, 5, 10), applied_on=date(2023, 5, 1), issued_on=date(2023, 6, 1)
    ) == date(2028, 5, 10)
    # 18 on the application day itself: adult.
    assert validity.card_expiry(
        birth_date=date(2005, 5, 10), applied_on=date(2023, 5, 10), issued_on=date(2023, 6, 1)
    ) == date(2033, 5, 10)


def test_born_29_february_is_adult_from_1_march_in_a_common_year() -> None:
    born = date(2008, 2, 29)  # 18 from 2026-03-01 (2026 is a common year)
    on_28th = validity.card_expiry(
        birth_date=born, applied_on=date(2026, 2, 28), issued_on=date(2026, 3, 10)
    )
    on_1st = validity.card_expiry(
        birth_date=born, applied_on=date(2026, 3, 1), issued_on=date(2026, 3, 10)
    )
    assert on_28th == date(2031, 2, 28)  # 17 on the application day: five birthdays
    assert on_1st == date(2036, 2, 29)  # 18: ten birthdays


def test_a_limited_stay_caps_the_card() -> None:
    kwargs = {"birth_date": date(1990, 1, 1), "applied_on": date(2024, 1, 10)}
    issued = date(2024, 2, 1)
    assert validity.card_expiry(**kwargs, issued_on=issued,
                                residence_until=date(2026, 9, 30)) == date(2026, 9, 30)
    assert validity.card_expiry(**kwargs, issued_on=issued,
                                residence_until=date(2040, 1, 1)) == date(2034, 1, 1)
    assert validity.card_expiry(**kwargs, issued_on=issued, residence_until=issued) == issued


# --- the required brute-force properties ----------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    birth=st.dates(min_value=CYCLE_START, max_value=CYCLE_END),
    age_days=st.integers(min_value=0, max_value=110 * 366),
    wait=st.integers(min_value=0, max_value=400),
)
def test_card_expiry_matches_a_day_by_day_count_of_birthdays(
    birth: date, age_days: int, wait: int
) -> None:
    applied = birth + timedelta(days=age_days)
    issued = applied + timedelta(days=wait)
    expected = walk_card_expiry(birth, applied, issued)
    assert validity.card_expiry(birth_date=birth, applied_on=applied, issued_on=issued) == expected


LEAP_DAYS_OF_THE_CYCLE = [date(y, 2, 29) for y in range(1600, 2000) if is_leap(y)]


def test_the_cycle_has_97_leap_days() -> None:
    assert len(LEAP_DAYS_OF_THE_CYCLE) == 97


@pytest.mark.parametrize("birth", LEAP_DAYS_OF_THE_CYCLE, ids=str)
def test_every_29_february_birth_date_of_the_cycle(birth: date) -> None:
    # Issue dates around the birthday in common and leap years, as child and as adult;
    # 1700, 1800 and 1900 are common years inside the ten-year windows.
    for years in (0, 3, 17, 19, 21, 40, 99):
        for issued in (
            date(birth.year + years, 2, 27),
            date(birth.year + years, 2, 28),
            date(birth.year + years, 3, 1),
            date(birth.year + years, 12, 31),
        ):
            if issued < birth:
                continue
            applied = max(birth, issued - timedelta(days=20))
            expected = walk_card_expiry(birth, applied, issued)
            got = validity.card_expiry(birth_date=birth, applied_on=applied, issued_on=issued)
            assert got == expected, (birth, applied, issued)


def test_every_birth_date_of_a_400_year_cycle() -> None:
    """All 146,097 birth dates of 1600-1999, each with an issue date on, just before or
    just after a birthday, against the day-by-day birthday index."""
    day = CYCLE_START
    while day <= CYCLE_END:
        n = day.toordinal()
        years = n % 90
        try:
            anniversary = date(day.year + years, day.month, day.day)
        except ValueError:  # 29 Feb in a common year
            anniversary = date(day.year + years, 3, 1)
        issued = max(day, anniversary + timedelta(days=n % 3 - 1))
        applied = max(day, issued - timedelta(days=n % 45))
        got = validity.card_expiry(birth_date=day, applied_on=applied, issued_on=issued)
        assert got == indexed_card_expiry(day, applied, issued), (day, applied, issued)
        day += ONE_DAY


@settings(max_examples=200, deadline=None)
@given(
    applied=st.dates(min_value=date(2021, 9, 1), max_value=date(2022, 7, 31)),
    age_days=st.integers(min_value=16 * 365, max_value=22 * 366),
    wait=st.integers(min_value=0, max_value=90),
)
def test_the_age_of_majority_change_across_2022_04_01(
    applied: date, age_days: int, wait: int
) -> None:
    birth = applied - timedelta(days=age_days)
    issued = applied + timedelta(days=wait)
    got = validity.card_expiry(birth_date=birth, applied_on=applied, issued_on=issued)
    assert got == walk_card_expiry(birth, applied, issued)
    age = reference_age(birth, applied)
    five = nth_birthday_after(birth, issued, 5)
    if age < 18 or (age < 20 and applied < LAW_CHANGE):
        assert got == five
    else:
        assert got > five


@given(
    applied=st.dates(min_value=date(2010, 1, 1), max_value=date(2040, 1, 1)),
    age_days=st.integers(min_value=0, max_value=100 * 366),
    wait=st.integers(min_value=0, max_value=90),
    stay=st.integers(min_value=0, max_value=20 * 366),
)
def test_a_limited_stay_is_the_minimum(applied: date, age_days: int, wait: int, stay: int) -> None:
    birth = applied - timedelta(days=age_days)
    issued = applied + timedelta(days=wait)
    residence_until = issued + timedelta(days=stay)
    plain = validity.card_expiry(birth_date=birth, applied_on=applied, issued_on=issued)
    capped = validity.card_expiry(
        birth_date=birth, applied_on=applied, issued_on=issued, residence_until=residence_until
    )
    assert capped == min(plain, residence_until)
    assert issued <= capped <= plain


# --- certificates ---------------------------------------------------------------------


def test_certificates_run_to_the_fifth_birthday_after_their_own_issue() -> None:
    summary = validity.expiry_summary(
        birth_date=date(1980, 10, 10),
        applied_on=date(2020, 4, 1),
        issued_on=date(2020, 5, 15),
        certificate_issued_on=date(2020, 6, 1),
    )
    assert summary == validity.ExpirySummary(
        card_expires_on=date(2029, 10, 10),
        signature_certificate_expires_on=date(2024, 10, 10),
        user_certificate_expires_on=date(2024, 10, 10),
        card_renewal_opens_on=date(2029, 7, 10),
    )


def test_certificates_default_to_the_card_issue_date() -> None:
    common = {
        "birth_date": date(1980, 10, 10),
        "applied_on": date(2020, 4, 1),
        "issued_on": date(2020, 10, 10),
    }
    assert validity.expiry_summary(**common) == validity.expiry_summary(
        **common, certificate_issued_on=date(2020, 10, 10)
    )
    assert validity.expiry_summary(**common).user_certificate_expires_on == date(2025, 10, 10)


def test_certificates_never_outlive_the_card() -> None:
    # Renewed certificates issued 2 years before the card expires stop with the card.
    summary = validity.expiry_summary(
        birth_date=date(1980, 10, 10),
        applied_on=date(2020, 4, 1),
        issued_on=date(2020, 5, 15),
        certificate_issued_on=date(2027, 11, 1),
    )
    assert summary.user_certificate_expires_on == date(2029, 10, 10)
    assert summary.signature_certificate_expires_on == date(2029, 10, 10)
    # A minor's five-year card and certificates end together.
    child = validity.expiry_summary(
        birth_date=date(2015, 3, 3), applied_on=date(2024, 1, 1), issued_on=date(2024, 2, 1)
    )
    assert child.card_expires_on == child.user_certificate_expires_on == date(2028, 3, 3)


def test_no_signature_certificate_under_15() -> None:
    assert validity.SIGNATURE_CERTIFICATE_MIN_AGE == 15
    born = date(2009, 6, 1)

    def signature_on(day: date) -> date | None:
        return validity.expiry_summary(
            birth_date=born,
            applied_on=date(2024, 1, 10),
            issued_on=date(2024, 2, 1),
            certificate_issued_on=day,
        ).signature_certificate_expires_on

    assert signature_on(date(2024, 5, 31)) is None
    # 15 on the certificate's issue day; capped by the five-year card (applied at 14).
    assert signature_on(date(2024, 6, 1)) == date(2028, 6, 1)
    assert not validity.signature_certificate_allowed(birth_date=born, on=date(2024, 5, 31))
    assert validity.signature_certificate_allowed(birth_date=born, on=date(2024, 6, 1))


def test_born_29_february_is_15_from_1_march_in_a_common_year() -> None:
    born = date(2008, 2, 29)
    assert not validity.signature_certificate_allowed(birth_date=born, on=date(2023, 2, 28))
    assert validity.signature_certificate_allowed(birth_date=born, on=date(2023, 3, 1))


@settings(max_examples=200, deadline=None)
@given(
    birth=st.one_of(
        st.dates(min_value=CYCLE_START, max_value=date(2030, 12, 31)),
        st.sampled_from(LEAP_DAYS_OF_THE_CYCLE),
    ),
    age_days=st.integers(min_value=0, max_value=100 * 366),
    wait=st.integers(min_value=0, max_value=120),
    later=st.integers(min_value=0, max_value=12 * 366),
)
def test_certificate_expiry_matches_a_walk_and_the_age_rule(
    birth: date, age_days: int, wait: int, later: int
) -> None:
    applied = birth + timedelta(days=age_days)
    issued = applied + timedelta(days=wait)
    card = walk_card_expiry(birth, applied, issued)
    certificates_on = issued + timedelta(days=later)
    assume(certificates_on <= card)
    summary = validity.expiry_summary(
        birth_date=birth,
        applied_on=applied,
        issued_on=issued,
        certificate_issued_on=certificates_on,
    )
    expected = walk_certificate_expiry(birth, certificates_on, card)
    assert summary.card_expires_on == card
    assert summary.user_certificate_expires_on == expected
    assert summary.user_certificate_expires_on <= summary.card_expires_on
    if reference_age(birth, certificates_on) >= 15:
        assert summary.signature_certificate_expires_on == expected
    else:
        assert summary.signature_certificate_expires_on is None
    assert summary.card_renewal_opens_on == validity.renewal_opens_on(card)


# --- windows --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires", "opens", "window"),
    [
        (date(2029, 10, 10), date(2029, 7, 10), (date(2029, 7, 10), date(2029, 8, 10))),
        (date(2033, 5, 31), date(2033, 2, 28), (date(2033, 2, 28), date(2033, 3, 31))),
        (date(2032, 5, 31), date(2032, 2, 29), (date(2032, 2, 29), date(2032, 3, 31))),
        (date(2030, 4, 30), date(2030, 1, 30), (date(2030, 1, 30), date(2030, 2, 28))),
        (date(2031, 1, 15), date(2030, 10, 15), (date(2030, 10, 15), date(2030, 11, 15))),
    ],
)
def test_renewal_and_notice_windows(expires: date, opens: date, window: tuple[date, date]) -> None:
    assert validity.renewal_opens_on(expires) == opens
    assert validity.notice_window(expires) == window


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_notice_window_sits_two_to_three_months_before_expiry(expires: date) -> None:
    first, last = validity.notice_window(expires)
    assert first == validity.renewal_opens_on(expires)
    assert first < last < expires
    assert 28 <= (last - first).days <= 31
    assert 59 <= (expires - last).days <= 62
    assert 89 <= (expires - first).days <= 92
    months_between = (expires.year - first.year) * 12 + expires.month - first.month
    assert months_between == 3


# --- impossible combinations -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (
            {
                "birth_date": date(2020, 1, 2),
                "applied_on": date(2020, 1, 1),
                "issued_on": date(2020, 2, 1),
            },
            "birth date 2020-01-02 is after the application date 2020-01-01",
        ),
        (
            {
                "birth_date": date(2020, 3, 2),
                "applied_on": date(2020, 3, 1),
                "issued_on": date(2020, 3, 1),
            },
            "birth date 2020-03-02 is after the application date",
        ),
        (
            {
                "birth_date": date(2000, 1, 1),
                "applied_on": date(2020, 2, 2),
                "issued_on": date(2020, 2, 1),
            },
            "application date 2020-02-02 is after the issue date 2020-02-01",
        ),
        (
            {
                "birth_date": date(2000, 1, 1),
                "applied_on": date(2020, 1, 1),
                "issued_on": date(2020, 2, 1),
                "residence_until": date(2020, 1, 31),
            },
            "period of stay ends on 2020-01-31, before the issue date 2020-02-01",
        ),
        (
            {
                "birth_date": date(2000, 1, 1),
                "applied_on": date(2020, 1, 1),
                "issued_on": date(2020, 2, 1),
                "certificate_issued_on": date(2020, 1, 31),
            },
            "certificate issue date 2020-01-31 is before the card was issued on 2020-02-01",
        ),
        (
            {
                "birth_date": date(2000, 1, 1),
                "applied_on": date(2020, 1, 1),
                "issued_on": date(2020, 2, 1),
                "certificate_issued_on": date(2030, 1, 2),
            },
            "certificate issue date 2030-01-02 is after the card expired on 2030-01-01",
        ),
    ],
)
def test_impossible_combinations_are_refused(kwargs: dict[str, date], words: str) -> None:
    with pytest.raises(InvalidDates) as raised:
        validity.expiry_summary(**kwargs)
    assert words in raised.value.message


def test_a_certificate_on_the_cards_last_day_is_possible() -> None:
    summary = validity.expiry_summary(
        birth_date=date(2000, 1, 1),
        applied_on=date(2020, 1, 1),
        issued_on=date(2020, 2, 1),
        certificate_issued_on=date(2030, 1, 1),
    )
    assert summary.user_certificate_expires_on == date(2030, 1, 1)


def test_certificate_expiry_refuses_impossible_dates() -> None:
    with pytest.raises(InvalidDates, match="after the certificate issue date"):
        validity.certificate_expiry(
            birth_date=date(2020, 1, 2),
            certificate_issued_on=date(2020, 1, 1),
            card_expires_on=date(2025, 1, 2),
        )
    with pytest.raises(InvalidDates, match="after the card expired"):
        validity.certificate_expiry(
            birth_date=date(2000, 1, 2),
            certificate_issued_on=date(2030, 1, 3),
            card_expires_on=date(2030, 1, 2),
        )


# --- the validity-notice cohort of a day ------------------------------------------


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)))
def test_every_expiry_is_in_the_cohort_of_the_day_its_notice_window_opens(expires: date
                                                                           ) -> None:
    opens, _ = notice_window(expires)
    cohort = expiries_noticed_from(opens)
    assert cohort is not None
    assert cohort[0] <= expires <= cohort[1]


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)))
def test_a_days_cohort_holds_exactly_the_expiries_whose_window_opens_that_day(day: date
                                                                               ) -> None:
    cohort = expiries_noticed_from(day)
    if cohort is None:
        return
    first, last = cohort
    assert (last - first).days <= 3
    for n in range((last - first).days + 1):
        assert notice_window(first + timedelta(days=n))[0] == day
    assert notice_window(first - timedelta(days=1))[0] != day
    assert notice_window(last + timedelta(days=1))[0] != day


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 11, 25), (date(2027, 2, 25), date(2027, 2, 25))),
    (date(2027, 2, 28), (date(2027, 5, 28), date(2027, 5, 31))),
    (date(2028, 2, 29), (date(2028, 5, 29), date(2028, 5, 31))),
    (date(2026, 11, 29), None),
    (date(2026, 11, 28), (date(2027, 2, 28), date(2027, 2, 28))),
])
def test_cohort_examples(day: date, expected: tuple[date, date] | None) -> None:
    assert expiries_noticed_from(day) == expected
