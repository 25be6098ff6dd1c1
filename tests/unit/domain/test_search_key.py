"""Search keys: every spelling of a name a clerk may type folds to the same key."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from mynumbercard.domain.search_key import (
    HIRAGANA,
    KATAKANA,
    NAME_KEY_LENGTH,
    WHITESPACE,
    address_key,
    fold,
    name_key,
)

_HALF_WIDTH = {  # the half-width forms a keyboard or an old system produces
    "ヤマダ": "ﾔﾏﾀﾞ", "タロウ": "ﾀﾛｳ", "ガッコウ": "ｶﾞｯｺｳ", "パン": "ﾊﾟﾝ", "ヴ": "ｳﾞ",
}
katakana_words = st.text(alphabet=st.sampled_from(KATAKANA), min_size=1, max_size=20)


def test_katakana_hiragana_and_half_width_fold_alike() -> None:
    for full, half in _HALF_WIDTH.items():
        assert fold(half) == fold(full) == full
    assert fold("やまだ") == fold("ヤマダ") == fold("ﾔﾏﾀﾞ") == "ヤマダ"
    assert fold("ゔぁ") == "ヴァ"


def test_width_case_and_spaces_fold() -> None:
    assert fold("１丁目２番") == fold("1丁目2番") == "1丁目2番"
    assert fold("ＳＭＩＴＨ　Ｊｏｈｎ") == fold("smith john") == "smithjohn"
    assert fold("山田\u3000太郎") == fold("山田 太郎") == "山田太郎"


def test_kanji_stay_as_they_are() -> None:
    assert fold("髙橋") == "髙橋"  # a variant stays a variant: NFKC keeps it
    assert name_key("山田", "太郎") == "山田太郎"


@settings(deadline=None)  # a loaded machine: no flaky timing
@given(katakana_words)
def test_hiragana_of_a_katakana_word_folds_to_it(word: str) -> None:
    hiragana = word.translate(str.maketrans(KATAKANA, HIRAGANA))
    assert fold(hiragana) == fold(word)


@settings(deadline=None)  # a loaded machine: no flaky timing
@given(katakana_words)
def test_half_width_of_a_katakana_word_folds_to_it(word: str) -> None:
    # NFKC of a full-width word is itself; its half-width form (where one exists) folds back.
    half = "".join(_half(c) for c in word)
    assert fold(half) == fold(word)


def _half(char: str) -> str:
    base = unicodedata.normalize("NFD", char)
    out = ""
    for c in base:
        name = unicodedata.name(c, "")
        halfwidth = f"HALFWIDTH {name}"
        try:
            out += unicodedata.lookup(halfwidth)
        except KeyError:
            if c == "\u3099":
                out += "\uff9e"
            elif c == "\u309a":
                out += "\uff9f"
            else:
                out += c
    return out


@settings(deadline=None)  # a loaded machine: no flaky timing
@given(st.text(max_size=60))
def test_a_key_has_no_whitespace_no_hiragana_no_ascii_capitals(text: str) -> None:
    key = fold(text)
    assert not set(key) & set(WHITESPACE + HIRAGANA + "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@settings(deadline=None)  # a loaded machine: no flaky timing
@given(st.text(alphabet=st.sampled_from(KATAKANA + HIRAGANA + "山田太郎ABCabc "), max_size=60),
       st.integers(min_value=0, max_value=60))
def test_the_key_of_a_name_starts_with_the_key_of_its_prefix(name: str, cut: int) -> None:
    key = name_key(name, "")
    assert key.startswith(fold(name[:cut]))
    assert len(key) <= NAME_KEY_LENGTH


@settings(deadline=None)  # a loaded machine: no flaky timing
@given(st.text(max_size=400))
def test_keys_are_bounded(text: str) -> None:
    assert len(name_key(text, text)) <= NAME_KEY_LENGTH
    assert len(address_key(text)) <= 200
