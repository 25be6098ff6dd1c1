"""The day's appointments as a clerk: the office's bookings of a day (typed in wareki),
the marks in order (arrived, started, ended), each page checked with axe."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.card import CardStatus, NewCard
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.era import format_era
from mynumbercard.domain.staff import Role
from mynumbercard.services import appointments
from office_checks import office_with_history

from browser_checks import Site, check_page, sign_in

CODE = "13104"  # Shinjuku: an office of this journey's own


def _booking(site: Site) -> tuple[str, date]:
    """A holder of Shinjuku with a card, booked on the office's first free slot."""
    office_with_history(site, CODE)
    born = date(1990, 6, 1)
    holder = site.resident(CODE, birth_date=born, registered_on=born)
    number = uuid.uuid4().hex[:16].upper()
    with site.container.uow() as uow:
        uow.cards.add(NewCard(card_number=number, resident_id=holder.id or 0,
                              issued_on=date(2026, 11, 1), expires_on=date(2036, 6, 1),
                              status=CardStatus.ACTIVE), now=site.container.clock())
        uow.commit()
    now = site.container.clock()
    free = appointments.availability(site.container.uow, site.container.holidays,
                                     office_code=CODE, start=now.astimezone(JST).date()
                                     + timedelta(days=1), days=7, now=now)
    slot = next(s for d in free.days for s in d.slots if s.free)
    local = slot.starts_at.astimezone(JST)
    booked = appointments.book(site.container.uow, site.container.holidays, office_code=CODE,
                               purpose=Purpose.PIN_UNLOCK, application_id=None,
                               card_number=number, birth_date=born, on=local.date(),
                               at=local.time(), email=None, now=now)
    return booked.reference, local.date()


def test_a_clerk_marks_the_days_bookings(page: Page, site: Site):
    reference, day = _booking(site)
    sign_in(page, site.staff(Role.CLERK, CODE))
    page.get_by_role("navigation", name="メニュー").get_by_role("link", name="本日の予約").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("本日の予約")
    check_page(page, "desk-today")
    page.get_by_label("日", exact=True).fill(format_era(day))
    page.get_by_role("button", name="表示").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("予約済み")
    check_page(page, "desk-day")
    for button, status in (("来庁", "来庁"), ("対応開始", "対応中"), ("対応終了", "対応済み")):
        page.get_by_role("row").filter(has_text=reference).get_by_role(
            "button", name=button).click()
        expect(page.get_by_role("row").filter(has_text=reference)).to_contain_text(status)
    check_page(page, "desk-done")
