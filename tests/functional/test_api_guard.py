"""The API's guard through the ASGI app: rate limits (429 + Retry-After), the lock and
TOTP over HTTP, sign-out, bounded bodies (413) and the security headers."""

from __future__ import annotations

import random

import pyotp
import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain import application_id
from mynumbercard.domain.sign_in import LOCK_FOR
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import staff as staff_service
from mynumbercard.web.app import create_app
from mynumbercard.web.bounds import JSON_BODY, PHOTO_BODY

from api_checks import PASSWORD, ApiClient, bearer

SETUP = Actor("setup", Role.ADMIN)


@pytest.fixture
def client(container: Container, api_client: ApiClient) -> TestClient:
    # "boss" is an administrator without a second factor yet (add_accounts would enrol one)
    staff_service.add_staff(container.uow, container.hasher, actor=SETUP, username="boss",
                            password=PASSWORD, role=Role.ADMIN, municipality_code=None,
                            now=container.clock())
    return api_client(container, [("auditor", Role.AUDITOR, None)])


def _sign_in(client: TestClient, username: str, password: str = PASSWORD, **extra: str):
    return client.post("/api/v1/auth/token",
                       json={"username": username, "password": password, **extra})


def _refused(response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.json()["message"]


def test_sign_in_is_limited_per_username_with_429_and_retry_after(client: TestClient):
    for _ in range(10):
        _refused(_sign_in(client, "nobody"), 401, "authentication_failed")
    limited = _sign_in(client, "nobody")
    _refused(limited, 429, "too_many_requests")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert _sign_in(client, "auditor").status_code == 200  # another name: its own budget


def test_sign_in_is_limited_per_client_whatever_the_names(client: TestClient):
    answers = [_sign_in(client, f"guess-{n}").status_code for n in range(31)]
    assert answers == [401] * 30 + [429]


def test_the_public_status_is_limited_per_application_id_however_written(client: TestClient):
    digits = application_id.generate(random.Random(7))
    forms = [digits, application_id.printed_form(digits), " ".join(
        application_id.printed_form(digits).split("-"))]
    answers = [client.post("/api/v1/applications/status",
                           json={"application_id": forms[n % 3], "birth_date": "1990-01-01"})
               for n in range(11)]
    assert {a.status_code for a in answers[:10]} != {429}
    _refused(answers[10], 429, "too_many_requests")
    assert int(answers[10].headers["Retry-After"]) > 60  # an hour's window
    other = application_id.generate(random.Random(8))
    assert client.post("/api/v1/applications/status", json={
        "application_id": other, "birth_date": "1990-01-01"}).status_code != 429
    for _ in range(80):  # health checks are never limited
        assert client.get("/healthz").status_code == 200


def test_a_locked_account_answers_like_a_wrong_password_and_the_lock_is_audited(
        client: TestClient, container: Container):
    wrong = [_sign_in(client, "auditor", "not the password").json() for _ in range(5)]
    locked = _sign_in(client, "auditor")
    assert locked.status_code == 401
    assert locked.json() == wrong[0]
    with container.uow() as uow:
        actions = [r.action for _, r in uow.audit.list(subject=None, limit=20, before_id=None)]
    assert actions.count("staff:fail-sign-in") == 6
    assert actions.count("staff:lock") == 1
    container.clock.now += LOCK_FOR  # type: ignore[attr-defined] - the tests' FrozenClock
    assert _sign_in(client, "auditor").status_code == 200


def test_an_admin_needs_totp_over_http_and_a_code_is_good_once(client: TestClient,
                                                               container: Container):
    refused = _sign_in(client, "boss")
    _refused(refused, 401, "authentication_failed")
    assert "totp-enrol" in refused.json()["message"]
    uri = staff_service.enrol_totp(container.uow, container.one_time_codes, actor=SETUP,
                                   username="boss", now=container.clock())
    code = pyotp.TOTP(pyotp.parse_uri(uri).secret).at(container.clock())
    assert _sign_in(client, "boss").status_code == 401
    signed_in = _sign_in(client, "boss", totp=code)
    assert signed_in.status_code == 200, signed_in.text
    assert _sign_in(client, "boss", totp=code).status_code == 401  # replayed


def test_sign_out_ends_a_live_session_only(client: TestClient, container: Container):
    signed_in = bearer(client, "auditor")
    assert client.post("/api/v1/auth/sign-out", headers=signed_in).status_code == 204
    _refused(client.post("/api/v1/auth/sign-out", headers=signed_in), 401,
             "authentication_failed")
    _refused(client.post("/api/v1/auth/sign-out", headers={"Authorization": "Bearer x"}),
             401, "authentication_failed")
    with container.uow() as uow:
        last = uow.audit.list(subject=None, limit=1, before_id=None)[0][1]
    assert (last.action, last.actor) == ("staff:sign-out", "auditor")


def test_bodies_over_their_route_bound_are_refused_before_they_are_read(client: TestClient):
    big = b"x" * (JSON_BODY + 1)
    _refused(client.post("/api/v1/auth/token", content=big,
                         headers={"Content-Type": "application/json"}), 413, "body_too_large")
    chunked = (b"x" * 1024 for _ in range(JSON_BODY // 1024 + 1))  # no Content-Length
    _refused(client.post("/api/v1/auth/token", content=chunked,
                         headers={"Content-Type": "application/json"}), 413, "body_too_large")
    photo = client.post("/api/v1/applications/photo-check", content=b"x" * (PHOTO_BODY + 1),
                        headers={"Content-Type": "application/json"})
    _refused(photo, 413, "body_too_large")
    # Under its bound a photo route reads the body (and finds it is no JSON).
    fits = client.post("/api/v1/applications/photo-check", content=b"x" * (JSON_BODY * 4),
                       headers={"Content-Type": "application/json"})
    assert fits.status_code == 422


def test_no_route_takes_a_card_file_any_more(client: TestClient):
    """The holder's card goes through the counter terminal's reader: the routes that once
    took its card file are bounded as any other JSON route."""
    for route in ("cards/000000000001/hand-over", "cards/000000000001/certificates/renew",
                  "cards/000000000001/custody", "custody/1/returned", "corrections/1/correct"):
        _refused(client.post(f"/api/v1/{route}", content=b"x" * (JSON_BODY + 1),
                             headers={"Content-Type": "application/json"}),
                 413, "body_too_large")


def test_security_headers_on_every_answer_and_no_store_where_personal_data_can_be(
        client: TestClient):
    for response in (client.get("/healthz"), client.get("/api/v1/auth/me"),
                     client.get("/api/v1/rules/expiry", params={
                         "birth_date": "1990-01-01", "applied_on": "2026-01-01",
                         "issued_on": "2026-02-01"}),
                     client.get("/api/v1/nothing-here")):
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; frame-ancestors 'none'")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in response.headers
    assert client.get("/api/v1/auth/me").headers["cache-control"] == "no-store"
    assert _sign_in(client, "auditor").headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get("/api/v1/rules/expiry", params={
        "birth_date": "1990-01-01", "applied_on": "2026-01-01",
        "issued_on": "2026-02-01"}).headers
    docs = client.get("/docs")
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
    assert "https:" not in docs.headers["content-security-policy"]  # nothing from a CDN
    assert "/static/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert client.get("/static/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_hsts_behind_https(container: Container):
    container.settings.public_base_url = "https://jpki.example"
    with TestClient(create_app(container)) as client:
        assert client.get("/healthz").headers["strict-transport-security"].startswith(
            "max-age=")


def test_a_member_enrols_their_own_second_factor_with_password_and_current_code(
        client: TestClient, container: Container):
    signed_in = bearer(client, "auditor")
    _refused(client.post("/api/v1/auth/totp", json={"password": "not the password"},
                         headers=signed_in), 401, "authentication_failed")
    enrolled = client.post("/api/v1/auth/totp", json={"password": PASSWORD}, headers=signed_in)
    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.headers["cache-control"] == "no-store"
    totp = pyotp.parse_uri(enrolled.json()["otpauth_uri"])
    assert _sign_in(client, "auditor").status_code == 401  # a code is needed now
    # Replacing the secret needs the current code too: a stolen session is not enough.
    _refused(client.post("/api/v1/auth/totp", json={"password": PASSWORD}, headers=signed_in),
             401, "authentication_failed")
    code = totp.at(container.clock())
    assert client.post("/api/v1/auth/totp", json={"password": PASSWORD, "totp": code},
                       headers=signed_in).status_code == 200
    with container.uow() as uow:
        records = [r for _, r in uow.audit.list(subject=None, limit=50, before_id=None)]
    assert [r.action for r in records].count("staff:enrol-totp") == 2
    assert totp.secret not in repr(records)
