"""The four PINs: forms, retry limits, and errors that never carry a PIN."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain import errors
from mynumbercard.domain.pins import (
    POLICIES,
    AdminAuthorizationFailed,
    CardError,
    PinKind,
    PinLocked,
    PinNotSet,
    WrongPin,
    validate_new_pin,
)

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
FOUR_DIGIT_KINDS = [PinKind.USER_AUTH, PinKind.RESIDENT_REGISTER, PinKind.CARD_INFO]

# The rules typed in again as regular expressions ([0-9] and [A-Z] are ASCII only).
REFERENCE = {
    PinKind.SIGNATURE: re.compile(r"(?=.*[A-Z])(?=.*[0-9])[A-Z0-9]{6,16}", re.ASCII),
    PinKind.USER_AUTH: re.compile(r"[0-9]{4}", re.ASCII),
    PinKind.RESIDENT_REGISTER: re.compile(r"[0-9]{4}", re.ASCII),
    PinKind.CARD_INFO: re.compile(r"[0-9]{4}", re.ASCII),
}

# Near misses: lower case, full-width, other scripts, spaces, symbols, a newline.
near_alphabet = UPPER + DIGITS + "az019AZ ０１９ＡＺ一ｱ-_!\n\t٣"
near_text = st.text(alphabet=near_alphabet, max_size=20)


def accepted(kind: PinKind, pin: str) -> bool:
    try:
        validate_new_pin(kind, pin)
    except errors.InvalidInput:
        return False
    return True


def test_the_table_of_rules_md() -> None:
    assert {kind: p.max_tries for kind, p in POLICIES.items()} == {
        PinKind.SIGNATURE: 5,
        PinKind.USER_AUTH: 3,
        PinKind.RESIDENT_REGISTER: 3,
        PinKind.CARD_INFO: 3,
    }
    assert set(POLICIES) == set(PinKind)
    assert all(policy.kind is kind for kind, policy in POLICIES.items())


@given(kind=st.sampled_from(list(PinKind)), pin=near_text)
def test_validation_agrees_with_the_reference(kind: PinKind, pin: str) -> None:
    assert accepted(kind, pin) == bool(REFERENCE[kind].fullmatch(pin))


@given(
    pin=st.text(alphabet=UPPER + DIGITS, min_size=6, max_size=16).filter(
        lambda p: any(c in UPPER for c in p) and any(c in DIGITS for c in p)
    )
)
def test_every_mixed_signature_password_of_6_to_16_is_accepted(pin: str) -> None:
    validate_new_pin(PinKind.SIGNATURE, pin)


@given(pin=st.text(alphabet=UPPER + DIGITS, min_size=0, max_size=30))
def test_signature_password_length_bounds(pin: str) -> None:
    if not 6 <= len(pin) <= 16:
        assert not accepted(PinKind.SIGNATURE, pin)


@given(pin=st.text(alphabet=DIGITS, min_size=6, max_size=16))
def test_a_signature_password_of_digits_only_is_refused(pin: str) -> None:
    assert not accepted(PinKind.SIGNATURE, pin)


@given(pin=st.text(alphabet=UPPER, min_size=6, max_size=16))
def test_a_signature_password_of_letters_only_is_refused(pin: str) -> None:
    assert not accepted(PinKind.SIGNATURE, pin)


@given(pin=st.text(alphabet=UPPER + DIGITS, min_size=6, max_size=16))
def test_lower_case_is_refused(pin: str) -> None:
    if pin.lower() != pin:
        assert not accepted(PinKind.SIGNATURE, pin.lower())


@given(kind=st.sampled_from(FOUR_DIGIT_KINDS), number=st.integers(0, 9999))
def test_every_four_digit_pin_is_accepted(kind: PinKind, number: int) -> None:
    validate_new_pin(kind, f"{number:04d}")


@given(kind=st.sampled_from(FOUR_DIGIT_KINDS), pin=st.text(alphabet=DIGITS, max_size=10))
def test_four_digit_pins_have_exactly_four(kind: PinKind, pin: str) -> None:
    assert accepted(kind, pin) == (len(pin) == 4)


@pytest.mark.parametrize("pin", ["１２３４", "12 4", "123a", "٣٣٣٣", " 1234", "1234\n"])
def test_four_digit_pins_are_ascii_digits_only(pin: str) -> None:
    assert not accepted(PinKind.USER_AUTH, pin)


@pytest.mark.parametrize("pin", [None, 1234, b"1234", ["1", "2", "3", "4"]])
def test_a_pin_that_is_not_text_is_refused(pin: object) -> None:
    with pytest.raises(errors.InvalidInput):
        validate_new_pin(PinKind.USER_AUTH, pin)  # type: ignore[arg-type]


@given(kind=st.sampled_from(list(PinKind)), first=near_text, second=near_text)
def test_the_refusal_message_is_the_same_for_every_bad_pin(
    kind: PinKind, first: str, second: str
) -> None:
    """One message per kind, whatever the PIN: it cannot carry the PIN or a hint of it."""
    messages = []
    for pin in (first, second):
        try:
            validate_new_pin(kind, pin)
        except errors.InvalidInput as exc:
            messages.append(str(exc))
    assert len(set(messages)) <= 1


def test_the_refusal_message_describes_the_form() -> None:
    with pytest.raises(errors.InvalidInput) as signature:
        validate_new_pin(PinKind.SIGNATURE, "SECRET")
    assert "SECRET" not in str(signature.value)
    assert "6 to 16" in str(signature.value)
    assert "signature password" in str(signature.value)
    with pytest.raises(errors.InvalidInput) as four:
        validate_new_pin(PinKind.CARD_INFO, "98765")
    assert "98765" not in str(four.value)
    assert "4 digits" in str(four.value)


def test_wrong_pin_says_how_many_tries_are_left() -> None:
    error = WrongPin(PinKind.USER_AUTH, 2)
    assert error.tries_left == 2
    assert str(error) == "wrong user-authentication PIN: 2 tries left before it locks"
    assert "1 try left" in str(WrongPin(PinKind.SIGNATURE, 1))
    last = WrongPin(PinKind.SIGNATURE, 0)
    assert last.tries_left == 0
    assert "locked" in str(last)
    assert "municipal office" in str(last)
    assert isinstance(error, errors.AuthenticationFailed)
    assert error.code == "wrong_pin"


def test_the_other_errors_sit_in_the_tree() -> None:
    locked = PinLocked(PinKind.RESIDENT_REGISTER)
    assert isinstance(locked, errors.Conflict)
    assert "resident-register PIN is locked" in str(locked)
    assert "municipal office" in str(locked)
    assert "in person" in str(locked)
    assert "identity check" in str(locked)
    assert isinstance(PinNotSet(PinKind.CARD_INFO), errors.Conflict)
    assert issubclass(CardError, errors.InvalidInput)
    assert issubclass(AdminAuthorizationFailed, errors.PermissionDenied)
    codes = {
        cls.code for cls in (WrongPin, PinLocked, PinNotSet, CardError, AdminAuthorizationFailed)
    }
    assert len(codes) == 5
