"""How long a card and its certificates are valid, and when renewal opens.

Sources (see docs/rules.md): the ordinance of the My Number Act on the card's validity, as
amended for the age of majority (Civil Code art. 4, 18 from 2022-04-01), and the JPKI Act
rules for the signature and user-authentication certificates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mynumbercard.domain.dates import age_on, months_after, months_before, nth_birthday_after
from mynumbercard.domain.errors import InvalidDates

AGE_OF_MAJORITY_LOWERED_ON: date = date(2022, 4, 1)
SIGNATURE_CERTIFICATE_MIN_AGE = 15

_CARD_BIRTHDAYS_ADULT = 10
_CARD_BIRTHDAYS_MINOR = 5
_CERTIFICATE_BIRTHDAYS = 5
_RENEWAL_MONTHS = 3
_NOTICE_MONTHS = (3, 2)


def minor_age_limit(applied_on: date) -> int:
    """Under this age on the application-received date, a holder is a minor:
    20 for applications received before 2022-04-01, 18 on or after."""
    return 20 if applied_on < AGE_OF_MAJORITY_LOWERED_ON else 18


def card_expiry(
    *,
    birth_date: date,
    applied_on: date,
    issued_on: date,
    residence_until: date | None = None,
) -> date:
    """The last day the card is valid.

    Through the 10th birthday after the issue date (a birthday on the issue date does not
    count), the 5th for a minor on the application-received date; for a foreign resident
    with a limited stay, no later than the end of that stay (``residence_until``).
    """
    if birth_date > applied_on:
        raise InvalidDates(
            f"the birth date {birth_date} is after the application date {applied_on}"
        )
    if applied_on > issued_on:
        raise InvalidDates(f"the application date {applied_on} is after the issue date {issued_on}")
    if residence_until is not None and residence_until < issued_on:
        raise InvalidDates(
            f"the period of stay ends on {residence_until}, before the issue date {issued_on}"
        )
    minor = age_on(birth_date, applied_on) < minor_age_limit(applied_on)
    birthdays = _CARD_BIRTHDAYS_MINOR if minor else _CARD_BIRTHDAYS_ADULT
    expires_on = nth_birthday_after(birth_date, issued_on, birthdays)
    if residence_until is not None:
        return min(expires_on, residence_until)
    return expires_on


def extended_card_expiry(
    *,
    birth_date: date,
    applied_on: date,
    issued_on: date,
    expires_on: date,
    stay_until: date,
    extended_on: date,
) -> date:
    """The card's new last day when a limited stay was extended and the holder applies at
    the office on `extended_on`: the new end of stay, never past the birthday rule counted
    from the card's own issue date (`card_expiry` without a stay).

    Refused (`InvalidDates`): an application after the card expired (a new card is needed
    then), a stay that does not end after the card's current expiry, and a card already at
    the birthday rule's limit (nothing to extend: a new card is needed)."""
    if extended_on > expires_on:
        raise InvalidDates(f"the card expired on {expires_on}: its validity can no longer be "
                           "extended; apply for a new card")
    if extended_on < issued_on:
        raise InvalidDates("the extension is applied for before the card was issued")
    if stay_until <= expires_on:
        raise InvalidDates(f"the period of stay ends on {stay_until}, not after the card's "
                           f"expiry {expires_on}: nothing to extend")
    bound = card_expiry(birth_date=birth_date, applied_on=applied_on, issued_on=issued_on)
    if bound <= expires_on:
        raise InvalidDates(f"the card is valid to the limit of the birthday rule ({bound}): "
                           "apply for a new card")
    return min(bound, stay_until)


def certificate_expiry(
    *, birth_date: date, certificate_issued_on: date, card_expires_on: date
) -> date:
    """The last day a JPKI certificate (either kind) is valid: through the 5th birthday
    after its own issue date, and never past the card's expiry."""
    if birth_date > certificate_issued_on:
        raise InvalidDates(
            f"the birth date {birth_date} is after the certificate issue date "
            f"{certificate_issued_on}"
        )
    if certificate_issued_on > card_expires_on:
        raise InvalidDates(
            f"the certificate issue date {certificate_issued_on} is after the card "
            f"expired on {card_expires_on}"
        )
    own = nth_birthday_after(birth_date, certificate_issued_on, _CERTIFICATE_BIRTHDAYS)
    return min(own, card_expires_on)


def signature_certificate_allowed(*, birth_date: date, on: date) -> bool:
    """A signature certificate is issued only to a holder aged 15 or more on that day."""
    return age_on(birth_date, on) >= SIGNATURE_CERTIFICATE_MIN_AGE


def renewal_opens_on(expires_on: date) -> date:
    """Renewal (of the card or a certificate) opens 3 months before expiry."""
    return months_before(expires_on, _RENEWAL_MONTHS)


def expiries_noticed_from(day: date) -> tuple[date, date] | None:
    """The expiry dates whose notice window opens on `day` (first, last; inclusive): the
    day's cohort for the validity-notice job. Usually one date; at a month end several
    (29, 30 and 31 May all open on 28 February in a common year); none on the days no
    expiry maps to (29 and 30 November, three months before a 28-day February)."""
    first_months, _ = _NOTICE_MONTHS
    start = months_after(day, first_months)
    cohort = [start + timedelta(days=n) for n in range(4)
              if months_before(start + timedelta(days=n), first_months) == day]
    return (cohort[0], cohort[-1]) if cohort else None


def notice_window(expires_on: date) -> tuple[date, date]:
    """The days (first, last; inclusive) on which the validity notice is mailed:
    from 3 months to 2 months before expiry."""
    first, last = _NOTICE_MONTHS
    return months_before(expires_on, first), months_before(expires_on, last)


@dataclass(frozen=True, slots=True)
class ExpirySummary:
    card_expires_on: date
    signature_certificate_expires_on: date | None  # None: no signature certificate (< 15)
    user_certificate_expires_on: date
    card_renewal_opens_on: date


def expiry_summary(
    *,
    birth_date: date,
    applied_on: date,
    issued_on: date,
    certificate_issued_on: date | None = None,
    residence_until: date | None = None,
) -> ExpirySummary:
    """Every expiry of a card and its certificates (issued with the card by default)."""
    card_expires_on = card_expiry(
        birth_date=birth_date,
        applied_on=applied_on,
        issued_on=issued_on,
        residence_until=residence_until,
    )
    certificates_on = issued_on if certificate_issued_on is None else certificate_issued_on
    if certificates_on < issued_on:
        raise InvalidDates(
            f"the certificate issue date {certificates_on} is before the card was issued "
            f"on {issued_on}"
        )
    user_expires_on = certificate_expiry(
        birth_date=birth_date,
        certificate_issued_on=certificates_on,
        card_expires_on=card_expires_on,
    )
    signature = signature_certificate_allowed(birth_date=birth_date, on=certificates_on)
    return ExpirySummary(
        card_expires_on=card_expires_on,
        signature_certificate_expires_on=user_expires_on if signature else None,
        user_certificate_expires_on=user_expires_on,
        card_renewal_opens_on=renewal_opens_on(card_expires_on),
    )
