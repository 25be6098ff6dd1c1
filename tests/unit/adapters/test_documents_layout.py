"""Layout rules of the letters that need no PDF: line breaking, postal codes, IDs."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from mynumbercard.adapters.documents.address import format_postal_code
from mynumbercard.adapters.documents.fonts import register_font
from mynumbercard.adapters.documents.layout import qr_matrix, wrap
from mynumbercard.adapters.documents.validity import group_digits

FONT = register_font()
japanese = st.text(
    alphabet=st.sampled_from("あいうえおかきくけこ漢字交付通知書、。（）「」ー・ABC123 "),
    max_size=200,
)


@given(japanese, st.floats(min_value=20, max_value=90))
def test_wrapping_keeps_every_character_and_fits(text: str, width_mm: float) -> None:
    lines = wrap(text, FONT, 8, width_mm)
    assert "".join(lines) == text
    for line in lines:
        assert len(line) <= 2 or stringWidth(line, FONT, 8) <= width_mm * mm + 0.01


PUNCTUATION = "、。（）「」ー・"


@given(japanese)
def test_no_line_starts_with_closing_punctuation(text: str) -> None:
    # a run of punctuation longer than a line has no good break: leave it out
    assume(not any(a in PUNCTUATION and b in PUNCTUATION for a, b in pairwise(text)))
    lines = wrap(text, FONT, 8, 25)
    for line in lines[1:]:
        assert line[0] not in "、。）」ー"
    for line in lines[:-1]:
        assert line[-1] not in "（「"


def test_wrapping_carries_a_character_with_the_punctuation() -> None:
    width = stringWidth("あいうえ", FONT, 10) / mm
    assert wrap("あいうえお", FONT, 10, width) == ("あいうえ", "お")
    assert wrap("あいうえ。お", FONT, 10, width) == ("あいう", "え。お")
    assert wrap("あいう、・お", FONT, 10, width) == ("あい", "う、・お")
    assert wrap("あいう（え", FONT, 10, width) == ("あいう", "（え")
    assert wrap("あい（（え", FONT, 10, width) == ("あい", "（（え")
    assert wrap("あい\nう", FONT, 10, 50) == ("あい", "う")


@pytest.mark.parametrize(
    ("given_code", "printed"),
    [("1008799", "100-8799"), ("100-8799", "100-8799"), ("１００", "１００"), ("", "")],
)
def test_postal_codes(given_code: str, printed: str) -> None:
    assert format_postal_code(given_code) == printed


def test_application_id_in_groups_of_four() -> None:
    assert group_digits("12345678901234567890128") == "1234 5678 9012 3456 7890 128"


def test_qr_matrix_is_square_with_finder_patterns() -> None:
    matrix = qr_matrix("https://example.lg.jp/")
    side = len(matrix)
    assert side >= 21  # versions 1..40: 21, 25, ... modules
    assert (side - 17) % 4 == 0
    assert all(len(row) == side for row in matrix)
    for top, left in [(0, 0), (0, side - 7), (side - 7, 0)]:
        ring = [matrix[top][left + i] for i in range(7)] + [matrix[top + i][left] for i in range(7)]
        assert all(ring)
        assert matrix[top + 1][left + 1] is False
        assert matrix[top + 3][left + 3] is True
