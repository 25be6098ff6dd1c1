"""The e-mail notices of an online application, queued with their events and sent to a
real SMTP server (aiosmtpd): delivered, retried while the server is away, refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mynumbercard.adapters.db.tables import audit_log, email_outbox
from mynumbercard.bootstrap import Container
from mynumbercard.domain.application import Channel, DeficiencyReason
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.photo import PhotoFinding
from mynumbercard.domain.resident import Resident, Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import applications as apps
from mynumbercard.services import email, issuance, register
from mynumbercard.services.application_ports import FormReason, PhotoVerdict

from conftest import FrozenClock
from smtp_server import Inbox, free_port, smtp_server

CHIYODA = Actor("clerk-chiyoda", Role.CLERK, "13101")
OPERATOR = Actor("operator", Role.OPERATOR)
BASE = "https://card.example.jp"


class AcceptingInspector:
    def inspect(self, data: bytes) -> PhotoVerdict:
        return PhotoVerdict(True, tuple[PhotoFinding, ...]())


def _resident(wired: Container) -> Resident:
    return register.register_resident(
        wired.uow, actor=CHIYODA, now=wired.clock(), family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=date(1990, 6, 1),
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(1990, 6, 1))


def _apply(wired: Container, resident: Resident, email_address: str | None,
           application_id: str | None = None) -> apps.Submitted:
    if application_id is None:
        application_id = apps.issue_form(wired.uow, actor=CHIYODA,
                                         resident_id=resident.id or 0,
                                         reason=FormReason.FIRST,
                                         now=wired.clock()).application_id
    return apps.submit(wired.uow, wired.photos, AcceptingInspector(),
                       actor=apps.online_applicant(Channel.SMARTPHONE),
                       channel=Channel.SMARTPHONE, application_id=application_id,
                       birth_date=resident.birth_date, photo=b"\xff\xd8 photo",
                       email=email_address, now=wired.clock())


def _with_server(wired: Container, port: int) -> Container:
    return replace(wired, settings=wired.settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_timeout": 3.0,
        "mail_from": "card@city.example.jp"}))


def _send(wired: Container) -> email.Sent:
    return email.send(wired.uow, wired.email_transport(), actor=OPERATOR, now=wired.clock(),
                      base_url=BASE)


def _rows(wired: Container) -> list[dict[str, object]]:
    with wired.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(email_outbox).order_by(email_outbox.c.id))]


def test_received_and_deficient_notices_reach_the_server(container: Container,
                                                         clock: FrozenClock) -> None:
    resident = _resident(container)
    with smtp_server() as (port, inbox):
        wired = _with_server(container, port)
        submitted = _apply(wired, resident, "hanako@example.jp")
        assert _send(wired) == email.Sent(sent=1, retry=0, rejected=0)
        apps.mark_deficient(wired.uow, actor=OPERATOR,
                            application_ref=submitted.application.id,
                            reason=DeficiencyReason.PHOTO, message="背景に物が写っています",
                            now=wired.clock())
        assert _send(wired).sent == 1
        assert _send(wired).sent == 0  # nothing twice
    received, deficient = inbox.received
    assert received["To"] == "hanako@example.jp"
    assert received["From"] == "card@city.example.jp"
    assert "受け付けました" in received["Subject"]
    text = received.get_content()
    tail = submitted.application.application_id[-4:]
    assert f"****-{tail}" in text
    assert submitted.application.application_id not in text  # never the whole ID
    assert f"{BASE}/status" in text
    assert "{site}" not in text
    assert "J-LIS" in text  # the scam warning
    body = deficient.get_content()
    assert "顔写真が基準に合っていません" in body
    assert "背景に物が写っています" in body
    assert "The ID photo does not meet the standard." in body
    assert f"{BASE}/apply" in body
    assert {r["status"] for r in _rows(wired)} == {"sent"}
    with wired.engine.connect() as conn:
        assert conn.execute(select(audit_log.c.action)
                            .where(audit_log.c.action == "email:send")).first() is not None


def test_no_address_no_email(container: Container) -> None:
    _apply(container, _resident(container), None)
    assert _rows(container) == []


def test_a_bad_address_is_refused_and_nothing_is_stored(container: Container) -> None:
    resident = _resident(container)
    with pytest.raises(InvalidInput, match="e-mail"):
        _apply(container, resident, "not an address")
    with container.engine.connect() as conn:
        assert conn.execute(select(email_outbox)).first() is None


def test_server_down_then_up_nothing_is_lost(container: Container,
                                             clock: FrozenClock) -> None:
    port = free_port()  # nothing listens there yet
    wired = _with_server(container, port)
    _apply(wired, _resident(wired), "hanako@example.jp")
    assert _send(wired) == email.Sent(sent=0, retry=1, rejected=0)
    [row] = _rows(wired)
    assert row["status"] == "queued"
    assert row["attempts"] == 1
    assert "cannot reach the mail server" in str(row["last_error"])
    clock.now += timedelta(seconds=30)  # before the backoff's minute: not tried
    assert _send(wired) == email.Sent(0, 0, 0)
    clock.now += timedelta(seconds=31)
    assert _send(wired).retry == 1  # still down: the wait doubles
    assert _rows(wired)[0]["attempts"] == 2
    with smtp_server(port) as (_, inbox):
        clock.now += timedelta(minutes=1)
        assert _send(wired) == email.Sent(0, 0, 0)  # two minutes not yet over
        clock.now += timedelta(minutes=1, seconds=1)
        assert _send(wired) == email.Sent(sent=1, retry=0, rejected=0)
    assert len(inbox.received) == 1
    assert _rows(wired)[0]["status"] == "sent"


def test_a_recipient_refused_for_good_is_rejected_not_retried(
        container: Container, clock: FrozenClock) -> None:
    with smtp_server(inbox=Inbox(refuse={"gone@example.jp"})) as (port, inbox):
        wired = _with_server(container, port)
        _apply(wired, _resident(wired), "gone@example.jp")
        assert _send(wired) == email.Sent(sent=0, retry=0, rejected=1)
        clock.now += timedelta(hours=2)
        assert _send(wired) == email.Sent(0, 0, 0)
    [row] = _rows(wired)
    assert row["status"] == "rejected"
    assert "550" in str(row["last_error"])
    assert inbox.received == []


def test_ready_for_pick_up_notice(pki_container: Container, clock: FrozenClock) -> None:
    wired = pki_container
    submitted = _apply(wired, _resident(wired), "hanako@example.jp")
    ref = submitted.application.id
    apps.approve(wired.uow, actor=OPERATOR, application_ref=ref, now=wired.clock())
    issuance.run_production(wired.uow, wired.vault, actor=OPERATOR, now=wired.clock())
    shipped = issuance.ship(wired.uow, actor=OPERATOR, now=wired.clock())
    clock.now += timedelta(days=3)
    for shipment_id in shipped.shipments:
        issuance.receive_shipment(wired.uow, actor=Actor("admin", Role.ADMIN),
                                  shipment_id=shipment_id, now=wired.clock())
    with smtp_server() as (port, inbox):
        assert _send(_with_server(wired, port)).sent == 2  # received, then ready
    ready = inbox.received[1]
    assert "受け取れます" in ready["Subject"]
    text = ready.get_content()
    assert "東京都千代田区" in text
    assert f"{BASE}/appointments?office=13101" in text


def test_backoff_doubles_to_an_hour() -> None:
    assert [email.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 7, 8, 50)] == [
        1, 2, 4, 60, 60, 60]
