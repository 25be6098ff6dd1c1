"""The OCSP jobs against their unit of work in memory (tests/ocsp_fakes.py): the answers
a certificate lacks are produced once, and the refresh re-signs only those falling due.
The SQL is tested in integration/test_ocsp_store.py and test_certificates.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mynumbercard.domain.certificate import Certificate, CertKind
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import ocsp
from mynumbercard.services.audit_actions import AuditAction
from ocsp_fakes import OcspFakeUnit

AGENCY = Actor("agency", Role.OPERATOR)
NOW = datetime(2026, 12, 21, 1, tzinfo=UTC)


class SigningCa:
    """Answers that say when they were signed."""

    def ocsp_good(self, *, this_update: datetime, **_: Any) -> bytes:
        return f"good@{this_update:%Y-%m-%d}".encode()

    def ocsp_unauthorized(self) -> bytes:
        return b"unauthorized"


def _unit(*not_after: datetime) -> OcspFakeUnit:
    uow = OcspFakeUnit()
    uow.certificates.rows = [Certificate(i, CertKind.AUTH, 1000 + i, i,
                                         end - timedelta(days=1800), end)
                             for i, end in enumerate(not_after, start=1)]
    return uow


def test_the_missing_answers_of_unexpired_certificates_are_produced_once() -> None:
    uow = _unit(NOW + timedelta(days=400), NOW - timedelta(days=1), NOW + timedelta(days=9))
    ca: Any = SigningCa()
    made = ocsp.produce_missing(uow, ca, actor=AGENCY, now=NOW)
    assert (made, sorted(uow.ocsp.answers)) == (2, [(CertKind.AUTH, 1001),
                                                    (CertKind.AUTH, 1003)])
    assert uow.ocsp.get(kind=CertKind.AUTH, serial=1001) == b"good@2026-12-21"
    assert [r.action for r in uow.audit.records] == [AuditAction.OCSP_PRODUCE]
    again = ocsp.produce_missing(uow, ca, actor=AGENCY, now=NOW + timedelta(hours=1),
                                 run_key="second run")
    assert (again, len(uow.audit.records)) == (0, 1)


def test_the_refresh_re_signs_only_the_answers_falling_due() -> None:
    uow = _unit(NOW + timedelta(days=400), NOW + timedelta(days=400))
    ca: Any = SigningCa()
    ocsp.produce_missing(uow, ca, actor=AGENCY, now=NOW)
    uow.ocsp.put(kind=CertKind.AUTH, serial=1002, der=b"old", this_update=NOW,
                 next_update=NOW + timedelta(days=30))  # not due tomorrow
    later = NOW + timedelta(days=4)  # answer 1001 (valid for OCSP_VALIDITY) falls due
    assert later + ocsp.REFRESH_HORIZON > NOW + ocsp.OCSP_VALIDITY
    assert ocsp.refresh_responses(uow, ca, now=later) == 1
    assert (uow.ocsp.get(kind=CertKind.AUTH, serial=1001),
            uow.ocsp.get(kind=CertKind.AUTH, serial=1002)) == (b"good@2026-12-25", b"old")
