"""A clerk corrects a card found by the wrong-validity audit: from the resident page's open
cases to the case's page (what the correction does), sent to the clerk's counter terminal
(no field for anything but "the card is here"), a terminal serves it and the task's page
says how it ended, in Japanese (and in English); a clerk of another municipality is
refused. The terminal here is the real task runner (adapters/counter_tasks_runner.py)
over the served API; the case needs no new certificate, so no chip is touched (the reader
path with new certificates: tests/functional/test_reader_correction_task.py)."""

from __future__ import annotations

import contextlib
import json
import re
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

from playwright.sync_api import Page, expect

from mynumbercard.adapters import counter_tasks_runner
from mynumbercard.adapters.server_client import ServerClient
from mynumbercard.domain.card import CardStatus, NewCard
from mynumbercard.domain.correction import NewCorrectionCase
from mynumbercard.domain.staff import Role

from browser_checks import Member, Site, check_page, sign_in

WRONG, RIGHT = date(2037, 6, 1), date(2036, 6, 1)


def _case(site: Site, municipality_code: str = "13101") -> tuple[int, int, str]:
    """A resident's card whose expiry the audit found a year too long, with its case
    (no certificate on it: the correction sets the date only). The resident, the case
    and the card's number."""
    holder = site.resident(municipality_code)
    number = uuid.uuid4().hex[:16].upper()
    with site.container.uow() as uow:
        card = uow.cards.add(NewCard(card_number=number, resident_id=holder.id,
                                     issued_on=date(2026, 6, 1), expires_on=WRONG,
                                     status=CardStatus.ACTIVE, applied_on=date(2026, 5, 1)),
                             now=site.container.clock())
        (case,) = uow.validity_checks.open_cases([NewCorrectionCase(
            card.id or 0, holder.id, municipality_code, WRONG, RIGHT, "one_year_too_long")],
            now=datetime.now(UTC))
        uow.commit()
    return holder.id, case.id, number


class _CardInReader:
    """The card as the terminal's reader shows it: its number (a correction that
    re-issues no certificate sends nothing to the chip)."""

    def __init__(self, card_id: str) -> None:
        self.card_id = card_id


def _terminal_serves(site: Site, member: Member, card_number: str) -> tuple[bool, str]:
    """`mynumbercard terminal next`, signed in as `member`, with the card in the reader."""
    request = urllib.request.Request(
        f"{site.url}/api/v1/auth/token", method="POST",
        data=json.dumps({"username": member.username, "password": member.password}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        token = json.loads(answer.read())["access_token"]
    client = ServerClient(site.url, token)
    task = client.next_task()
    assert task is not None
    assert (task["kind"], task["card_number"]) == ("correct", card_number)

    @contextlib.contextmanager
    def reader() -> Iterator[_CardInReader]:
        yield _CardInReader(card_number)

    return counter_tasks_runner.run_and_report(
        client, reader, task, ask_pins=lambda kinds: {}, ask_new_pin=lambda kind: "")


def test_a_clerk_corrects_a_card_through_the_terminal(page: Page, site: Site):
    resident_id, case_id, number = _case(site)
    clerk = site.staff(Role.CLERK, "13101")
    sign_in(page, clerk)
    page.goto(f"/staff/residents/{resident_id}")
    expect(page.get_by_role("heading", name="対応中の有効期限訂正")).to_be_visible()
    check_page(page, "resident-corrections")

    page.get_by_role("link", name=f"窓口で訂正する: {case_id}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("有効期限の訂正")
    expect(page.get_by_role("main")).to_contain_text("台帳の日付だけを訂正します")
    expect(page.locator("input[type=password]")).to_have_count(0)  # never a PIN here
    check_page(page, "correction")
    page.get_by_role("button", name="窓口端末へ送る").click()
    expect(page.locator("#card_here-error")).to_contain_text("持参を確認してください")
    check_page(page, "correction-errors")
    page.get_by_label("本人がカードを持参した").check()
    page.get_by_role("button", name="窓口端末へ送る").click()
    expect(page.get_by_role("status")).to_contain_text("窓口端末を待っています")
    expect(page.get_by_role("link", name=str(case_id), exact=True)).to_be_visible()
    check_page(page, "task-waiting")

    done, message = _terminal_serves(site, clerk, number)
    assert done, message
    page.get_by_role("link", name="もう一度確認").click()
    expect(page.get_by_role("status")).to_contain_text("完了しました。")
    expect(page.get_by_role("status")).to_contain_text("台帳の有効期限を訂正しました")
    check_page(page, "task-done")
    task_url = page.url
    page.goto(f"{task_url}?lang=en")
    expect(page.get_by_role("status")).to_contain_text(
        "The card's validity is corrected in the register")
    page.goto(f"{task_url}?lang=ja")

    page.get_by_role("link", name="住民の画面へ戻る").click()
    expect(page.get_by_role("link", name=f"窓口で訂正する: {case_id}")).to_have_count(0)
    page.goto(f"/staff/corrections/{case_id}")
    expect(page.get_by_role("status")).to_contain_text("この事案は終了しています")
    expect(page.get_by_role("button", name="窓口端末へ送る")).to_have_count(0)
    check_page(page, "correction-closed")
    actions = [action for action, _ in site.audited(clerk.username)]
    assert {"counter-task:create", "counter-task:finish", "validity:correct"} <= set(actions)


def test_a_clerk_of_another_municipality_and_a_bad_case_are_refused(page: Page, site: Site):
    _, case_id, _ = _case(site)
    sign_in(page, site.staff(Role.CLERK, "01101"))
    for url, status in ((f"/staff/corrections/{case_id}", 404),
                        ("/staff/corrections/999999999", 404),
                        ("/staff/corrections/not-a-case", 422)):
        answer = page.goto(url)
        assert answer is not None
        assert answer.status == status, url
    page.goto(f"/staff/corrections/{case_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(".+"))
    check_page(page, "refused")
