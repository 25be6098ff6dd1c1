"""The staff pages' session through the application: the cookie's flags (Secure behind
HTTPS), the idle timeout, the CSRF token on sign-in, and a sign-in failure that is
counted and audited as the API's."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from mynumbercard.adapters.db.tables import audit_log
from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Role
from mynumbercard.web.pages import csrf

from api_checks import PASSWORD, ApiClient
from conftest import FrozenClock


def _token(client: TestClient) -> str:
    page = client.get("/staff/sign-in")
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    assert found.group(1) == client.cookies.get(csrf.COOKIE)
    return found.group(1)


def _sign_in(client: TestClient, username: str, password: str = PASSWORD):
    return client.post("/staff/sign-in", data={
        "username": username, "password": password, "csrf_token": _token(client),
        "next": "/staff/residents"}, follow_redirects=False)


def test_the_session_cookie_is_the_staff_pages_own_and_secure_behind_https(
        api_client: ApiClient, container: Container):
    container.settings.public_base_url = "https://jpki.example"
    client = api_client(container, [("clerk-a", Role.CLERK, "13101")],
                        base_url="https://testserver")
    signed_in = _sign_in(client, "clerk-a")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/staff/residents"
    cookie = next(h for h in signed_in.headers.get_list("set-cookie")
                  if h.startswith("mnc_staff="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/staff"} <= flags
    # the page session is not an API token
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_session_left_idle_ends_and_one_in_use_goes_on(
        api_client: ApiClient, container: Container, clock: FrozenClock):
    client = api_client(container, [("op-a", Role.OPERATOR, None)])
    assert _sign_in(client, "op-a").status_code == 303
    idle = container.settings.token_lifetime
    for _ in range(3):  # used every idle - 1 minute: three idle spans later, still open
        clock.now += idle - timedelta(minutes=1)
        assert client.get("/staff", follow_redirects=False).status_code == 200
    clock.now += idle
    gone = client.get("/staff/review", follow_redirects=False)
    assert gone.status_code == 303
    assert gone.headers["location"] == "/staff/sign-in?next=%2Fstaff%2Freview"


def test_sign_in_needs_the_forms_token_and_failures_count_as_the_apis(
        api_client: ApiClient, container: Container):
    client = api_client(container, [("aud-a", Role.AUDITOR, None)])
    no_token = client.post("/staff/sign-in", data={"username": "aud-a", "password": PASSWORD})
    assert no_token.status_code == 403
    wrong = _sign_in(client, "aud-a", "not the password")
    assert wrong.status_code == 401
    assert "正しくありません" in wrong.text
    with container.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action).where(
            audit_log.c.actor == "aud-a")).scalars().all()
    assert actions == ["staff:fail-sign-in"]
