"""The wrong-validity check (`services/validity_check.py`) on in-memory fakes
(tests/job_fakes.py): findings, one case and one contact letter per card, a dismissed
finding not reopened, what a clerk may read. The SQL is tested in
integration/test_validity_check.py; correcting a case at the counter there too."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from job_fakes import CheckFakeUnit, FakeValidityChecks
from mynumbercard.domain.correction import CaseStatus
from mynumbercard.domain.errors import PermissionDenied
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.domain.validity_check import check_card
from mynumbercard.services import validity_check
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.mail_ports import LetterKind
from mynumbercard.services.validity_check_ports import CheckedCard, CheckedCertificate

AGENCY = Actor("agency", Role.OPERATOR)
CHIYODA = Actor("clerk", Role.CLERK, "13101")
NOW = datetime(2026, 11, 30, 1, tzinfo=UTC)
RIGHT = CheckedCard(1, 11, "13101", date(1980, 5, 10), date(2020, 1, 15), date(2020, 2, 1),
                    date(2029, 5, 10), None)


def _card(card_id: int, code: str, *, expires_on: date) -> CheckedCard:
    return replace(RIGHT, card_id=card_id, resident_id=10 + card_id, municipality_code=code,
                   expires_on=expires_on)


def _register() -> FakeValidityChecks:
    correct = RIGHT.expires_on
    assert check_card(birth_date=RIGHT.birth_date, applied_on=date(2020, 1, 15),
                      issued_on=RIGHT.issued_on, stored=correct) is None
    return FakeValidityChecks(
        cards=[RIGHT, _card(2, "13101", expires_on=date(2030, 5, 10)),
               _card(3, "01101", expires_on=date(2030, 5, 10))],
        certificates=[CheckedCertificate(7, 1, date(2020, 2, 1), date(2031, 5, 10))])


def test_each_wrong_card_gets_a_finding_one_case_and_one_contact_letter() -> None:
    uow = CheckFakeUnit(_register())
    run = validity_check.check_validity(uow, actor=AGENCY, now=NOW)
    assert (run.run_key, run.cards) == ("2026-11-30", 3)
    findings = uow.validity_checks.findings["2026-11-30"]
    assert sorted((f.subject, f.subject_id) for f in findings) == [
        ("card", 2), ("card", 3), ("certificate", 7)]
    cases = uow.validity_checks.case_rows.values()
    assert sorted((c.card_id, c.subject, c.correct_on) for c in cases) == [
        (1, "certificate", date(2024, 5, 10)), (2, "card", RIGHT.expires_on),
        (3, "card", RIGHT.expires_on)]  # the certificate: its 5th birthday
    letters = uow.mail.queued.values()
    assert {x.kind for x in letters} == {LetterKind.VALIDITY_CORRECTION}
    assert sorted(x.details["case"] for x in letters) == [c.id for c in cases]
    assert [r.action for r in uow.audit.records] == [AuditAction.VALIDITY_CHECK]


def test_a_dismissed_finding_is_not_reopened_by_the_next_run() -> None:
    uow = CheckFakeUnit(_register())
    validity_check.check_validity(uow, actor=AGENCY, now=NOW)
    (case,) = [c for c in uow.validity_checks.case_rows.values() if c.card_id == 2]
    with pytest.raises(PermissionDenied):
        validity_check.dismiss_case(uow, actor=CHIYODA, case_id=case.id, now=NOW)
    assert validity_check.dismiss_case(uow, actor=AGENCY, case_id=case.id,
                                       now=NOW).status is CaseStatus.DISMISSED
    letters = len(uow.mail.queued)
    validity_check.check_validity(uow, actor=AGENCY, now=NOW, run_key="again")
    assert [c.status for c in uow.validity_checks.case_rows.values()
            if c.card_id == 2] == [CaseStatus.DISMISSED]
    assert len(uow.mail.queued) == letters


def test_a_clerk_reads_only_their_municipalitys_cases_and_report_rows() -> None:
    uow = CheckFakeUnit(_register())
    with pytest.raises(PermissionDenied):
        validity_check.check_validity(uow, actor=CHIYODA, now=NOW)
    validity_check.check_validity(uow, actor=AGENCY, now=NOW)
    mine = validity_check.list_cases(uow, actor=CHIYODA, status=CaseStatus.OPEN)
    assert {c.municipality_code for c in mine} == {"13101"}
    everyone = validity_check.list_cases(uow, actor=AGENCY, status=None)
    assert {c.municipality_code for c in everyone} == {"13101", "01101"}
    seen = validity_check.report(uow, actor=CHIYODA)
    assert [m.code for m in seen.by_municipality] == ["13101"]
    assert (seen.run, seen.findings) == ("2026-11-30", 2)
    assert validity_check.report(uow, actor=AGENCY).findings == 3
