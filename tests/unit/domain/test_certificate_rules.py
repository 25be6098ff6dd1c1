"""What life events do to the two certificates, and their validity window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain.certificate import (
    ALLOWED_TRANSITIONS,
    CertificateStatus,
    CertKind,
    LifeEvent,
    RevocationReason,
    check_transition,
    effect_of,
    is_expired,
    validity_window,
)
from mynumbercard.domain.errors import InvalidInput, InvalidTransition


def test_personal_data_changes_revoke_the_signature_certificate_only() -> None:
    change = effect_of(LifeEvent.PERSONAL_DATA_CHANGED, CertKind.SIGN)
    assert change is not None
    assert change.to is CertificateStatus.REVOKED
    assert effect_of(LifeEvent.PERSONAL_DATA_CHANGED, CertKind.AUTH) is None


def test_a_lost_card_suspends_both_with_certificate_hold() -> None:
    for kind in CertKind:
        change = effect_of(LifeEvent.CARD_LOST, kind)
        assert change is not None
        assert (change.to, change.reason) == (CertificateStatus.SUSPENDED,
                                              RevocationReason.CERTIFICATE_HOLD)


@pytest.mark.parametrize("event", [LifeEvent.CARD_FOUND, LifeEvent.DEATH,
                                   LifeEvent.LOSS_OF_RESIDENCE, LifeEvent.CARD_RETURNED,
                                   LifeEvent.RENEWED])
def test_these_events_revoke_both(event: LifeEvent) -> None:
    for kind in CertKind:
        change = effect_of(event, kind)
        assert change is not None
        assert change.to is CertificateStatus.REVOKED
        assert change.reason is not RevocationReason.CERTIFICATE_HOLD


def test_suspension_leads_only_to_revocation_and_revocation_is_final() -> None:
    check_transition(CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED)
    check_transition(CertificateStatus.SUSPENDED, CertificateStatus.REVOKED)
    with pytest.raises(InvalidTransition):
        check_transition(CertificateStatus.SUSPENDED, CertificateStatus.ACTIVE)
    for status in CertificateStatus:
        with pytest.raises(InvalidTransition):
            check_transition(CertificateStatus.REVOKED, status)
    assert set(ALLOWED_TRANSITIONS) == set(CertificateStatus)


def test_reasons_parse_by_rfc_5280_name_and_hold_is_not_a_revocation() -> None:
    assert RevocationReason.parse("keyCompromise") is RevocationReason.KEY_COMPROMISE
    assert RevocationReason.parse("keycompromise") is RevocationReason.KEY_COMPROMISE
    with pytest.raises(InvalidInput, match="cert suspend"):
        RevocationReason.parse("certificateHold")
    with pytest.raises(InvalidInput):
        RevocationReason.parse("bored")


# hypothesis bounds are naive by its API; the drawn values carry UTC.
@given(st.datetimes(min_value=datetime(2016, 1, 1), max_value=datetime(2040, 1, 1),  # noqa: DTZ001
                    timezones=st.just(UTC)),
       st.integers(min_value=1, max_value=3700))
def test_the_window_ends_at_the_last_second_of_the_day_in_japan(issued_at: datetime,
                                                                days: int) -> None:
    expires_on = (issued_at + timedelta(hours=9)).date() + timedelta(days=days)
    not_before, not_after = validity_window(issued_at, expires_on)
    assert not_before <= issued_at < not_after
    japan = not_after + timedelta(hours=9)
    assert (japan.date(), japan.hour, japan.minute, japan.second) == (expires_on, 23, 59, 59)
    assert not is_expired(not_after, not_after)
    assert is_expired(not_after, not_after + timedelta(seconds=1))


def test_a_window_needs_an_aware_time_and_a_future_end() -> None:
    with pytest.raises(InvalidInput):
        validity_window(datetime(2026, 1, 1), date(2030, 1, 1))  # noqa: DTZ001
    with pytest.raises(InvalidInput):
        validity_window(datetime(2026, 1, 2, tzinfo=UTC), date(2025, 12, 31))
