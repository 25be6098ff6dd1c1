"""The bounds of input (domain/bounds.py): ids, dates of a life, a name's characters."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain import bounds
from mynumbercard.domain.dates import months_before, nth_birthday_after
from mynumbercard.domain.errors import InvalidDates, InvalidInput
from mynumbercard.domain.validity import expiry_summary

TODAY = date(2026, 11, 25)


@given(st.integers())
def test_an_id_is_a_positive_bigint(value: int):
    if 1 <= value < 2**63:
        assert bounds.check_id(value, field="id") == value
    else:
        with pytest.raises(InvalidInput, match="1 to 2"):
            bounds.check_id(value, field="id")


@pytest.mark.parametrize("born", [date(9999, 12, 31), date(1, 1, 1), TODAY + timedelta(days=2),
                                  date(1879, 12, 31)])
def test_impossible_births_are_refused(born: date):
    with pytest.raises(InvalidDates, match="birth_date"):
        bounds.check_birth_date(born, today=TODAY)


@given(st.dates(min_value=bounds.EARLIEST_BIRTH, max_value=TODAY + bounds.EVENT_MARGIN))
def test_every_birth_from_1880_to_today_is_accepted(born: date):
    assert bounds.check_birth_date(born, today=TODAY) == born


@given(st.dates(), st.dates(min_value=bounds.EARLIEST_BIRTH, max_value=TODAY))
def test_an_event_lies_between_the_birth_and_tomorrow(on: date, born: date):
    ok = born <= on <= TODAY + bounds.EVENT_MARGIN
    if ok:
        assert bounds.check_event_date(on, birth_date=born, today=TODAY, field="on") == on
    else:
        with pytest.raises(InvalidDates, match="on: "):
            bounds.check_event_date(on, birth_date=born, today=TODAY, field="on")


def test_an_event_in_the_far_future_is_refused():
    with pytest.raises(InvalidDates, match="in the future"):
        bounds.check_event_date(date(9999, 1, 1), today=TODAY, field="moved_on")


@pytest.mark.parametrize("name", ["山田", "陽葵", "グエン", "ヴァン アン", "Smith", "O'Brien",
                                  "Jean-Luc", "José", "佐々木", "渡邊", "ｻﾄｳ", "Müller・Anna",
                                  "김", "Ольга"])
def test_names_of_the_register_are_accepted(name: str):
    assert bounds.check_name(name, field="given_name") == name


@pytest.mark.parametrize(("name", "code"), [
    ("山\x00田", "U+0000"), ("\u202e田山", "U+202E"), ("山\u2066田", "U+2066"),
    ("山\u200b田", "U+200B"), ("山\ufeff田", "U+FEFF"), ("山\n田", "U+000A"),
    ("山\u202a田", "U+202A"), ("山\u2069田", "U+2069"),
])
def test_control_and_format_characters_are_refused(name: str, code: str):
    with pytest.raises(InvalidInput, match=re.escape(f"control or format character {code}")):
        bounds.check_name(name, field="family_name")


@pytest.mark.parametrize("name", ["山田1", "<script>", "山田@", "", " 山田", "😀"])
def test_other_characters_are_not_names(name: str):
    with pytest.raises(InvalidInput, match="family_name"):
        bounds.check_name(name, field="family_name")


@given(st.text(min_size=1, max_size=20))
def test_no_name_accepted_holds_a_control_or_format_character(text: str):
    try:
        bounds.check_name(text, field="n")
        bounds.check_address(text, field="a")
    except InvalidInput:
        return
    assert not any(unicodedata.category(c).startswith("C") for c in text)


def test_readings_are_kana():
    assert bounds.check_kana("ヤマダ ハナコ", field="k") == "ヤマダ ハナコ"
    assert bounds.check_kana("やまだ　ー", field="k") == "やまだ　ー"
    for bad in ("山田", "Yamada", "ヤマ\u202eダ"):
        with pytest.raises(InvalidInput, match="given_name_kana"):
            bounds.check_kana(bad, field="given_name_kana")


def test_addresses_hold_block_numbers():
    for address in ("千代田1番1号", "北一条西2丁目1番地", "芝公園1-1-1 ABCビル3F", "１－２－３"):
        assert bounds.check_address(address, field="address") == address
    with pytest.raises(InvalidInput, match="U\\+202E"):
        bounds.check_address("千代田\u202e1番", field="address")


def test_rules_past_the_calendar_are_a_clear_error_not_a_crash():
    with pytest.raises(InvalidDates, match="outside the calendar"):
        nth_birthday_after(date(9999, 1, 1), date(9999, 6, 1), 10)
    with pytest.raises(InvalidDates, match="outside the calendar"):
        months_before(date(1, 1, 31), 3)
    with pytest.raises(InvalidDates, match="outside the calendar"):
        expiry_summary(birth_date=date(9999, 1, 1), applied_on=date(9999, 1, 2),
                       issued_on=date(9999, 1, 3))


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_expiry_is_an_answer_or_invalid_dates_never_a_crash(day: date):
    with contextlib.suppress(InvalidDates):
        expiry_summary(birth_date=day, applied_on=day, issued_on=day)


def test_free_text_refuses_control_and_format_characters_but_keeps_lines_if_asked():
    assert bounds.check_text("写真の背景が\n白くありません", field="m", limit=400,
                             multiline=True).startswith("写真")
    for bad in ("a\x00b", "a\u202eb", "a\u2067b", "a\nb"):
        with pytest.raises(InvalidInput, match="reason: control or format character"):
            bounds.check_text(bad, field="reason", limit=200)
    with pytest.raises(InvalidInput, match="at most 5"):
        bounds.check_text("abcdef", field="reason", limit=5)
