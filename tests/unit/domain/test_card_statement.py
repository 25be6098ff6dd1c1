"""What the card signs for: the statement of each purpose, in both languages, bound into
the signed bytes with its purpose and the challenge."""

from __future__ import annotations

import pytest

from mynumbercard.domain.card_statement import (
    SignPurpose,
    Statement,
    balance_statement,
    enrol_statement,
    sign_in_statement,
)
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.kiosk import challenge_message

CHALLENGE = bytes(range(32))


def test_the_signed_bytes_bind_the_purpose_the_challenge_and_the_statement() -> None:
    said = sign_in_statement("ABCD-EFGH", minutes=5)
    assert said.purpose is SignPurpose.POINTS_SIGN_IN
    assert said.signed_message(CHALLENGE) == (
        b"mynumbercard/points-sign-in/v2\0" + CHALLENGE + b"\0"
        + f"{said.ja}\n{said.en}".encode())
    others = [sign_in_statement("ABCD-EFGJ", minutes=5), balance_statement(),
              enrol_statement("PayCo", "rp_0123456789abcdef"),
              Statement(SignPurpose.POINTS_BALANCE, said.ja, said.en)]
    signed = {s.signed_message(CHALLENGE) for s in [said, *others]}
    assert len(signed) == 5  # another code, purpose or statement: other bytes
    assert challenge_message(CHALLENGE, "points") not in signed  # nor the first form's


def test_each_statement_says_what_the_signature_does_in_both_languages() -> None:
    said = sign_in_statement("ABCD-EFGH", minutes=5)
    assert "ABCD-EFGH" in said.ja
    assert "ABCD-EFGH" in said.en
    assert "5分間" in said.ja
    assert "5 minutes" in said.en
    assert "own screen" in said.en
    chosen = enrol_statement("PayCo", "rp_0123456789abcdef")
    assert "「PayCo」（rp_0123456789abcdef）" in chosen.ja
    assert "cannot be changed later" in chosen.en


@pytest.mark.parametrize("text", ["", "a\nb", "\x1b[2J", "x" * 601])
def test_a_statement_is_short_printable_text(text: str) -> None:
    with pytest.raises(InvalidInput):
        Statement(SignPurpose.POINTS_BALANCE, text, "English")
