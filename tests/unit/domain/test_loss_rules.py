"""A lost card's rules: the channel of a report, closing it once, lifting a hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mynumbercard.domain.card import Card, CardStatus
from mynumbercard.domain.certificate import (
    Certificate,
    CertificateStatus,
    CertKind,
    RevocationReason,
)
from mynumbercard.domain.errors import Conflict, InvalidInput, InvalidTransition
from mynumbercard.domain.loss import LossReport, LossStatus, ReportedVia, check_channel
from mynumbercard.domain.staff import Role

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def _certificate() -> Certificate:
    return Certificate(id=1, kind=CertKind.AUTH, serial=0x1234, card_id=1,
                       not_before=NOW - timedelta(days=30), not_after=NOW + timedelta(days=900))


def test_a_hold_is_lifted_and_only_a_hold():
    held = _certificate()
    held.suspend(at=NOW)
    held.release(at=NOW + timedelta(days=1))
    assert (held.status, held.reason, held.revoked_at) == (CertificateStatus.ACTIVE, None, None)
    assert held.released_at == NOW + timedelta(days=1)
    with pytest.raises(InvalidTransition):
        held.release(at=NOW)  # active: nothing to lift
    revoked = _certificate()
    revoked.revoke(reason=RevocationReason.KEY_COMPROMISE, at=NOW)
    with pytest.raises(InvalidTransition):
        revoked.release(at=NOW)  # a revocation is final


def test_remove_from_crl_is_no_revocation_reason():
    with pytest.raises(InvalidInput):
        RevocationReason.parse("removeFromCRL")
    with pytest.raises(InvalidInput):
        _certificate().revoke(reason=RevocationReason.REMOVE_FROM_CRL, at=NOW)


@pytest.mark.parametrize(("text", "via"), [("call-centre", ReportedVia.CALL_CENTRE),
                                           ("call_centre", ReportedVia.CALL_CENTRE),
                                           ("Counter", ReportedVia.COUNTER)])
def test_the_channel_is_read_as_typed(text: str, via: ReportedVia):
    assert ReportedVia.parse(text) is via


def test_each_role_takes_reports_through_its_own_channel():
    check_channel(Role.OPERATOR, ReportedVia.CALL_CENTRE)
    check_channel(Role.CLERK, ReportedVia.COUNTER)
    check_channel(Role.ADMIN, ReportedVia.COUNTER)
    with pytest.raises(InvalidInput):
        check_channel(Role.CLERK, ReportedVia.CALL_CENTRE)
    with pytest.raises(InvalidInput):
        ReportedVia.parse("pigeon")


def test_a_report_closes_once():
    report = LossReport(id=1, card_id=1, via=ReportedVia.COUNTER, reported_at=NOW,
                        reported_by="clerk")
    report.close(LossStatus.FOUND, at=NOW + timedelta(hours=1), by="clerk")
    with pytest.raises(Conflict):
        report.close(LossStatus.CONFIRMED, at=NOW + timedelta(hours=2), by="clerk")


def test_a_lost_card_found_is_active_again():
    card = Card(id=1, card_number="C", resident_id=1, issued_on=NOW.date(),
                expires_on=NOW.date() + timedelta(days=3650), status=CardStatus.LOST)
    assert card.change_status(CardStatus.ACTIVE) is None  # the certificates: released apart
    assert card.status is CardStatus.ACTIVE
