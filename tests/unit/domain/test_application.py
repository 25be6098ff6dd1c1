"""The application's state machine and the pick-up rules: pure, no fixtures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain.application import (
    ALLOWED_TRANSITIONS,
    RESIDENT_VIEW,
    Application,
    ApplicationKind,
    ApplicationStatus,
    ApplicationVoided,
    Channel,
    DeficiencyReason,
    VoidReason,
)
from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.errors import Conflict, InvalidInput, InvalidTransition
from mynumbercard.domain.pickup import (
    ACCEPTED_PROOFS,
    GROUP_A,
    IdDocument,
    IdentityNotEstablished,
    PickUpPolicy,
    Proof,
    ProxyPickUp,
    ProxyReason,
    ProxyRefused,
    application_kind,
    check_holder_in_person,
    check_proxy,
)

S = ApplicationStatus


def _application(status: ApplicationStatus = S.RECEIVED) -> Application:
    return Application(id=1, application_id="0" * 23, resident_id=1,
                       kind=ApplicationKind.FIRST, channel=Channel.PC,
                       received_on=date(2026, 11, 1), want_signature_certificate=True,
                       want_auth_certificate=True, photo_digest="a" * 64, status=status)


VERBS = {
    S.IN_REVIEW: lambda a: a.start_review(),
    S.APPROVED: lambda a: a.approve(),
    S.DEFICIENT: lambda a: a.mark_deficient(DeficiencyReason.PHOTO, "retake the photo"),
    S.IN_PRODUCTION: lambda a: a.enter_production(run_id=1, card_id=1),
    S.SHIPPED: lambda a: a.ship(shipment_id=1, office_code="13101"),
    S.READY_FOR_PICK_UP: lambda a: a.arrive(on=date(2026, 12, 1),
                                            pick_up_deadline=date(2027, 3, 1)),
    S.HANDED_OVER: lambda a: a.hand_over(by_proxy=False),
    S.VOIDED: lambda a: a.void(VoidReason.WITHDRAWN),
}


def test_every_status_has_a_row_and_a_resident_label() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(S) == set(RESIDENT_VIEW)
    assert ALLOWED_TRANSITIONS[S.HANDED_OVER] == ALLOWED_TRANSITIONS[S.VOIDED] == frozenset()


@given(st.sampled_from(list(S)), st.sampled_from(sorted(VERBS)))
def test_a_verb_succeeds_exactly_when_the_table_allows_it(start: ApplicationStatus,
                                                          target: ApplicationStatus) -> None:
    application = _application(start)
    if target in ALLOWED_TRANSITIONS[start]:
        VERBS[target](application)
        assert application.status is target
        (event,) = application.events
        assert (event.from_status, event.to_status) == (start, target)
    else:
        expected = ApplicationVoided if start is S.VOIDED else InvalidTransition
        with pytest.raises(expected):
            VERBS[target](application)
        assert application.status is start
        assert application.events == []


def test_a_re_application_keeps_the_id_and_counts_the_submission() -> None:
    application = _application(S.DEFICIENT)
    application.resubmit(channel=Channel.SMARTPHONE, received_on=date(2026, 11, 20),
                         photo_digest="b" * 64, photo_findings=[],
                         want_signature_certificate=False, want_auth_certificate=True)
    assert (application.status, application.submissions) == (S.RECEIVED, 2)
    assert application.received_on == date(2026, 11, 20)
    with pytest.raises(Conflict, match="not deficient"):
        application.resubmit(channel=Channel.PC, received_on=date(2026, 11, 21),
                             photo_digest="c" * 64, photo_findings=[],
                             want_signature_certificate=True, want_auth_certificate=True)


def test_a_deficiency_needs_a_message_for_the_applicant() -> None:
    with pytest.raises(InvalidInput):
        _application().mark_deficient(DeficiencyReason.SIGNATURE, "  ")


@pytest.mark.parametrize(("documents", "ok"), [
    ({IdDocument.DRIVERS_LICENCE}, True),
    ({IdDocument.HEALTH_INSURANCE_CARD, IdDocument.PENSION_BOOK}, True),
    ({IdDocument.HEALTH_INSURANCE_CARD}, False),
    (set(), False),
])
def test_the_holder_shows_one_photo_id_or_two_others(documents: set[IdDocument],
                                                     ok: bool) -> None:
    def check() -> None:
        check_holder_in_person(notice_presented=True, documents=documents,
                               birth_date=date(1990, 1, 1), on=date(2026, 11, 25),
                               legal_representative_present=False)
    if ok:
        check()
    else:
        with pytest.raises(IdentityNotEstablished):
            check()


def test_a_child_under_15_comes_with_the_legal_representative() -> None:
    args = {"notice_presented": True, "documents": {IdDocument.PASSPORT},
            "birth_date": date(2012, 6, 1), "on": date(2026, 11, 25)}
    with pytest.raises(IdentityNotEstablished, match="legal representative"):
        check_holder_in_person(legal_representative_present=False, **args)
    check_holder_in_person(legal_representative_present=True, **args)


PROXY = ProxyPickUp(reason=ProxyReason.DISABILITY,
                    proofs=frozenset({Proof.DISABILITY_CERTIFICATE}),
                    proxy_documents=frozenset({IdDocument.DRIVERS_LICENCE,
                                               IdDocument.HEALTH_INSURANCE_CARD}),
                    holder_documents=frozenset({IdDocument.HEALTH_INSURANCE_CARD,
                                                IdDocument.PENSION_BOOK}),
                    delegation_signed=True, sealed_pin_form_number="11112222")


@given(st.sampled_from(list(ProxyReason)), st.sets(st.sampled_from(list(Proof))))
def test_a_proxy_is_accepted_only_with_a_proof_that_fits_the_reason(
        reason: ProxyReason, proofs: set[Proof]) -> None:
    proxy = replace(PROXY, reason=reason, proofs=frozenset(proofs))
    if proofs & ACCEPTED_PROOFS[reason]:
        check_proxy(proxy, notice_presented=True, expected_pin_form="11112222")
    else:
        with pytest.raises(ProxyRefused):
            check_proxy(proxy, notice_presented=True, expected_pin_form="11112222")


def test_a_proxy_without_a_photo_id_or_the_holders_own_pin_form_is_refused() -> None:
    no_photo = replace(PROXY, proxy_documents=frozenset({IdDocument.HEALTH_INSURANCE_CARD,
                                                         IdDocument.PENSION_BOOK}))
    assert not no_photo.proxy_documents & GROUP_A
    with pytest.raises(ProxyRefused, match="photo"):
        check_proxy(no_photo, notice_presented=True, expected_pin_form="11112222")
    with pytest.raises(ProxyRefused, match="sealed PIN form"):
        check_proxy(PROXY, notice_presented=True, expected_pin_form="99998888")
    with pytest.raises(ProxyRefused, match="delegation"):
        check_proxy(replace(PROXY, delegation_signed=False), notice_presented=True,
                    expected_pin_form="11112222")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_the_deadline_comes_before_the_card_is_destroyed(arrived: date) -> None:
    policy = PickUpPolicy()
    deadline = policy.deadline(arrived)
    assert arrived < deadline < policy.destroy_on(arrived)
    assert not policy.reminder_due(deadline=deadline, today=deadline)


@pytest.mark.parametrize(("cards", "today", "kind"), [
    ([], date(2026, 11, 25), ApplicationKind.FIRST),
    ([(CardStatus.RETURNED, date(2030, 1, 1))], date(2026, 11, 25), ApplicationKind.FIRST),
    ([(CardStatus.LOST, date(2030, 1, 1))], date(2026, 11, 25), ApplicationKind.REISSUE),
    ([(CardStatus.ACTIVE, date(2027, 1, 20))], date(2026, 10, 20), ApplicationKind.RENEWAL),
    ([(CardStatus.ACTIVE, date(2026, 1, 20))], date(2026, 11, 25), ApplicationKind.RENEWAL),
])
def test_first_renewal_or_reissue(cards: list[tuple[CardStatus, date]], today: date,
                                  kind: ApplicationKind) -> None:
    assert application_kind(cards, today=today) is kind


def test_a_valid_card_before_its_renewal_window_is_refused() -> None:
    with pytest.raises(Conflict, match="renewal opens on 2026-10-20"):
        application_kind([(CardStatus.ACTIVE, date(2027, 1, 20))], today=date(2026, 10, 19))
    with pytest.raises(Conflict, match="already produced"):
        application_kind([(CardStatus.PRODUCED, date(2036, 1, 20))], today=date(2026, 10, 19))
