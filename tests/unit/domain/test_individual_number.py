"""The Individual Number: check digit (Cabinet Order art. 8), checks, generation, notices."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain import individual_number as num
from mynumbercard.domain.errors import InvalidIndividualNumber, InvalidInput

eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)


def reference_check_digit(first11: str) -> int:
    """The ordinance's words, coded separately: weights 6,5,4,3,2,7,6,5,4,3,2 from the left."""
    weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
    total = 0
    for i in range(11):
        total += int(first11[i]) * weights[i]
    remainder = total % 11
    if remainder in (0, 1):
        return 0
    return 11 - remainder


def reference_check_digit_from_right(first11: str) -> int:
    """Literally: n = 1..11 from the right, Q(n) = n + 1 (n <= 6), n - 5 (n >= 7)."""
    total = 0
    for n in range(1, 12):
        p = int(first11[-n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def test_the_ordinance_example_is_valid() -> None:
    assert num.check_digit("12345678901") == 8
    result = num.check("123456789018")
    assert result == num.NumberCheck("123456789018", True, None, "valid")
    assert num.parse("123456789018") == "123456789018"


@pytest.mark.parametrize(
    ("first11", "expected"),
    [
        ("00000000000", 0),  # r = 0
        ("00000000005", 1),  # 5 * 2 = 10, r = 10 -> 1
        ("00000000006", 0),  # 12 mod 11 = 1 -> 0
        ("00000000001", 9),  # r = 2
        ("99999999999", 6),  # 9 * 47 = 423, r = 5
    ],
)
def test_check_digit_examples(first11: str, expected: int) -> None:
    assert num.check_digit(first11) == expected


@given(eleven_digits)
def test_check_digit_matches_two_independent_codings(first11: str) -> None:
    expected = reference_check_digit(first11)
    assert reference_check_digit_from_right(first11) == expected
    assert num.check_digit(first11) == expected


@given(eleven_digits)
def test_exactly_one_last_digit_is_valid(first11: str) -> None:
    valid = [d for d in "0123456789" if num.check(first11 + d).valid]
    assert valid == [str(reference_check_digit(first11))]
    for d in "0123456789":
        result = num.check(first11 + d)
        if not result.valid:
            assert result.reason == "check_digit"
            assert result.message == (f"wrong check digit: expected {valid[0]}, got {d}")


def test_wrong_check_digit_message() -> None:
    result = num.check("123456789019")
    assert (result.valid, result.reason) == (False, "check_digit")
    assert result.message == "wrong check digit: expected 8, got 9"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("", "length"),
        ("12345678901", "length"),
        ("1234567890180", "length"),
        ("12a", "non_digit"),  # non_digit is reported before length
        ("12345678901a", "non_digit"),
        (" 123456789018", "non_digit"),  # no silent stripping
        ("123456789018\n", "non_digit"),
        ("1234-5678-9018", "non_digit"),
        ("１２３４５６７８９０１８", "non_digit"),  # full-width digits
        ("١٢٣٤٥٦٧٨٩٠١٨", "non_digit"),  # Arabic-Indic digits: str.isdigit() says yes
        ("12345678901８", "non_digit"),
        ("+23456789018", "non_digit"),
    ],
)
def test_invalid_numbers_and_their_reason(number: str, reason: str) -> None:
    result = num.check(number)
    assert result.number == number
    assert not result.valid
    assert result.reason == reason
    with pytest.raises(InvalidIndividualNumber) as raised:
        num.parse(number)
    assert raised.value.reason == reason
    assert raised.value.message == result.message
    assert isinstance(raised.value, InvalidInput)


def test_messages_are_sentences_about_the_problem() -> None:
    assert num.check("12345").message == "an Individual Number has 12 digits, got 5"
    assert "position 3" in num.check("12a").message
    assert "'１'" in num.check("１").message


@given(st.text(max_size=20))
def test_check_is_total_and_consistent(text: str) -> None:
    result = num.check(text)
    all_ascii_digits = all(c in "0123456789" for c in text)
    if not all_ascii_digits:
        assert result.reason == "non_digit"
    elif len(text) != 12:
        assert result.reason == "length"
    else:
        assert result.valid == (int(text[-1]) == reference_check_digit(text[:11]))
    assert result.valid == (result.reason is None)


@pytest.mark.parametrize(
    ("bad", "reason"), [("1234567890", "length"), ("1234567890a", "non_digit")]
)
def test_check_digit_refuses_malformed_input(bad: str, reason: str) -> None:
    with pytest.raises(InvalidIndividualNumber) as raised:
        num.check_digit(bad)
    assert raised.value.reason == reason


@given(st.integers(min_value=0, max_value=2**64))
def test_generated_numbers_are_always_valid(seed: int) -> None:
    number = num.generate(random.Random(seed))
    assert len(number) == 12
    assert num.check(number).valid


def test_generate_draws_from_the_whole_space() -> None:
    rng = random.Random(7)
    numbers = [num.generate(rng) for _ in range(2000)]
    assert len(set(numbers)) == 2000
    assert {n[0] for n in numbers} == set("0123456789")  # leading zeros allowed
    assert num.generate(random.SystemRandom()) != num.generate(random.SystemRandom())


def test_notice_kind_boundary_is_2020_05_25() -> None:
    assert date(2020, 5, 25) == num.NOTIFICATION_CARDS_DISCONTINUED_ON
    assert num.notice_kind_for(date(2020, 5, 24)) is num.NoticeKind.NOTIFICATION_CARD
    assert num.notice_kind_for(date(2020, 5, 25)) is num.NoticeKind.INDIVIDUAL_NUMBER_NOTICE
    assert num.notice_kind_for(date(2020, 5, 26)) is num.NoticeKind.INDIVIDUAL_NUMBER_NOTICE
    assert num.NoticeKind.NOTIFICATION_CARD.value == "notification_card"
    assert num.NoticeKind.INDIVIDUAL_NUMBER_NOTICE.value == "individual_number_notice"


@given(st.integers(min_value=-3000, max_value=3000))
def test_notice_kind_depends_only_on_the_side_of_the_boundary(offset: int) -> None:
    day = date(2020, 5, 25) + timedelta(days=offset)
    expected = (
        num.NoticeKind.NOTIFICATION_CARD if offset < 0 else num.NoticeKind.INDIVIDUAL_NUMBER_NOTICE
    )
    assert num.notice_kind_for(day) is expected
