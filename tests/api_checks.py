"""Staff accounts for API tests and their sign-in: an administrator signs in with a
second factor. The test client itself is the `api_client` fixture (functional/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import pyotp
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import staff as staff_service

ADMIN_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the tests' administrators' TOTP secret
PASSWORD = "correct horse battery"  # the API tests' staff accounts' password
SETUP = Actor("setup", Role.ADMIN)

Account = tuple[str, Role, str | None]  # username, role, municipality (a clerk's)


class ApiClient(Protocol):
    """The `api_client` fixture: a test client on `container`'s API, `accounts` added."""

    def __call__(self, container: Container, accounts: Iterable[Account] = (),
                 **options: Any) -> TestClient: ...


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


def add_accounts(container: Container, accounts: Iterable[Account],
                 password: str = PASSWORD) -> None:
    for username, role, municipality in accounts:
        add_account(container, username, password, role, municipality)


def bearer(client: TestClient, username: str, password: str = PASSWORD, *,
           totp: str | None = None) -> dict[str, str]:
    """Sign in over the API (it must succeed); the headers that carry the session. The
    session cookie is cleared: each test states its credentials explicitly."""
    second = {"totp": totp} if totp is not None else {}
    answer = client.post("/api/v1/auth/token",
                         json={"username": username, "password": password, **second})
    assert answer.status_code == 200, answer.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}
