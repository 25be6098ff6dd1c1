"""services/visibility.py: authorise before the look-up; another municipality's subject
is answered exactly as an unknown one."""

from __future__ import annotations

import pytest

from mynumbercard.domain.errors import NotFound, PermissionDenied
from mynumbercard.domain.staff import Actor, Permission, Role
from mynumbercard.services.visibility import visible

CHIYODA = Actor("clerk-chiyoda", Role.CLERK, "13101")
HIDDEN = "no shipment 7"


def _unknown() -> str:
    raise NotFound("row 7 missing (an adapter's own words)")


def test_the_role_is_checked_before_anything_is_looked_up():
    looked: list[bool] = []
    with pytest.raises(PermissionDenied):
        visible(Actor("auditor", Role.AUDITOR), Permission.CARD_RECEIVE, hidden=HIDDEN,
                look_up=lambda: looked.append(True), municipalities=lambda _: ("13101",))
    assert looked == []


def test_another_municipalitys_subject_gets_the_unknown_subjects_answer():
    with pytest.raises(NotFound) as unknown:
        visible(CHIYODA, Permission.CARD_RECEIVE, hidden=HIDDEN, look_up=_unknown,
                municipalities=lambda _: ("13101",))
    with pytest.raises(NotFound) as elsewhere:
        visible(CHIYODA, Permission.CARD_RECEIVE, hidden=HIDDEN, look_up=lambda: "shipment",
                municipalities=lambda _: ("13104",))
    assert str(unknown.value) == str(elsewhere.value) == HIDDEN


def test_one_of_the_subjects_municipalities_is_enough():
    found = visible(CHIYODA, Permission.CARD_RECEIVE, hidden=HIDDEN, look_up=lambda: "it",
                    municipalities=lambda _: ("13104", "13101"))
    assert found == "it"
