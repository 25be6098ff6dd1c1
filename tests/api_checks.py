"""Staff accounts for API tests: an administrator signs in with a second factor."""

from __future__ import annotations

import pyotp

from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import staff as staff_service

ADMIN_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the tests' administrators' TOTP secret
SETUP = Actor("setup", Role.ADMIN)


def add_account(container: Container, username: str, password: str, role: Role,
                municipality_code: str | None = None) -> None:
    """A staff account; an administrator is enrolled with ADMIN_TOTP, as they must be."""
    staff_service.add_staff(container.uow, container.hasher, actor=SETUP, username=username,
                            password=password, role=role, municipality_code=municipality_code,
                            now=container.clock())
    if role is Role.ADMIN:
        staff_service.enrol_totp(container.uow, container.one_time_codes, actor=SETUP,
                                 username=username, now=container.clock(), secret=ADMIN_TOTP)


def admin_code(container: Container) -> str:
    """The administrators' one-time code now (good once: one sign-in per clock step)."""
    return pyotp.TOTP(ADMIN_TOTP).at(container.clock())
