"""The convenience-store kiosk's rules: the documents, when kiosks serve, the refusals
and their messages, the verification code printed on a document.

Kiosks serve 6:30 to 23:00 every day except 29 December to 3 January, and not during
maintenance the system has announced (J-LIS, コンビニ交付 利用時間; docs/services.md).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import InvalidInput, PermissionDenied

OPENS, CLOSES = time(6, 30), time(23, 0)
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_GROUPS, CODE_GROUP = 4, 4
MAX_FEE = 100_000


class KioskDocument(StrEnum):
    RESIDENCE_CERTIFICATE = "residence-certificate"  # 住民票の写し
    REGISTER_ITEMS = "register-items"  # 住民票記載事項証明書

    @property
    def title_ja(self) -> str:
        return {"residence-certificate": "住民票の写し",
                "register-items": "住民票記載事項証明書"}[self.value]


class Refusal(StrEnum):
    CERTIFICATE_EXPIRED = "certificate_expired"
    CERTIFICATE_REVOKED = "certificate_revoked"
    CERTIFICATE_ON_HOLD = "certificate_on_hold"
    PIN_WRONG = "pin_wrong"
    PIN_LOCKED = "pin_locked"
    MOVED_OUT = "moved_out"
    DECEASED = "deceased"
    NOT_OFFERED = "not_offered"
    OUTSIDE_HOURS = "outside_hours"
    MAINTENANCE = "maintenance"
    REPLAYED = "replayed"


MESSAGES: dict[Refusal, str] = {
    Refusal.CERTIFICATE_EXPIRED: "The card's user-authentication certificate has expired. "
    "Renew it at your municipal office (free of charge).",
    Refusal.CERTIFICATE_REVOKED: "The card's user-authentication certificate is revoked. "
    "If the card was lost, apply for a new card at your municipal office.",
    Refusal.CERTIFICATE_ON_HOLD: "The card is reported lost: its certificate is on hold. "
    "If you found it, bring it to your municipal office.",
    Refusal.PIN_WRONG: "The PIN is wrong.",
    Refusal.PIN_LOCKED: "The PIN is locked. Only your municipal office can unlock it: "
    "bring the card and an identity document.",
    Refusal.MOVED_OUT: "The holder no longer lives in the municipality: this document "
    "is issued by the municipality of residence.",
    Refusal.DECEASED: "This card's holder has died: the card cannot be used.",
    Refusal.NOT_OFFERED: "The municipality does not offer this document at kiosks.",
    Refusal.OUTSIDE_HOURS: "Kiosks serve from 6:30 to 23:00, except 29 December to "
    "3 January.",
    Refusal.MAINTENANCE: "The service is closed for announced maintenance.",
    Refusal.REPLAYED: "This transaction was already used: start again at the kiosk.",
}


class KioskRefused(PermissionDenied):
    """A transaction refused for one of the reasons the kiosk shows (`refusal`)."""

    code = "kiosk_refused"

    def __init__(self, refusal: Refusal, message: str | None = None) -> None:
        super().__init__(message or MESSAGES[refusal])
        self.refusal = refusal


def pin_wrong_message(tries_left: int) -> str:
    if tries_left <= 0:
        return MESSAGES[Refusal.PIN_LOCKED]
    return f"The PIN is wrong: {tries_left} {'try' if tries_left == 1 else 'tries'} left."


@dataclass(frozen=True, slots=True)
class Maintenance:
    starts_at: datetime
    ends_at: datetime
    note: str = ""

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise InvalidInput("maintenance times need their offset")
        if self.ends_at <= self.starts_at:
            raise InvalidInput("a maintenance window ends after it starts")


def year_end_break(day: date) -> bool:
    """29 December to 3 January."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def check_open(now: datetime, maintenance: Iterable[Maintenance]) -> None:
    """Raise KioskRefused unless kiosks serve at `now` (aware)."""
    local = now.astimezone(JST)
    if year_end_break(local.date()) or not OPENS <= local.time() < CLOSES:
        raise KioskRefused(Refusal.OUTSIDE_HOURS)
    for window in maintenance:
        if window.starts_at <= now < window.ends_at:
            raise KioskRefused(Refusal.MAINTENANCE)


def new_verification_code() -> str:
    """80 random bits as four groups of four Crockford base32 letters."""
    letters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP))
    return "-".join(letters[i : i + CODE_GROUP] for i in range(0, len(letters), CODE_GROUP))


def normalise_code(text: str) -> str:
    """A code as typed (lower case, without dashes, O for 0, I/L for 1) in its printed
    form; InvalidInput for anything else."""
    if not isinstance(text, str) or len(text) > 40:
        raise InvalidInput("a verification code is 16 letters and digits")
    plain = text.strip().upper().replace("-", "").replace(" ", "")
    plain = plain.translate(str.maketrans("OIL", "011"))
    if len(plain) != CODE_GROUPS * CODE_GROUP or any(c not in CODE_ALPHABET for c in plain):
        raise InvalidInput("a verification code is 16 letters and digits (XXXX-XXXX-XXXX-XXXX)")
    return "-".join(plain[i : i + CODE_GROUP] for i in range(0, len(plain), CODE_GROUP))


def check_fee(fee: int) -> int:
    if isinstance(fee, bool) or not isinstance(fee, int) or not 0 <= fee <= MAX_FEE:
        raise InvalidInput(f"a fee is a whole number of yen from 0 to {MAX_FEE}")
    return fee


CHALLENGE_BYTES = 32
