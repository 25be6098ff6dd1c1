"""The operators' console's pages through the application: production runs and overdue
shipments, the outgoing mail (suspend and resume, audited as the API's), a job's chunk
states and its resumption by the server, the wrong-validity report, revocations and
holds, the CA; each refused to the roles the console is not for, bad input given back."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from console_checks import held_certificate, produced_and_shipped
from mynumbercard.adapters.db.tables import audit_log, job_chunks
from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Role
from mynumbercard.services import validity_check

from api_checks import PASSWORD, ApiClient
from conftest import FrozenClock

PAGES = ["/staff/production", "/staff/mail", "/staff/validity", "/staff/certificates",
         "/staff/ca", "/staff/jobs"]


def _token(client: TestClient, url: str = "/staff/sign-in") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert found is not None
    return found.group(1)


def _signed_in(api_client: ApiClient, wired: Container, role: Role = Role.OPERATOR,
               municipality: str | None = None) -> TestClient:
    name = f"console-{role.value}"
    client = api_client(wired, [(name, role, municipality)])
    answer = client.post("/staff/sign-in", data={
        "username": name, "password": PASSWORD, "csrf_token": _token(client),
        "next": "/staff"}, follow_redirects=False)
    assert answer.status_code == 303
    return client


def _actions(wired: Container, action: str) -> list[tuple[str, str, object]]:
    with wired.engine.connect() as conn:
        return [(r.actor, r.subject, r.details) for r in conn.execute(
            select(audit_log).where(audit_log.c.action == action))]


def _wait_until_finished(wired: Container, job: str, key: str) -> None:
    """The server's thread works the run: wait for its chunks (and its thread) to end."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with wired.uow() as uow:
            done, total = uow.jobs.progress(job, key)
        if done == total and not any(t.name.startswith(f"resume-{job}-")
                                     for t in threading.enumerate()):
            return
        time.sleep(0.1)
    pytest.fail("the resumed run did not finish")


@pytest.mark.parametrize(("role", "municipality"), [(Role.AUDITOR, None),
                                                    (Role.CLERK, "13101")])
def test_the_console_is_refused_to_the_roles_it_is_not_for(
        api_client: ApiClient, pki_container: Container, role: Role, municipality: str | None):
    client = _signed_in(api_client, pki_container, role, municipality)
    menu = client.get("/staff").text
    for url in PAGES:
        assert f'href="{url}"' not in menu
        assert client.get(url).status_code == 403, url
    assert client.get("/staff/production/1").status_code == 403
    refused = client.post("/staff/mail/suspend", data={
        "reason": "no", "csrf_token": _token(client, "/staff")})
    assert refused.status_code == 403
    assert _actions(pki_container, "mail:suspend") == []


def test_an_operator_sees_the_runs_what_they_made_and_the_shipments_overdue(
        api_client: ApiClient, pki_container: Container, clock: FrozenClock):
    clock.now -= timedelta(days=4, hours=5)
    shipped = produced_and_shipped(pki_container)
    clock.now += timedelta(days=4, hours=5)
    client = _signed_in(api_client, pki_container)
    menu = client.get("/staff").text
    for url in PAGES:
        assert f'href="{url}"' in menu
    listed = client.get("/staff/production")
    assert listed.status_code == 200
    assert f'href="/staff/production/{shipped.run_id}"' in listed.text
    assert "1日5時間" in listed.text  # a day and five hours past the three days expected
    detail = client.get(f"/staff/production/{shipped.run_id}")
    assert detail.status_code == 200
    assert shipped.card_number in detail.text
    assert f'href="/staff/residents/{shipped.resident_id}"' in detail.text
    assert "東京都千代田区" in detail.text  # the shipment's office
    assert client.get("/staff/production/999999").status_code == 404
    assert client.get("/staff/production/0").status_code == 422
    assert client.get("/staff/production?before=abc").status_code == 422


def test_an_operator_suspends_and_resumes_the_mail_with_a_reason(
        api_client: ApiClient, pki_container: Container):
    client = _signed_in(api_client, pki_container)
    page = client.get("/staff/mail?lang=en")
    assert page.status_code == 200
    assert "Mailing is running." in page.text
    token = _token(client, "/staff/mail")
    empty = client.post("/staff/mail/suspend", data={"reason": "  ", "csrf_token": token})
    assert empty.status_code == 422
    assert 'id="reason-error"' in empty.text
    bad = client.post("/staff/mail/suspend", data={"reason": "a\u202eb", "csrf_token": token})
    assert bad.status_code == 422
    assert client.post("/staff/mail/suspend", data={"reason": "x"}).status_code == 403  # no token
    assert _actions(pki_container, "mail:suspend") == []

    done = client.post("/staff/mail/suspend", data={"reason": "緊急事態宣言",
                                                    "csrf_token": token},
                       follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/staff/mail?done=suspended")
    assert "緊急事態宣言" in client.get("/staff/mail").text
    assert _actions(pki_container, "mail:suspend") == [
        ("console-operator", "mail:control", {"reason": "緊急事態宣言"})]
    again = client.post("/staff/mail/suspend", data={"reason": "again", "csrf_token": token})
    assert again.status_code == 409
    assert "mailing is suspended already" in again.text  # the page in English (?lang=en)

    resumed = client.post("/staff/mail/resume", data={"csrf_token": token},
                          follow_redirects=False)
    assert resumed.status_code == 303
    assert _actions(pki_container, "mail:resume") == [("console-operator", "mail:control",
                                                       None)]
    assert client.post("/staff/mail/resume", data={"csrf_token": token}).status_code == 409


def test_a_failed_chunk_shows_its_error_and_the_server_resumes_the_run(
        api_client: ApiClient, pki_container: Container):
    job, key = validity_check.JOB, "console-run"
    with pki_container.engine.begin() as conn:
        conn.execute(job_chunks.insert().values(job=job, run_key=key, lo=1, hi=1000))
        conn.execute(job_chunks.insert().values(
            job=job, run_key=key, lo=1001, hi=2000, started_at=pki_container.clock(),
            failed_at=pki_container.clock(),
            error="Conflict: the certificate was changed meanwhile"))
    client = _signed_in(api_client, pki_container)
    listed = client.get("/staff/jobs")
    assert "1 件失敗" in listed.text
    run = client.get(f"/staff/jobs/{job}/{key}")
    assert "失敗" in run.text
    assert "Conflict: the certificate was changed meanwhile" in run.text
    token = _token(client, f"/staff/jobs/{job}/{key}")

    resumed = client.post(f"/staff/jobs/{job}/{key}/resume", data={"csrf_token": token},
                          follow_redirects=False)
    assert resumed.status_code == 303
    _wait_until_finished(pki_container, job, key)
    after = client.get(f"/staff/jobs/{job}/{key}")
    assert "2 区画中 2 区画完了" in after.text
    assert "Conflict: the certificate was changed meanwhile" in after.text  # kept
    assert _actions(pki_container, "job:resume") == [
        ("console-operator", f"job:{job}:{key}", {"chunks_left": 2})]

    finished = client.post(f"/staff/jobs/{job}/{key}/resume", data={"csrf_token": token})
    assert finished.status_code == 409
    assert client.post(f"/staff/jobs/{job}/no-such-run/resume",
                       data={"csrf_token": token}).status_code == 404
    assert client.post("/staff/jobs/bad%20job/x/resume",
                       data={"csrf_token": token}).status_code == 422


def test_a_job_that_needs_its_command_line_is_not_resumed_here(
        api_client: ApiClient, pki_container: Container):
    with pki_container.engine.begin() as conn:
        conn.execute(job_chunks.insert(), [{"job": "validity-notices", "run_key": "2026-11-25",
                                            "lo": 1, "hi": 10}])
    client = _signed_in(api_client, pki_container)
    url = "/staff/jobs/validity-notices/2026-11-25"
    assert "コマンド" in client.get(url).text
    refused = client.post(f"{url}/resume", data={"csrf_token": _token(client, url)})
    assert refused.status_code == 409
    assert _actions(pki_container, "job:resume") == []


def test_the_validity_report_revocations_and_the_ca(
        api_client: ApiClient, pki_container: Container, clock: FrozenClock):
    clock.now = datetime(2026, 11, 25, 16, tzinfo=UTC)  # 26 November, 01:00 in Japan
    shipped = produced_and_shipped(pki_container)
    held_certificate(pki_container, shipped.card_number)
    client = _signed_in(api_client, pki_container)
    assert "期限を過ぎた発送はありません" in client.get("/staff/production").text  # shipped now
    report = client.get("/staff/validity")
    assert report.status_code == 200
    assert "点検はまだ実行されていません" in report.text
    assert client.get("/staff/validity?status=lost").status_code == 422
    assert client.get("/staff/validity?run=%3Cscript%3E").status_code == 422

    changes = client.get("/staff/certificates")
    assert changes.status_code == 200
    assert shipped.card_number in changes.text
    assert "console-call-centre" in changes.text
    assert shipped.card_number not in client.get("/staff/certificates?change=revoked").text
    # the day in Japan: a change at 01:00 JST (the day before in UTC) is on it
    assert shipped.card_number in client.get("/staff/certificates?since=2026-11-26").text
    assert shipped.card_number not in client.get("/staff/certificates?since=R8.11.27").text
    assert client.get("/staff/certificates?change=teleported").status_code == 422
    assert client.get("/staff/certificates?since=2026-13-45").status_code == 422

    ca = client.get("/staff/ca?lang=en")
    assert ca.status_code == 200
    assert "OCSP signer (signature)" in ca.text
    assert "No CRL published yet" in ca.text
    assert "PRIVATE KEY" not in ca.text
