"""Application use cases on in-memory fakes (tests/application_fakes.py): forms, the
channels, review and what the resident may ask; the SQL is in integration/."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from application_fakes import ApplicationsFakeUnit, FakePhotos, FixedInspector
from mynumbercard.domain.application import (
    ApplicationKind,
    ApplicationStatus,
    Channel,
    DeficiencyReason,
    VoidReason,
)
from mynumbercard.domain.application_id import generate as application_id_of
from mynumbercard.domain.errors import Conflict, NotFound, PermissionDenied
from mynumbercard.domain.photo import PhotoFinding
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import application_views, applications, register
from mynumbercard.services.application_ports import FormReason, PhotoVerdict
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.mail_ports import LetterKind

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
BORN = date(1990, 4, 1)
CLERK = Actor("clerk-chiyoda", Role.CLERK, "13101")
OTHER_CLERK = Actor("clerk-minato", Role.CLERK, "13103")
OPERATOR = Actor("operator", Role.OPERATOR)
ONLINE = applications.online_applicant(Channel.SMARTPHONE)
PHOTO = b"\x89PNG a photo"


def _resident(uow: ApplicationsFakeUnit) -> int:
    resident = register.register_resident(
        uow, actor=CLERK, now=NOW, family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=BORN, sex=Sex.FEMALE,
        municipality_code="13101", postal_code="1000001", address="千代田1番1号",
        registered_on=date(2026, 11, 2), rng=random.Random(7))
    assert resident.id is not None
    return resident.id


def _form(uow: ApplicationsFakeUnit, resident_id: int, seed: int = 1) -> str:
    form = applications.issue_form(uow, actor=CLERK, resident_id=resident_id,
                                   reason=FormReason.FIRST, now=NOW, rng=random.Random(seed))
    return form.application_id


def _submit(uow: ApplicationsFakeUnit, application_id: str, *, birth_date: date = BORN,
            inspector: FixedInspector | None = None) -> applications.Submitted:
    return applications.submit(uow, FakePhotos(), inspector or FixedInspector(),
                               actor=ONLINE, channel=Channel.SMARTPHONE,
                               application_id=application_id, birth_date=birth_date,
                               photo=PHOTO, now=NOW)


def test_a_form_is_issued_once_per_resident_and_a_new_one_voids_the_open_application() -> None:
    uow = ApplicationsFakeUnit()
    resident_id = _resident(uow)
    first = _form(uow, resident_id, seed=1)
    submitted = _submit(uow, first)
    second = _form(uow, resident_id, seed=2)
    assert uow.applications.forms[first].dead_at == NOW
    assert uow.applications.live_form(resident_id).application_id == second
    voided = uow.applications.get(submitted.application.id)
    assert (voided.status, voided.void_reason) == (ApplicationStatus.VOIDED,
                                                   VoidReason.NEW_FORM)
    record = uow.audit.records[-1]
    assert (record.action, record.subject, record.details) == (
        AuditAction.APPLICATION_ISSUE_FORM, f"resident:{resident_id}", {"reason": "first"})


def test_a_clerk_of_another_municipality_is_told_the_resident_does_not_exist() -> None:
    uow = ApplicationsFakeUnit()
    resident_id = _resident(uow)
    commits = uow.commits
    with pytest.raises(NotFound, match=f"no resident with id {resident_id}"):
        applications.issue_form(uow, actor=OTHER_CLERK, resident_id=resident_id,
                                reason=FormReason.FIRST, now=NOW)
    with pytest.raises(PermissionDenied):
        applications.issue_form(uow, actor=Actor("booth", Role.BOOTH), resident_id=resident_id,
                                reason=FormReason.FIRST, now=NOW)
    assert uow.commits == commits


def test_an_online_application_is_received_with_its_soft_findings_and_audited() -> None:
    uow = ApplicationsFakeUnit()
    application_id = _form(uow, _resident(uow))
    soft = PhotoFinding.of("background", value=0.4, threshold="< 0.2",
                           message_ja="背景が無地ではありません", message_en="background not plain")
    submitted = _submit(uow, application_id, inspector=FixedInspector(
        PhotoVerdict(accepted=True, findings=[soft])))
    application = submitted.application
    assert (application.status, application.kind, submitted.resubmission) == (
        ApplicationStatus.RECEIVED, ApplicationKind.FIRST, False)
    assert submitted.warnings == (soft,)
    assert [h.to_status for h in uow.applications.history(application.id)] == [
        "received"]
    record = uow.audit.records[-1]
    assert (record.actor, record.action, record.subject) == (
        "resident:smartphone", AuditAction.APPLICATION_SUBMIT, f"application:{application.id}")


def test_a_wrong_birth_date_gets_the_answer_of_an_unknown_form_and_a_bad_photo_nothing(
        ) -> None:
    uow = ApplicationsFakeUnit()
    application_id = _form(uow, _resident(uow))
    with pytest.raises(NotFound) as wrong_birth:
        _submit(uow, application_id, birth_date=date(1990, 4, 2))
    other = application_id_of(random.Random(99))
    with pytest.raises(NotFound) as unknown:
        _submit(uow, other)
    assert str(wrong_birth.value) == str(unknown.value)
    hard = PhotoFinding.of("no_face", value=None, threshold="1 face",
                           message_ja="顔が見つかりません", message_en="no face found")
    with pytest.raises(applications.PhotoRejected, match="no_face"):
        _submit(uow, application_id, inspector=FixedInspector(
            PhotoVerdict(accepted=False, findings=[hard])))
    assert uow.applications.rows == {}


def test_a_second_application_while_one_is_open_is_refused() -> None:
    uow = ApplicationsFakeUnit()
    resident_id = _resident(uow)
    _submit(uow, _form(uow, resident_id, seed=1))
    uow.applications.forms.clear()  # a second form, as if the first were never killed
    with pytest.raises(Conflict, match="in progress"):
        _submit(uow, _form(uow, resident_id, seed=2))


def test_a_deficient_application_queues_its_letter_and_is_applied_for_again() -> None:
    uow = ApplicationsFakeUnit()
    application_id = _form(uow, _resident(uow))
    ref = _submit(uow, application_id).application.id
    applications.start_review(uow, actor=OPERATOR, application_ref=ref, now=NOW)
    found = applications.mark_deficient(uow, actor=OPERATOR, application_ref=ref,
                                        reason=DeficiencyReason.PHOTO,
                                        message="写真が暗すぎます", now=NOW)
    assert found.status is ApplicationStatus.DEFICIENT
    (letter,) = [x for x in uow.mail.queued.values() if x.kind is LetterKind.DEFICIENCY]
    assert (letter.kind, letter.letter_key, letter.application_id) == (
        LetterKind.DEFICIENCY, f"deficiency:{ref}:1", application_id)
    status = application_views.status_for_resident(uow, application_id=application_id,
                                                   birth_date=BORN)
    assert status.deficiency == application_views.Deficiency(DeficiencyReason.PHOTO,
                                                             "写真が暗すぎます")
    again = _submit(uow, application_id)
    assert (again.resubmission, again.application.submissions) == (True, 2)
    assert uow.audit.records[-1].action is AuditAction.APPLICATION_RESUBMIT
    applications.start_review(uow, actor=OPERATOR, application_ref=ref, now=NOW)
    approved = applications.approve(uow, actor=OPERATOR, application_ref=ref, now=NOW)
    assert approved.status is ApplicationStatus.APPROVED


def test_review_is_for_the_agency_and_the_resident_sees_not_received_before_applying(
        ) -> None:
    uow = ApplicationsFakeUnit()
    application_id = _form(uow, _resident(uow))
    assert application_views.status_for_resident(
        uow, application_id=application_id, birth_date=BORN) == application_views.ResidentStatus(
        "not_received", form_valid=True)
    ref = _submit(uow, application_id).application.id
    with pytest.raises(PermissionDenied):
        applications.approve(uow, actor=CLERK, application_ref=ref, now=NOW)
