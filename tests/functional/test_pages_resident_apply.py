"""/apply through the application: the form from the QR code, the photo check's findings
at once, a hard defect refused and nothing stored, a soft one warned and submitted, the
receipt; bad input (wrong ID or birth date alike, an expired form, not an image, 50 MB, a
decompression bomb) gets a page that says what is wrong, never a 500."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mynumbercard.adapters.db.tables import applications, email_outbox
from mynumbercard.bootstrap import Container
from mynumbercard.domain.resident import Resident, Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import applications as apps
from mynumbercard.services import cards, register
from mynumbercard.services.application_ports import FormReason

import resident_photos
from api_checks import ApiClient

CLERK = Actor("clerk-chiyoda", Role.CLERK, "13101")
BORN = date(1990, 6, 1)
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def _resident(container: Container) -> Resident:
    return register.register_resident(
        container.uow, actor=CLERK, now=container.clock(), family_name="山田",
        given_name="花子", family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=BORN,
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=BORN)


def _form(container: Container, resident: Resident) -> str:
    return apps.issue_form(container.uow, actor=CLERK, resident_id=resident.id or 0,
                           reason=FormReason.FIRST, now=container.clock()).application_id


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _post(client: TestClient, application_id: str, photo: bytes, *, born: str = "1990-06-01",
          email: str = "hanako@example.jp", lang: str = "ja") -> object:
    shown = client.get("/apply", params={"lang": lang})
    return client.post("/apply", data={"csrf_token": _token(shown.text),
                                       "application_id": application_id, "birth_date": born,
                                       "email": email, "via": "typed"},
                       files={"photo": ("photo.jpg", photo, "image/jpeg")})


def _stored(container: Container) -> tuple[int, list[Path]]:
    with container.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(applications)).scalar_one()
    home = container.settings.home
    files = [p for d in (home / "photos", home / "pending-photos") if d.exists()
             for p in d.rglob("*") if p.is_file()]
    return count, files


@pytest.fixture
def client(api_client: ApiClient, container: Container) -> TestClient:
    return api_client(container)


def test_from_the_qr_code_to_the_receipt(client: TestClient, container: Container) -> None:
    number = _form(container, _resident(container))
    shown = client.get("/apply", params={"application_id": number})
    assert shown.status_code == 200
    assert '<html lang="ja">' in shown.text
    printed = f"{number[:4]}-{number[4:8]}"
    assert printed in shown.text  # the ID from the QR code, as printed
    assert 'accept="image/*" capture="user"' in shown.text
    typed = "-".join(number[i:i + 4] for i in range(0, 23, 4)).translate(FULL_WIDTH)
    checked = _post(client, typed, resident_photos.good(), born="平成2年6月1日")
    assert checked.status_code == 200, checked.text
    assert "写真は確認できました" in checked.text or "passed" in checked.text
    token = re.search(r'name="token" value="([^"]+)"', checked.text)
    assert token is not None
    assert _stored(container)[0] == 0  # nothing submitted before the confirmation
    done = client.post("/apply/confirm", data={
        "csrf_token": _token(checked.text), "application_id": typed,
        "birth_date": "1990-06-01", "email": "hanako@example.jp", "via": "qr",
        "token": token.group(1), "signature": "yes"})
    assert done.status_code == 200, done.text
    assert "受け付けました" in done.text
    count, files = _stored(container)
    assert count == 1
    assert not [f for f in files if "pending-photos" in str(f)]  # the waiting photo gone
    with container.engine.connect() as conn:
        assert conn.execute(select(applications.c.channel)).scalar_one() == "smartphone"
        assert conn.execute(select(email_outbox.c.recipient)).scalar_one() == (
            "hanako@example.jp")


def test_a_soft_defect_warns_and_can_be_submitted(client: TestClient,
                                                  container: Container) -> None:
    number = _form(container, _resident(container))
    checked = _post(client, number, resident_photos.off_centre(), lang="en")
    assert checked.status_code == 200
    assert "Worth fixing" in checked.text
    assert "Keep your face in the middle of the photo." in checked.text
    assert 'src="data:image/jpeg;base64,' in checked.text  # the problem drawn on it
    token = re.search(r'name="token" value="([^"]+)"', checked.text)
    assert token is not None
    done = client.post("/apply/confirm", data={
        "csrf_token": _token(checked.text), "application_id": number,
        "birth_date": "1990-06-01", "email": "", "via": "typed", "token": token.group(1)})
    assert done.status_code == 200
    assert "Application received" in done.text
    assert "off centre" in done.text.lower() or "middle" in done.text


@pytest.mark.parametrize(("photo", "says"), [
    (resident_photos.no_face, "Face the camera"),
    (resident_photos.not_an_image, "JPEG or PNG"),
    (resident_photos.fifty_megabytes, "too large"),
    (resident_photos.bomb, "too large"),
])
def test_a_hard_defect_or_a_bad_file_is_refused_and_nothing_stored(
        client: TestClient, container: Container, photo: object, says: str) -> None:
    number = _form(container, _resident(container))
    refused = _post(client, number, photo(), lang="en")  # type: ignore[operator]
    assert refused.status_code == 422
    assert "This photo cannot be used" in refused.text
    assert says in refused.text
    assert "Must be fixed" in refused.text
    assert 'name="token"' not in refused.text
    assert _stored(container) == (0, [])


def test_a_wrong_birth_date_and_an_unknown_id_get_the_same_page(
        client: TestClient, container: Container) -> None:
    number = _form(container, _resident(container))
    wrong_birth = _post(client, number, resident_photos.good(), born="1990-06-02", lang="en")
    other = apps.issue_form(container.uow, actor=CLERK,
                            resident_id=_resident(container).id or 0,
                            reason=FormReason.FIRST, now=container.clock()).application_id
    unknown = number[:-1] + str((int(number[-1]) + 1) % 10)
    unknown_id = _post(client, other if False else unknown, resident_photos.good(),
                       lang="en")
    assert wrong_birth.status_code == 404
    shown = [re.sub(r'value="[^"]*"', "", page.text) for page in (wrong_birth, unknown_id)]
    if unknown_id.status_code == 404:
        assert shown[0] == shown[1]
    else:  # the check digit refused it before any look-up
        assert unknown_id.status_code == 422
    assert "no application form matches" in wrong_birth.text
    assert _stored(container) == (0, [])


def test_a_typo_in_the_form_is_shown_beside_the_field(client: TestClient,
                                                      container: Container) -> None:
    refused = _post(client, "1234", b"", born="yesterday", email="nowhere", lang="en")
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text
    for field in ("application_id-error", "birth_date-error", "email-error", "photo-error"):
        assert f'id="{field}"' in refused.text


def test_an_expired_form_says_what_to_do(client: TestClient, container: Container) -> None:
    resident = _resident(container)
    old = _form(container, resident)
    _form(container, resident)  # a newer form: the old one is dead
    refused = _post(client, old, resident_photos.good(), lang="en")
    assert refused.status_code == 409
    assert "no longer valid" in refused.text
    assert "ask your municipality" in refused.text
    assert _stored(container) == (0, [])


def test_a_photo_that_waited_too_long(client: TestClient, container: Container) -> None:
    number = _form(container, _resident(container))
    shown = client.get("/apply")
    refused = client.post("/apply/confirm", data={
        "csrf_token": _token(shown.text), "application_id": number,
        "birth_date": "1990-06-01", "email": "", "via": "typed", "token": "x" * 43})
    assert refused.status_code == 410
    assert _stored(container)[0] == 0


def test_over_64_mb_is_refused_as_a_page_before_it_is_read(client: TestClient) -> None:
    refused = client.post("/apply", content=b"x" * 10,
                          headers={"content-length": str(65 * 1024 * 1024),
                                   "content-type": "multipart/form-data; boundary=x"})
    assert refused.status_code == 413
    assert refused.headers["content-type"].startswith("text/html")
    assert "7MB" in refused.text


def test_guessing_is_limited_per_application_id(client: TestClient,
                                                container: Container) -> None:
    number = _form(container, _resident(container))
    answers = [_post(client, number, b"x", born=f"1990-01-{d:02d}").status_code
               for d in range(1, 13)]
    assert answers[:10] == [404] * 10
    assert answers[10:] == [429, 429]


def test_a_renewal_from_the_validity_notice_is_free(client: TestClient,
                                                    container: Container) -> None:
    resident = _resident(container)
    cards.register_card(container.uow, actor=CLERK, resident_id=resident.id or 0,
                        card_number="RENEW0000001", applied_on=date(2016, 10, 1),
                        issued_on=date(2016, 11, 1), now=container.clock())
    number = apps.issue_form(container.uow, actor=CLERK, resident_id=resident.id or 0,
                             reason=FormReason.RENEWAL, now=container.clock()).application_id
    checked = _post(client, number, resident_photos.good(), lang="en")
    assert checked.status_code == 200, checked.text
    assert "Renewal" in checked.text
    assert "A renewal is free of charge." in checked.text
