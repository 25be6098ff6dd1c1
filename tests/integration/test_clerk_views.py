"""What a clerk reads of the agency's lists: their own municipality's correction cases and
audit rows only; the mail queue not at all; a booth posts only through its channel.
On SQLite and PostgreSQL (the case list's query filters by municipality)."""

from __future__ import annotations

from datetime import date

import pytest

from mynumbercard.bootstrap import Container
from mynumbercard.domain.application import Channel
from mynumbercard.domain.correction import NewCorrectionCase
from mynumbercard.domain.errors import PermissionDenied
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Permission, Role
from mynumbercard.services import applications as apps
from mynumbercard.services import cards, register, validity_check
from mynumbercard.services.validity_check_ports import Finding

ADMIN = Actor("admin", Role.ADMIN)
CHIYODA = Actor("clerk-chiyoda", Role.CLERK, "13101")


def _card_in(wired: Container, municipality: str, number: str) -> tuple[int, int]:
    now = wired.clock()
    resident = register.register_resident(
        wired.uow, actor=ADMIN, now=now, family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=date(1990, 6, 1),
        sex=Sex.FEMALE, municipality_code=municipality, postal_code="1000001",
        address="1番1号", registered_on=date(1990, 6, 1))
    card = cards.register_card(wired.uow, actor=ADMIN, resident_id=resident.id or 0,
                               card_number=number, applied_on=date(2026, 11, 1),
                               issued_on=date(2026, 11, 20), now=now)
    return card.id or 0, resident.id or 0


def test_a_clerk_reads_only_their_own_municipalitys_cases_and_audit_rows(
        container: Container) -> None:
    now = container.clock()
    own, other = _card_in(container, "13101", "CARD-A"), _card_in(container, "01101", "CARD-B")
    with container.uow() as uow:
        uow.validity_checks.open_cases([
            NewCorrectionCase(card, resident, code, date(2036, 1, 1), date(2035, 1, 1), "x")
            for (card, resident), code in ((own, "13101"), (other, "01101"))], now=now)
        uow.validity_checks.add_findings("run", [
            Finding("card", card, card, code, date(2036, 1, 1), date(2035, 1, 1), "x")
            for (card, _), code in ((own, "13101"), (other, "01101"))], now=now)
        uow.commit()
    seen = validity_check.list_cases(container.uow, actor=CHIYODA, status=None)
    assert [c.municipality_code for c in seen] == ["13101"]
    assert len(validity_check.list_cases(container.uow, actor=ADMIN, status=None)) == 2
    report = validity_check.report(container.uow, actor=CHIYODA, run_key="run")
    assert [m.code for m in report.by_municipality] == ["13101"]
    assert report.findings == 1
    assert validity_check.report(container.uow, actor=ADMIN, run_key="run").findings == 2


def test_the_mail_queue_is_the_agencys_and_a_booth_posts_only_as_a_booth(
        container: Container) -> None:
    assert not CHIYODA.may(Permission.MAIL_READ)
    assert Actor("auditor", Role.AUDITOR).may(Permission.MAIL_READ)
    booth = Actor("booth-1", Role.BOOTH)
    with pytest.raises(PermissionDenied):
        apps.submit(container.uow, container.photos, container.photo_inspector, actor=booth,
                    channel=Channel.MAIL, application_id="0" * 23,
                    birth_date=date(1990, 1, 1), photo=b"x", now=container.clock())
