"""What the card signs for: the statement of each purpose, in both languages, bound into
the signed bytes with its purpose and the challenge."""

from __future__ import annotations

import pytest

from mynumbercard.domain.card_statement import (
    SignPurpose,
    Statement,
    balance_statement,
    enrol_statement,
    kiosk_statement,
    sign_in_statement,
)
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.kiosk import KioskDocument

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
    first_form = b"mynumbercard/points/v1\0" + CHALLENGE  # the bare challenge: retired
    assert first_form not in signed


def _kiosk(document: KioskDocument = KioskDocument.RESIDENCE_CERTIFICATE, *,
           household: bool = False, domicile: bool = False,
           kiosk: str = "Kiosk Co.") -> Statement:
    return kiosk_statement(document, with_household=household, with_domicile=domicile,
                           kiosk=kiosk)


def test_the_kiosks_statement_names_the_document_its_options_and_the_kiosk() -> None:
    plain = _kiosk()
    assert plain.purpose is SignPurpose.KIOSK_DOCUMENT
    assert "住民票の写し" in plain.ja
    assert "certificate of residence" in plain.en
    assert "「Kiosk Co.」のこの端末で印刷" in plain.ja
    assert "printed at this Kiosk Co. kiosk" in plain.en
    assert "手数料" in plain.ja
    assert "at the fee it sets" in plain.en  # the card is not read yet: no town, no yen
    full = _kiosk(household=True, domicile=True)
    assert "（世帯全員・本籍の記載あり）" in full.ja
    assert "showing the household's members and the domicile" in full.en
    assert "住民票記載事項証明書" in _kiosk(KioskDocument.REGISTER_ITEMS).ja
    assert "certificate of items on the register" in _kiosk(KioskDocument.REGISTER_ITEMS).en


def test_a_kiosks_signature_serves_no_other_document_option_kiosk_or_purpose() -> None:
    said = _kiosk()
    assert said.signed_message(CHALLENGE).startswith(b"mynumbercard/kiosk-document/v2\0"
                                                     + CHALLENGE + b"\0")
    others = [_kiosk(KioskDocument.REGISTER_ITEMS), _kiosk(household=True),
              _kiosk(domicile=True), _kiosk(kiosk="Other Kiosk"), balance_statement(),
              Statement(SignPurpose.POINTS_BALANCE, said.ja, said.en)]
    signed = {s.signed_message(CHALLENGE) for s in [said, *others]}
    assert len(signed) == 7
    assert b"mynumbercard/kiosk/v1\0" + CHALLENGE not in signed  # nor the first form's


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
