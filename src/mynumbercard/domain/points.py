"""My Number Points: campaigns as data and the grant of one payment service's report.

A campaign grants `rate_percent` of what qualifies (charges, purchases or both), rounded
down to the yen, never more than what is left of `cap` per person, and only for what
happened within its period (Japan days, both ends included). Pure: no clock, no store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.kiosk import Refusal

MAX_AMOUNT = 10_000_000  # yen in one report: more is a malformed report
MAX_CAP = 1_000_000
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}")
REPORT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class ReportKind(StrEnum):
    CHARGE = "charge"  # money put on a prepaid service (チャージ)
    PURCHASE = "purchase"  # a payment with the service


@dataclass(frozen=True, slots=True)
class Campaign:
    name: str
    starts_on: date
    ends_on: date
    rate_percent: int
    cap: int  # yen per person over the period
    qualifies: frozenset[ReportKind]

    def __post_init__(self) -> None:
        if not NAME.fullmatch(self.name):
            raise InvalidInput("a campaign's name is 1 to 60 of A-Z a-z 0-9 . _ -")
        if self.ends_on < self.starts_on:
            raise InvalidInput("a campaign ends on or after its first day")
        if not 1 <= self.rate_percent <= 100:
            raise InvalidInput("a campaign's rate is 1 to 100 per cent")
        if not 1 <= self.cap <= MAX_CAP:
            raise InvalidInput(f"a campaign's cap is 1 to {MAX_CAP} yen")
        if not self.qualifies:
            raise InvalidInput("a campaign grants for charges, purchases or both")

    def covers(self, at: datetime) -> bool:
        return self.starts_on <= at.astimezone(JST).date() <= self.ends_on


# The first campaign (Digital Agency, マイナポイント事業 第1弾): 25 %, up to ¥5,000.
FIRST = Campaign("mynapoint-1", date(2020, 9, 1), date(2021, 12, 31), 25, 5000,
                 frozenset(ReportKind))


class GrantRefused(InvalidInput):
    """The report is well-formed but earns nothing under this campaign."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.code = reason  # the JSON `error`: outside_period, not_qualifying


def check_amount(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or not (
            1 <= amount <= MAX_AMOUNT):
        raise InvalidInput(f"a report's amount is 1 to {MAX_AMOUNT} yen")
    return amount


def check_report_id(report_id: str) -> str:
    if not isinstance(report_id, str) or not REPORT_ID.fullmatch(report_id):
        raise InvalidInput("a report_id is 1 to 64 of A-Z a-z 0-9 . _ : -")
    return report_id


def grant(campaign: Campaign, *, kind: ReportKind, amount: int, at: datetime,
          granted_so_far: int) -> int:
    """The points (yen) one report earns: rate % of `amount` rounded down, within what
    is left of the person's cap. GrantRefused outside the period or for a kind the
    campaign does not count."""
    check_amount(amount)
    if not campaign.covers(at):
        raise GrantRefused("outside_period", f"the campaign {campaign.name} runs from "
                           f"{campaign.starts_on} to {campaign.ends_on}")
    if kind not in campaign.qualifies:
        raise GrantRefused("not_qualifying", f"the campaign {campaign.name} does not count "
                           f"a {kind.value}")
    left = max(0, campaign.cap - granted_so_far)
    return min(amount * campaign.rate_percent // 100, left)


class PointsRefusal(StrEnum):
    """What the holder's card program prints as `refused` (beside the card's own, the
    kiosk's: certificate_expired, certificate_revoked, pin_wrong, ...)."""

    ALREADY_ENROLLED = "already_enrolled"
    UNKNOWN_SERVICE = "unknown_service"


class AlreadyEnrolled(Conflict):
    refusal = PointsRefusal.ALREADY_ENROLLED

    def __init__(self) -> None:
        super().__init__("this person has chosen a payment service already: the choice is "
                         "one per person, whatever card they hold")


class UnknownService(NotFound):
    refusal = PointsRefusal.UNKNOWN_SERVICE

    def __init__(self) -> None:
        super().__init__("no active payment service with this key id")


class ChallengeSpent(Conflict):
    """The holder's challenge was answered before, or expired (409: start again)."""

    refusal = Refusal.REPLAYED

    def __init__(self) -> None:
        super().__init__("this challenge was used already or has expired: start again")


SIGN_IN_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
SIGN_IN_LETTERS = 8


def normalise_sign_in_code(text: str) -> str:
    """A page's sign-in code as typed (case, dashes, O/0 and I/L/1 forgiven) in its shown
    form XXXX-XXXX; InvalidInput for anything else."""
    if not isinstance(text, str) or len(text) > 20:
        raise InvalidInput("a sign-in code is 8 letters and digits (XXXX-XXXX)")
    plain = text.strip().upper().replace("-", "").replace(" ", "")
    plain = plain.translate(str.maketrans("OIL", "011"))
    if len(plain) != SIGN_IN_LETTERS or any(c not in SIGN_IN_ALPHABET for c in plain):
        raise InvalidInput("a sign-in code is 8 letters and digits (XXXX-XXXX)")
    return f"{plain[:4]}-{plain[4:]}"
