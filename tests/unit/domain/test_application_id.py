"""The application ID: 22 random digits and a Damm check digit."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain import application_id as aid
from mynumbercard.domain.errors import InvalidApplicationId, InvalidInput

DIGITS = "0123456789"

# The published Damm table (Damm 2004), typed in again so the module's copy is checked.
REFERENCE_TABLE = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
]


def reference_damm(digits: str) -> int:
    interim = 0
    for d in digits:
        interim = REFERENCE_TABLE[interim][int(d)]
    return interim


def sample_ids(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [aid.generate(rng) for _ in range(count)]


def test_known_damm_values() -> None:
    assert aid.damm_interim("572") == 4  # the textbook example: 5724
    assert aid.damm_interim("5724") == 0
    assert aid.damm_interim("") == 0


def test_the_table_is_a_totally_anti_symmetric_quasigroup() -> None:
    """The properties that make every single error and adjacent swap detectable, checked
    for every interim value and digit pair."""
    table = [[aid.damm_interim(str(r) + str(c)) for c in range(10)] for r in range(10)]
    # damm_interim(rc) = T[T[0][r]][c]; recover T itself from single digits.
    t = [[0] * 10 for _ in range(10)]
    for r in range(10):
        row_index = aid.damm_interim(str(r))
        t[row_index] = table[r]
    assert t == REFERENCE_TABLE
    for c in range(10):
        assert sorted(t[c]) == list(range(10))  # rows are permutations
        assert sorted(t[r][c] for r in range(10)) == list(range(10))  # so are columns
        assert t[c][c] == 0
        for x in range(10):
            for y in range(10):
                if x != y:
                    assert t[t[c][x]][y] != t[t[c][y]][x]


@given(st.integers(min_value=0, max_value=2**64))
def test_generated_ids_are_23_digits_and_valid(seed: int) -> None:
    application_id = aid.generate(random.Random(seed))
    assert len(application_id) == aid.APPLICATION_ID_LENGTH == 23
    assert application_id.isascii()
    assert application_id.isdigit()
    assert aid.is_valid(application_id)
    assert aid.parse(application_id) == application_id
    assert reference_damm(application_id) == 0


def test_generation_is_random_not_sequential() -> None:
    ids = sample_ids(1000, seed=3)
    assert len(set(ids)) == 1000
    assert {i[0] for i in ids} == set(DIGITS)
    assert aid.generate(random.SystemRandom()) != aid.generate(random.SystemRandom())


def test_every_single_digit_error_is_caught() -> None:
    for application_id in sample_ids(200, seed=11):
        for position in range(23):
            for digit in DIGITS:
                if digit == application_id[position]:
                    continue
                typo = application_id[:position] + digit + application_id[position + 1 :]
                assert not aid.is_valid(typo), (application_id, position, digit)


def test_every_adjacent_transposition_is_caught() -> None:
    for application_id in sample_ids(500, seed=12):
        for i in range(22):
            a, b = application_id[i], application_id[i + 1]
            if a == b:
                continue
            swapped = application_id[:i] + b + a + application_id[i + 2 :]
            assert not aid.is_valid(swapped), (application_id, i)


@given(st.text(alphabet=DIGITS, min_size=22, max_size=22), st.integers(0, 22), st.integers(1, 9))
def test_single_digit_errors_property(body: str, position: int, shift: int) -> None:
    good = body + str(reference_damm(body))
    digit = str((int(good[position]) + shift) % 10)
    assert not aid.is_valid(good[:position] + digit + good[position + 1 :])


@pytest.mark.parametrize(
    "printed",
    [
        "{}",
        "{0}{1}{2}{3}-{4}{5}{6}{7}-{8}{9}{10}{11}-{12}{13}{14}{15}-{16}{17}{18}{19}-{20}{21}{22}",
        "{0}{1}{2}{3} {4}{5}{6}{7} {8}{9}{10}{11} {12}{13}{14}{15} {16}{17}{18}{19} {20}{21}{22}",
        "  {}\n",
    ],
)
def test_parse_accepts_the_printed_groupings(printed: str) -> None:
    application_id = sample_ids(1, seed=5)[0]
    text = (
        printed.format(application_id)
        if printed.count("{") == 1
        else printed.format(*application_id)
    )
    assert aid.parse(text) == application_id


def test_printed_form() -> None:
    application_id = sample_ids(1, seed=6)[0]
    printed = aid.printed_form(application_id)
    assert [len(g) for g in printed.split("-")] == [4, 4, 4, 4, 4, 3]
    assert aid.parse(printed) == application_id


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "only the digits"),
        ("1234", "23 digits, got 4"),
        ("1" * 24, "23 digits, got 24"),
        ("1234--5678", "only the digits"),
        ("-1234", "only the digits"),
        ("1234_5678", "only the digits"),
        ("１２３４", "only the digits"),
        ("12345678901234567890abc", "only the digits"),
    ],
)
def test_parse_refuses_with_a_clear_message(text: str, words: str) -> None:
    with pytest.raises(InvalidApplicationId) as raised:
        aid.parse(text)
    assert words in raised.value.message
    assert isinstance(raised.value, InvalidInput)
    assert not aid.is_valid(text)


def test_a_failed_check_does_not_repeat_the_id() -> None:
    application_id = sample_ids(1, seed=8)[0]
    wrong = application_id[:-1] + str((int(application_id[-1]) + 1) % 10)
    with pytest.raises(InvalidApplicationId) as raised:
        aid.parse(wrong)
    assert "check digit" in raised.value.message
    assert wrong not in raised.value.message
