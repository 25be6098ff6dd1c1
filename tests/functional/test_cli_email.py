"""`email send` and `email status`: the queue to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from mynumbercard import bootstrap
from mynumbercard.cli.main import app
from mynumbercard.domain.application import Channel
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import applications as apps
from mynumbercard.services import register
from mynumbercard.services.application_ports import FormReason, PhotoVerdict

from cli_checks import ok, runner, sign_in_admin
from smtp_server import smtp_server

ADMIN = Actor("test", Role.ADMIN)


class Accepting:
    def inspect(self, data: bytes) -> PhotoVerdict:
        return PhotoVerdict(True, ())


@pytest.fixture
def wired(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for key, value in {"MYNUMBERCARD_HOME": str(tmp_path / "home"),
                       "MYNUMBERCARD_DATABASE_URL": database_url,
                       "MYNUMBERCARD_ALLOW_SET_CLOCK": "1"}.items():
        monkeypatch.setenv(key, value)
    sign_in_admin()
    with bootstrap.container() as container:
        yield container


def _queue_one(wired: bootstrap.Container) -> None:
    now = wired.clock()
    person = register.register_resident(
        wired.uow, actor=ADMIN, now=now, family_name="高橋", given_name="健",
        family_name_kana="タカハシ", given_name_kana="ケン", birth_date=date(1980, 1, 2),
        sex=Sex.MALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(1980, 1, 2))
    form = apps.issue_form(wired.uow, actor=ADMIN, resident_id=person.id or 0,
                           reason=FormReason.FIRST, now=now)
    apps.submit(wired.uow, wired.photos, Accepting(), actor=apps.online_applicant(Channel.PC),
                channel=Channel.PC, application_id=form.application_id,
                birth_date=person.birth_date, photo=b"\xff\xd8", email="ken@example.jp",
                now=now)


def test_send_without_a_server_set_says_what_to_set(wired: bootstrap.Container) -> None:
    result = runner.invoke(app, ["email", "send"])
    assert result.exit_code != 0
    assert "MYNUMBERCARD_SMTP_HOST" in result.output


def test_send_then_status(wired: bootstrap.Container, monkeypatch: pytest.MonkeyPatch) -> None:
    _queue_one(wired)
    assert json.loads(ok("email", "status"))["queued"] == 1
    with smtp_server() as (port, inbox):
        monkeypatch.setenv("MYNUMBERCARD_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("MYNUMBERCARD_SMTP_PORT", str(port))
        shown = json.loads(ok("email", "send"))
    assert shown["sent"] == 1
    assert shown["queued"] == 0
    assert [m["To"] for m in inbox.received] == ["ken@example.jp"]
