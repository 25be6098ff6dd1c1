"""The four PINs on the card's chip, their forms and retry limits, and their errors.

| PIN | form | wrong entries before lock |
|---|---|---|
| signature password (署名用) | 6-16 upper-case letters and digits, both present | 5 |
| user-authentication PIN (利用者証明用) | 4 digits | 3 |
| resident-register PIN (住民基本台帳用) | 4 digits | 3 |
| card-info-input PIN (券面事項入力補助用) | 4 digits | 3 |

The signature password must mix letters and digits (JPKI portal, "パスワードの失念":
数字とアルファベットの混在が必須); only ``A-Z`` and ``0-9`` (half-width) are allowed.
Only a correct entry resets a counter; time does not. A locked PIN is reset only at the
municipal office, by the holder in person, after an identity check.

No message here ever carries a PIN, nor a hint of it (its length, a character).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mynumbercard.domain import errors

_DIGITS = frozenset("0123456789")
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


class PinKind(StrEnum):
    SIGNATURE = "signature"
    USER_AUTH = "user_auth"
    RESIDENT_REGISTER = "resident_register"
    CARD_INFO = "card_info"


@dataclass(frozen=True, slots=True)
class PinPolicy:
    """The form of one PIN and how many wrong entries lock it.

    ``description`` says the required form in words, for messages; ``label`` names the
    PIN the way a holder knows it.
    """

    kind: PinKind
    max_tries: int
    description: str
    label: str
    alphabet: frozenset[str]
    min_length: int
    max_length: int
    needs_letter_and_digit: bool = False

    def accepts(self, pin: object) -> bool:
        """Whether ``pin`` has this PIN's form (says nothing about which part is wrong)."""
        if not isinstance(pin, str):
            return False
        if not self.min_length <= len(pin) <= self.max_length:
            return False
        if not set(pin) <= self.alphabet:
            return False
        if self.needs_letter_and_digit:
            return bool(set(pin) & _UPPER) and bool(set(pin) & _DIGITS)
        return True


def _four_digits(kind: PinKind, label: str) -> PinPolicy:
    return PinPolicy(
        kind=kind,
        max_tries=3,
        description="exactly 4 digits 0-9",
        label=label,
        alphabet=_DIGITS,
        min_length=4,
        max_length=4,
    )


POLICIES: dict[PinKind, PinPolicy] = {
    PinKind.SIGNATURE: PinPolicy(
        kind=PinKind.SIGNATURE,
        max_tries=5,
        description=(
            "6 to 16 characters, upper-case letters A-Z and digits 0-9 only, "
            "with at least one letter and one digit"
        ),
        label="signature password",
        alphabet=_UPPER | _DIGITS,
        min_length=6,
        max_length=16,
        needs_letter_and_digit=True,
    ),
    PinKind.USER_AUTH: _four_digits(PinKind.USER_AUTH, "user-authentication PIN"),
    PinKind.RESIDENT_REGISTER: _four_digits(PinKind.RESIDENT_REGISTER, "resident-register PIN"),
    PinKind.CARD_INFO: _four_digits(PinKind.CARD_INFO, "card-info-input PIN"),
}


def validate_new_pin(kind: PinKind, pin: str) -> None:
    """Raise ``InvalidInput`` unless ``pin`` has the form of ``kind``'s PIN.

    The message states the required form and never contains the PIN.
    """
    policy = POLICIES[PinKind(kind)]
    if not policy.accepts(pin):
        raise errors.InvalidInput(f"the {policy.label} must be {policy.description}")


LOCKED_ADVICE = (
    "it can be reset only at the municipal office, by the holder in person, after an identity check"
)


class WrongPin(errors.AuthenticationFailed):
    """A wrong entry; ``tries_left`` is what remains (0: the entry just locked the PIN)."""

    code = "wrong_pin"

    def __init__(self, kind: PinKind, tries_left: int) -> None:
        label = POLICIES[kind].label
        if tries_left <= 0:
            message = f"wrong {label}: no tries left, it is now locked; {LOCKED_ADVICE}"
        else:
            plural = "try" if tries_left == 1 else "tries"
            message = f"wrong {label}: {tries_left} {plural} left before it locks"
        super().__init__(message)
        self.kind = kind
        self.tries_left = max(tries_left, 0)


class PinLocked(errors.Conflict):
    """Every entry to a locked PIN is refused, even the correct one."""

    code = "pin_locked"

    def __init__(self, kind: PinKind) -> None:
        super().__init__(f"the {POLICIES[kind].label} is locked: {LOCKED_ADVICE}")
        self.kind = kind


class PinNotSet(errors.Conflict):
    """The PIN has not been set yet (it is set at the counter when the card is handed over)."""

    code = "pin_not_set"

    def __init__(self, kind: PinKind) -> None:
        super().__init__(
            f"the {POLICIES[kind].label} is not set on this card: it is set at the "
            "municipal office when the card is handed over"
        )
        self.kind = kind


class CardError(errors.InvalidInput):
    """A card file that is corrupted, truncated, from another system or not a card file."""

    code = "card_error"


class AdminAuthorizationFailed(errors.PermissionDenied):
    """An administrative command to the chip without a valid card-management signature."""

    code = "admin_authorization_failed"
