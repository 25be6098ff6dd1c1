"""The certificate renewal window and the custody hand-off's states (rules.md, Windows)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.custody import (
    ALLOWED_TRANSITIONS,
    Custody,
    CustodyStatus,
    check_drop_off_identity,
)
from mynumbercard.domain.errors import InvalidInput, InvalidTransition
from mynumbercard.domain.pickup import IdDocument, IdentityNotEstablished
from mynumbercard.domain.renewal import (
    CardNotUsable,
    RenewalNotOpen,
    certificate_renewal_open,
    check_certificate_renewal,
)
from mynumbercard.domain.validity import certificate_expiry

ONE_DAY = timedelta(days=1)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


def opens_on_oracle(expires_on: date) -> date:
    """Three months earlier, the same day or the month's last day (independent of the code)."""
    month = expires_on.month - 3
    year = expires_on.year
    if month < 1:
        month, year = month + 12, year - 1
    return date(year, month, min(expires_on.day, calendar.monthrange(year, month)[1]))


@given(days)
def test_the_window_opens_three_months_before_expiry_and_stays_open(expires_on: date) -> None:
    opens = opens_on_oracle(expires_on)
    assert not certificate_renewal_open(valid_until=expires_on, today=opens - ONE_DAY)
    assert certificate_renewal_open(valid_until=expires_on, today=opens)
    assert certificate_renewal_open(valid_until=expires_on, today=expires_on)
    assert certificate_renewal_open(valid_until=expires_on, today=expires_on + 400 * ONE_DAY)


@given(days, days)
def test_the_refusal_names_the_day_the_window_opens(expires_on: date, today: date) -> None:
    card_expiry = max(expires_on, today)
    opens = opens_on_oracle(expires_on)
    if today >= opens:
        check_certificate_renewal(card_status=CardStatus.ACTIVE, card_expires_on=card_expiry,
                                  valid_until=[expires_on], today=today)
    else:
        with pytest.raises(RenewalNotOpen) as refused:
            check_certificate_renewal(card_status=CardStatus.ACTIVE,
                                      card_expires_on=card_expiry, valid_until=[expires_on],
                                      today=today)
        assert refused.value.opens_on == opens
        assert str(opens) in refused.value.message


@given(days, st.integers(min_value=0, max_value=4000))
def test_without_a_valid_certificate_issuing_is_open_any_day_on_a_valid_card(
        today: date, margin: int) -> None:
    check_certificate_renewal(card_status=CardStatus.ACTIVE,
                              card_expires_on=today + margin * ONE_DAY, valid_until=[],
                              today=today)


@given(days, st.integers(min_value=1, max_value=4000))
def test_an_expired_card_takes_no_certificate(today: date, ago: int) -> None:
    with pytest.raises(CardNotUsable, match="expired"):
        check_certificate_renewal(card_status=CardStatus.ACTIVE,
                                  card_expires_on=today - ago * ONE_DAY, valid_until=[],
                                  today=today)


@pytest.mark.parametrize("status", [s for s in CardStatus if s is not CardStatus.ACTIVE])
def test_only_an_active_card_takes_certificates(status: CardStatus) -> None:
    with pytest.raises(CardNotUsable):
        check_certificate_renewal(card_status=status, card_expires_on=date(2030, 1, 1),
                                  valid_until=[], today=date(2026, 1, 1))


@pytest.mark.parametrize(("expires_on", "opens_on"), [
    (date(2028, 5, 31), date(2028, 2, 29)),  # a leap February's last day
    (date(2027, 5, 31), date(2027, 2, 28)),  # a common February's last day
    (date(2028, 2, 29), date(2027, 11, 29)),
    (date(2027, 2, 28), date(2026, 11, 28)),
    (date(2026, 12, 31), date(2026, 9, 30)),  # September has 30 days
    (date(2027, 1, 15), date(2026, 10, 15)),  # across the year end
])
def test_month_ends_and_leap_years(expires_on: date, opens_on: date) -> None:
    with pytest.raises(RenewalNotOpen, match=str(opens_on)):
        check_certificate_renewal(card_status=CardStatus.ACTIVE, card_expires_on=expires_on,
                                  valid_until=[expires_on], today=opens_on - ONE_DAY)
    check_certificate_renewal(card_status=CardStatus.ACTIVE, card_expires_on=expires_on,
                              valid_until=[expires_on], today=opens_on)


@given(st.integers(min_value=1950, max_value=2010),
       st.dates(min_value=date(2016, 1, 1), max_value=date(2040, 12, 31)))
def test_a_29_february_birthday_renews_from_three_months_before_its_deemed_birthday(
        born_year: int, issued_on: date) -> None:
    born_year -= born_year % 4  # a leap year (1952..2008; 2000 is one too)
    birth = date(born_year, 2, 29)
    expires_on = certificate_expiry(birth_date=birth, certificate_issued_on=issued_on,
                                    card_expires_on=date(2100, 1, 1))
    assert (expires_on.month, expires_on.day) in ((2, 28), (2, 29))
    assert calendar.isleap(expires_on.year) == (expires_on.day == 29)
    assert opens_on_oracle(expires_on) == date(expires_on.year - 1, 11, expires_on.day)
    assert certificate_renewal_open(valid_until=expires_on,
                                    today=date(expires_on.year - 1, 11, expires_on.day))
    assert not certificate_renewal_open(valid_until=expires_on,
                                        today=date(expires_on.year - 1, 11, expires_on.day)
                                        - ONE_DAY)


# --- the custody hand-off ----------------------------------------------------------------

ROUTES = [["renew", "mail", "deliver"],
          ["renew", "mail", "return_undelivered", "collect"],
          ["renew", "mail", "return_undelivered", "mail", "deliver"],
          ["renew", "collect"],
          ["cancel"]]


def _step(custody: Custody, verb: str) -> None:
    match verb:
        case "renew":
            custody.renew(serials=["1a"])
        case "mail":
            custody.mail(tracking_number="1234-5678-9012")
        case "deliver":
            custody.deliver()
        case "return_undelivered":
            custody.return_undelivered(reason="nobody at home for 7 days")
        case "collect":
            custody.collect()
        case _:
            custody.cancel(reason="the holder took the card back")


def _left() -> Custody:
    return Custody.leave(card_id=1, resident_id=1, office_code="13101",
                         kinds=frozenset(CertKind), left_on=date(2026, 3, 2)).stored(1)


@pytest.mark.parametrize("route", ROUTES, ids=["/".join(r) for r in ROUTES])
def test_each_route_follows_the_table_and_records_an_event_per_step(route: list[str]) -> None:
    custody = _left()
    for verb in route:
        before = custody.status
        _step(custody, verb)
        assert custody.status in ALLOWED_TRANSITIONS[before]
        assert custody.events[-1].from_status is before
    assert len(custody.events) == len(route) + 1
    assert not ALLOWED_TRANSITIONS[custody.status]
    assert not custody.in_custody


@given(st.lists(st.sampled_from(["renew", "mail", "deliver", "return_undelivered", "collect",
                                 "cancel"]), max_size=8))
def test_no_sequence_of_verbs_leaves_the_table(verbs: list[str]) -> None:
    custody = _left()
    for verb in verbs:
        before, events = custody.status, len(custody.events)
        try:
            _step(custody, verb)
        except InvalidTransition:
            assert (custody.status, len(custody.events)) == (before, events)
        else:
            assert custody.status in ALLOWED_TRANSITIONS[before]
    assert custody.status in CustodyStatus


def test_a_card_is_not_mailed_before_renewal_nor_renewed_twice() -> None:
    custody = _left()
    with pytest.raises(InvalidTransition):
        custody.mail(tracking_number="1")
    custody.renew(serials=[])
    with pytest.raises(InvalidTransition):
        custody.renew(serials=[])
    with pytest.raises(InvalidInput):
        custody.mail(tracking_number=" ")


def test_drop_off_needs_the_pick_up_documents() -> None:
    adult = {"birth_date": date(1990, 1, 1), "on": date(2026, 1, 1),
             "legal_representative_present": False}
    check_drop_off_identity(documents={IdDocument.PASSPORT}, **adult)  # type: ignore[arg-type]
    check_drop_off_identity(documents={IdDocument.HEALTH_INSURANCE_CARD,  # type: ignore[arg-type]
                                       IdDocument.PENSION_BOOK}, **adult)
    with pytest.raises(IdentityNotEstablished):
        check_drop_off_identity(documents={IdDocument.PENSION_BOOK},  # type: ignore[arg-type]
                                **adult)
    with pytest.raises(IdentityNotEstablished, match="legal representative"):
        check_drop_off_identity(documents={IdDocument.PASSPORT}, birth_date=date(2015, 1, 1),
                                on=date(2026, 1, 1), legal_representative_present=False)
