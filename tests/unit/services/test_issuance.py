"""Production, shipping and receipt on in-memory fakes (tests/application_fakes.py); the
SKIP LOCKED claim and the SQL are tested in integration/test_applications.py."""

from __future__ import annotations

from datetime import date

import pytest

from application_fakes import ApplicationsFakeUnit, FakeVault
from mynumbercard.domain.application import ApplicationStatus
from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.errors import Conflict, NotFound, PermissionDenied
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import applications, issuance
from mynumbercard.services.audit_actions import AuditAction
from unit.services.test_applications import (
    CLERK,
    NOW,
    OPERATOR,
    OTHER_CLERK,
    _form,
    _resident,
    _submit,
)


def _approved(uow: ApplicationsFakeUnit) -> int:
    ref = _submit(uow, _form(uow, _resident(uow))).application.id
    applications.start_review(uow, actor=OPERATOR, application_ref=ref, now=NOW)
    applications.approve(uow, actor=OPERATOR, application_ref=ref, now=NOW)
    return ref


def test_a_run_makes_a_card_per_approved_application_and_ships_it_to_the_office() -> None:
    uow, vault = ApplicationsFakeUnit(), FakeVault()
    ref = _approved(uow)
    run = issuance.run_production(uow, vault, actor=OPERATOR, now=NOW)
    (made,) = run.made
    application = uow.applications.get(ref)
    card = uow.cards.get(application.card_id or 0)
    assert (application.status, card.status, card.card_number) == (
        ApplicationStatus.IN_PRODUCTION, CardStatus.PRODUCED, made.card_number)
    assert vault.holds(card.card_number)
    assert vault.cards[card.card_number]["name"] == "山田 花子"
    shipped = issuance.ship(uow, actor=OPERATOR, now=NOW)
    assert (shipped.cards, list(shipped.shipments.values())) == (1, ["13101"])
    assert uow.applications.get(ref).status is ApplicationStatus.SHIPPED
    assert [r.action for r in uow.audit.records[-2:]] == [AuditAction.PRODUCTION_RUN,
                                                          AuditAction.PRODUCTION_SHIP]


def test_the_office_receives_its_shipment_once_and_another_office_is_told_nothing() -> None:
    uow = ApplicationsFakeUnit()
    ref = _approved(uow)
    issuance.run_production(uow, FakeVault(), actor=OPERATOR, now=NOW)
    (shipment_id,) = issuance.ship(uow, actor=OPERATOR, now=NOW).shipments
    with pytest.raises(NotFound, match=f"no shipment {shipment_id}"):
        issuance.receive_shipment(uow, actor=OTHER_CLERK, shipment_id=shipment_id, now=NOW)
    assert issuance.receive_shipment(uow, actor=CLERK, shipment_id=shipment_id, now=NOW) == 1
    waiting = uow.applications.get(ref)
    assert waiting.status is ApplicationStatus.READY_FOR_PICK_UP
    assert waiting.arrived_on == date(2026, 11, 25)
    with pytest.raises(Conflict):
        issuance.receive_shipment(uow, actor=CLERK, shipment_id=shipment_id, now=NOW)


def test_a_run_that_fails_leaves_no_card_in_the_vault_and_production_is_the_agencys(
        ) -> None:
    uow = ApplicationsFakeUnit()
    _approved(uow)
    vault = FakeVault(fail_after=0)
    with pytest.raises(OSError, match="jammed"):
        issuance.run_production(uow, vault, actor=OPERATOR, now=NOW)
    assert vault.cards == {}
    with pytest.raises(PermissionDenied):
        issuance.run_production(uow, FakeVault(), actor=CLERK, now=NOW)
    with pytest.raises(PermissionDenied):
        issuance.ship(uow, actor=Actor("booth", Role.BOOTH), now=NOW)
