"""An administrator configures an office in a browser: adds it (errors beside the fields,
nothing saved), then closes a day that has a booking and sees the booking it displaced;
audited under the administrator's name, axe-clean throughout. A clerk is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

from playwright.sync_api import Page, expect

from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.staff import Role
from mynumbercard.services import appointments, offices
from office_checks import holder

from browser_checks import Site, check_page, sign_in


def _book_an_open_day(site: Site, code: str, card: str) -> tuple[str, str]:
    """A booking at 10:00 on the first coming day the office is open: (day, reference)."""
    wired = site.container
    holder(site, card)
    day = wired.clock().astimezone(JST).date() + timedelta(days=1)
    while not offices.office_hours(wired.uow, wired.holidays, code=code, on=day).windows:
        day += timedelta(days=1)
    booked = appointments.book(wired.uow, wired.holidays, office_code=code,
                               purpose=Purpose.PICK_UP, application_id=None,
                               card_number=card, birth_date=day.replace(1990, 6, 1),
                               on=day, at=time(10, 0), email=None, now=wired.clock())
    return day.isoformat(), booked.reference


def test_an_administrator_adds_an_office_and_closes_a_day(page: Page, site: Site,
                                                          viewport: str):
    admin = site.staff(Role.ADMIN)
    code = "13101-81" if viewport == "desktop" else "13101-82"  # the run shares the site
    sign_in(page, admin)
    page.get_by_role("navigation", name="メニュー").get_by_role(
        "link", name="窓口と開庁時間").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("窓口と開庁時間")
    check_page(page, "list")

    page.get_by_role("link", name="窓口を追加").click()
    page.get_by_label("窓口コード").fill(code)
    page.get_by_label("窓口の名称").fill("千代田区役所 麹町出張所")
    page.get_by_label("郵便番号").fill("１０２－００８３")  # full-width, with a hyphen
    page.get_by_label("所在地").fill("東京都千代田区麹町2-8")
    page.get_by_label("電話").fill("0332642111")  # no hyphens: refused
    for day in ("月曜日", "火曜日", "水曜日", "金曜日", "土曜日", "日曜日"):
        page.get_by_label(day).fill("00:00-23:30")
    page.get_by_label("木曜日").fill("08:30-12:00 11:00-19:00")  # overlapping
    page.get_by_role("button", name="窓口を保存").click()
    expect(page.locator("#phone-error")).to_have_text(
        "電話番号は 03-3264-2111 の形で入力してください")
    expect(page.locator("#thu-error")).to_contain_text("重ならないように")
    expect(page.get_by_label("木曜日")).to_have_attribute("aria-invalid", "true")
    check_page(page, "errors")
    with site.container.uow() as uow:
        assert uow.offices.get(code) is None  # nothing half-saved

    page.get_by_label("電話").fill("03-3264-2111")
    page.get_by_label("木曜日").fill("08:30-12:00 13:00-19:00")  # an extended evening
    page.get_by_label("第n曜日の開庁").fill("sun@2,4 09:00-12:00")
    page.get_by_label("カード預かりを提案する待ち時間（分）").fill("45")
    page.get_by_role("button", name="窓口を保存").click()
    expect(page.get_by_role("status")).to_contain_text("窓口を追加しました")
    check_page(page, "added")
    with site.container.uow() as uow:
        saved = uow.offices.get(code)
    assert saved is not None
    assert saved.postal_code == "1020083"
    assert saved.handoff_wait_minutes == 45
    assert any(r.weeks == frozenset({2, 4}) for r in saved.rules)

    on, reference = _book_an_open_day(site, code, f"CARD-OFFICE-{viewport.upper()}")
    page.goto(f"/staff/offices/{code}")
    page.get_by_label("日", exact=True).fill(on)
    page.get_by_label("その日の開庁時間").fill("")  # closed all day
    page.get_by_label("備考").fill("庁舎点検")
    page.get_by_role("button", name="この日を設定").click()
    expect(page.get_by_role("status")).to_contain_text("終日閉庁")
    expect(page.get_by_role("status")).to_contain_text("取り消された予約：1件")
    expect(page.get_by_role("cell", name=reference)).to_be_visible()
    check_page(page, "closed-day")
    hours = offices.office_hours(site.container.uow, site.container.holidays, code=code,
                                 on=date.fromisoformat(on))
    assert hours.windows == ()
    assert hours.closed_reason is not None

    page.get_by_label("日", exact=True).fill(on)
    page.get_by_role("button", name="曜日ごとの開庁時間に戻す").click()
    expect(page.get_by_role("status")).to_contain_text("開庁 00:00-23:30")

    page.get_by_role("button", name="窓口を保存").click()  # the form as shown: a round trip
    expect(page.get_by_role("status")).to_contain_text("窓口を保存しました")
    with site.container.uow() as uow:
        again = uow.offices.get(code)
    assert again is not None
    assert replace(again, version=saved.version) == saved  # nothing changed but its version
    page.get_by_role("link", name="窓口と開庁時間", exact=True).last.click()
    page.get_by_label("市区町村コード").fill("１３１０１")
    page.get_by_role("button", name="表示").click()
    expect(page.get_by_role("link", name=code)).to_be_visible()

    actions = [action for action, _ in site.audited(admin.username)]
    assert "office:configure" in actions
    assert "office:set-day" in actions


def test_a_clerk_is_refused_the_offices_pages(page: Page, site: Site):
    sign_in(page, site.staff(Role.CLERK, "13101"))
    expect(page.get_by_role("navigation", name="メニュー").get_by_role(
        "link", name="窓口と開庁時間")).to_have_count(0)
    response = page.goto("/staff/offices")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("navigation", name="メニュー")).to_be_visible()  # the frame
    check_page(page, "refused")
