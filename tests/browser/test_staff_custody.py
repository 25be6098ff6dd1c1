"""A card taken into custody and followed until it is back, as a clerk (issue 16 point 2):
the page asks the clerk's counter terminal, which takes the card into its reader; the
custody page shows where the card is and sends the next step (here: give it back before
renewal) to the terminal again; another municipality's clerk is refused. The terminal's
side is played through the services the API runs (the reader test,
tests/functional/test_reader_custody_tasks.py, runs the real one, renewal included)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from mynumbercard.domain.card import CardStatus, NewCard
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import counter_tasks, custody_tasks
from mynumbercard.services.pki_ports import CardTerminal

from browser_checks import Site, check_page, sign_in


def _card_in_use(site: Site, resident_id: int) -> str:
    """An active card without certificates yet: nothing holds its renewal back."""
    number = uuid.uuid4().hex[:16].upper()
    today = site.container.clock().date()
    with site.container.uow() as uow:
        uow.cards.add(NewCard(card_number=number, resident_id=resident_id,
                              issued_on=date(2026, 11, 1), expires_on=today + timedelta(days=60),
                              status=CardStatus.ACTIVE, applied_on=date(2026, 10, 1)),
                      now=site.container.clock())
        uow.commit()
    return number


def _no_chip(number: str) -> CardTerminal:
    raise AssertionError(f"taking card {number} in or giving it back touches no chip")


def _terminal(site: Site, clerk: Actor, number: str) -> None:
    """What `mynumbercard terminal next` does with the card in the reader."""
    now = site.container.clock()
    task = counter_tasks.take_next(site.container.uow, actor=clerk, now=now)
    assert task is not None
    assert task.card_number == number
    custody_tasks.run_step(site.container.uow, site.container.ca, actor=clerk,
                           task_id=task.id, card_in_reader=number, now=now,
                           terminal=_no_chip)
    counter_tasks.finish(site.container.uow, actor=clerk, task_id=task.id, ok=True,
                         outcome=f"card {number}: done at the terminal", now=now)


def test_a_clerk_takes_a_card_into_custody_and_gives_it_back_through_the_terminal(
        page: Page, site: Site):
    holder = site.resident("13101")
    number = _card_in_use(site, holder.id or 0)
    member = site.staff(Role.CLERK, "13101")
    clerk = Actor(member.username, Role.CLERK, "13101")
    sign_in(page, member)
    page.goto(f"/staff/cards/{number}/custody")
    expect(page.get_by_role("heading", level=1)).to_have_text("カードを預かる")
    expect(page.locator("input[type=file]")).to_have_count(0)  # the card goes in the reader
    check_page(page, "custody-leave")
    page.get_by_role("button", name="端末でカードを預かる").click()
    expect(page.locator("#documents-error")).to_be_visible()
    check_page(page, "custody-leave-errors")
    page.locator("fieldset#documents").get_by_label("旅券（パスポート）").check()
    page.get_by_role("button", name="端末でカードを預かる").click()
    expect(page.get_by_role("status")).to_contain_text("窓口端末を待っています")
    expect(page.get_by_role("heading", level=1)).to_contain_text("カードの預かり")
    check_page(page, "custody-task-waiting")

    _terminal(site, clerk, number)
    page.get_by_role("link", name="もう一度確認").click()
    expect(page.get_by_role("status")).to_contain_text("完了しました。")
    with site.container.uow() as uow:
        card = uow.cards.find_by_number(number)
        assert card is not None
        held = uow.custody.open_for_card(card.id or 0)
        assert held is not None
    page.goto(f"/staff/custody/{held.id}")
    expect(page.get_by_text("窓口で預かり中").first).to_be_visible()
    expect(page.get_by_text("カードは窓口端末のカードリーダーにあります")).to_be_visible()
    check_page(page, "custody-held")
    page.get_by_role("button", name="端末で返却する").click()
    expect(page.locator("#reason-error")).to_be_visible()
    check_page(page, "custody-give-back-errors")
    page.get_by_label("理由").fill("本人が急ぎで必要")
    page.get_by_role("button", name="端末で返却する").click()
    expect(page.get_by_role("status")).to_contain_text("窓口端末を待っています")
    _terminal(site, clerk, number)
    page.get_by_role("link", name="預かり中のカード").click()
    expect(page.get_by_text("返却済み").first).to_be_visible()
    check_page(page, "custody-given-back")
    actions = [action for action, _ in site.audited(member.username)]
    assert {"counter-task:create", "custody:leave", "custody:cancel"} <= set(actions)


def test_a_clerk_of_another_municipality_is_refused_custody(page: Page, site: Site):
    holder = site.resident("13101")
    number = _card_in_use(site, holder.id or 0)
    sign_in(page, site.staff(Role.CLERK, "13102"))
    answer = page.goto(f"/staff/cards/{number}/custody")
    assert answer is not None
    assert answer.status == 404
    check_page(page, "custody-refused")
