"""Offices for the browser tests (tests/browser/test_offices_*.py): one open whenever the
test runs, with two weeks of waits seen (mornings crowded), and a card holder to book."""

from __future__ import annotations

from datetime import date, timedelta

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.crowding import HourSeen
from mynumbercard.domain.offices import Office, parse_rules
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards, register
from mynumbercard.services import offices as office_service

from browser_checks import Site

SETUP = Actor("browser-setup", Role.ADMIN)
ALL_DAY = "00:00-23:30"  # open whenever the test runs


def office_with_history(site: Site, code: str) -> None:
    """An office open every day with a week of waits seen: mornings crowded."""
    wired = site.container
    now = wired.clock()
    with wired.uow() as uow:
        known = uow.offices.get(code) is not None
    if known:
        return
    office_service.load_offices(wired.uow, wired.holidays, actor=SETUP, now=now, offices=[
        Office(code=code, name="千代田区役所", postal_code="1028688",
               address="東京都千代田区九段南1-2-1", phone="03-3264-2111", counters=2,
               rules=parse_rules(dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat",
                                                "sun"), ALL_DAY)))])
    today = now.astimezone(JST).date()
    with wired.uow() as uow:
        for back in range(1, 15):
            for hour in range(24):
                wait = 3000 if hour in (10, 11) else 240
                uow.hours_seen.add(code, HourSeen(today - timedelta(days=back), hour, 3, 3,
                                                  3 * wait))
        uow.commit()


def holder(site: Site, card_number: str) -> None:
    wired = site.container
    person = register.register_resident(
        wired.uow, actor=SETUP, now=wired.clock(), family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=date(1990, 6, 1),
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(1990, 6, 1))
    cards.register_card(wired.uow, actor=SETUP, resident_id=person.id or 0,
                        card_number=card_number, applied_on=date(2025, 3, 1),
                        issued_on=date(2025, 3, 1), now=wired.clock())
