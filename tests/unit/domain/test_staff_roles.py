"""Roles and permissions."""

from __future__ import annotations

import pytest

from mynumbercard.domain.errors import InvalidInput, NotFound, PermissionDenied
from mynumbercard.domain.staff import (
    Actor,
    Permission,
    Role,
    validate_new_password,
    validate_username,
)


@pytest.mark.parametrize(("role", "allowed"), [
    (Role.CLERK, {Permission.RESIDENT_READ, Permission.RESIDENT_WRITE,
                  Permission.CERTIFICATE_ISSUE, Permission.APPLICATION_READ,
                  Permission.APPLICATION_FORM, Permission.CARD_RECEIVE,
                  Permission.CARD_HAND_OVER, Permission.APPLICATION_VOID,
                  Permission.CARD_LOSS, Permission.CARD_FOUND,
                  Permission.APPOINTMENT_DESK}),
    (Role.OPERATOR, {Permission.RESIDENT_READ, Permission.CERTIFICATE_REVOKE,
                     Permission.APPLICATION_INTAKE, Permission.APPLICATION_READ,
                     Permission.APPLICATION_REVIEW, Permission.APPLICATION_FORM,
                     Permission.PRODUCTION, Permission.APPLICATION_VOID,
                     Permission.MAIL_READ, Permission.CARD_LOSS,
                     Permission.POINTS_SETTLEMENT, Permission.KIOSK_SETTLEMENT}),
    (Role.AUDITOR, {Permission.RESIDENT_READ, Permission.AUDIT_READ,
                    Permission.APPLICATION_READ, Permission.MAIL_READ}),
    (Role.ADMIN, set(Permission)),
    (Role.BOOTH, {Permission.APPLICATION_BOOTH}),
    (Role.RESIDENT, set()),
])
def test_each_role_has_exactly_its_permissions(role: Role, allowed: set[Permission]) -> None:
    actor = Actor("someone", role, "13101" if role is Role.CLERK else None)
    assert {p for p in Permission if actor.may(p)} == allowed
    for permission in set(Permission) - allowed:
        with pytest.raises(PermissionDenied):
            actor.require(permission)


def test_a_clerk_is_bound_to_one_municipality_and_others_are_not() -> None:
    clerk = Actor("c", Role.CLERK, "13101")
    assert clerk.may(Permission.RESIDENT_WRITE, municipality_code="13101")
    with pytest.raises(PermissionDenied, match="own municipality"):
        clerk.require(Permission.RESIDENT_WRITE, municipality_code="13103")
    assert Actor("a", Role.AUDITOR).may(Permission.RESIDENT_READ, municipality_code="13103")


@pytest.mark.parametrize("username", ["ab", "x" * 65, "名前", "a b", "a/b"])
def test_bad_usernames(username: str) -> None:
    with pytest.raises(InvalidInput):
        validate_username(username)


def test_short_passwords_are_refused_without_repeating_them() -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_new_password("hunter2")
    assert "hunter2" not in str(refused.value)
    validate_new_password("twelve chars")


def test_a_subject_another_municipality_holds_is_reported_as_not_there() -> None:
    clerk = Actor("c", Role.CLERK, "13101")
    clerk.require_visible(Permission.RESIDENT_READ, municipality_code="13101", hidden="no x 1")
    with pytest.raises(NotFound, match="no x 1"):
        clerk.require_visible(Permission.RESIDENT_READ, municipality_code="01101",
                              hidden="no x 1")
    with pytest.raises(PermissionDenied):  # a role without the permission: 403, not 404
        Actor("b", Role.BOOTH).require_visible(Permission.RESIDENT_READ,
                                               municipality_code="13101", hidden="no x 1")
