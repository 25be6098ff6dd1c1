"""The holder's My Number Points page: the page shows a one-use code, the holder's card
program (`mynumbercard points sign-in CODE --card FILE --pin-stdin --url …`, a real
process against the served site) signs it with the card, and the page then shows the
payment services to choose from with the card program (the page itself chooses nothing:
a code someone else showed must not bind the holder's points), then the choice made with
`points enrol` (its enrolment ID only by its end) and the points granted."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

from playwright.sync_api import Page, expect

from mynumbercard.bootstrap import Container
from mynumbercard.cli.card import issue_demo_card
from mynumbercard.config import Settings
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.points import Campaign, ReportKind
from mynumbercard.domain.relying_party import PartyKind, sign_request
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import points, relying_parties
from mynumbercard.services.relying_parties import SignedRequest

from browser_checks import Site, check_page
from conftest import CA_PASSPHRASE

SETUP = Actor("setup", Role.ADMIN)
REPORTS = "/api/v1/points/reports"


def _holder(site: Site, ca_template: Path, card: Path) -> Container:
    """A card of a new person from the site's CA (a copy of the tests' CA, put in place
    the first time), and a container that may use the CA."""
    if not (site.home / "ca").exists():
        shutil.copytree(ca_template, site.home / "ca")
    wired = Container(settings=Settings(  # type: ignore[call-arg]
        home=site.home, public_base_url=site.url, ca_passphrase=CA_PASSPHRASE,
        crl_shards=4), engine=site.container.engine)
    issue_demo_card(wired, card, pin="1234", password="ABC123", actor=SETUP)
    with suppress(Conflict):  # the run's other width made it
        points.add_campaign(wired.uow, actor=SETUP, now=wired.clock(), make=lambda: Campaign(
            "browser-campaign", wired.clock().date().replace(month=1, day=1),
            wired.clock().date().replace(month=12, day=31), 25, 5000,
            frozenset(ReportKind)))
    return wired


def _sign_in_with_the_card(site: Site, card: Path, code: str) -> dict[str, object]:
    return _card_program(site, card, "sign-in", code)


def _card_program(site: Site, card: Path, *arguments: str) -> dict[str, object]:
    program = str(Path(sys.executable).with_name("mynumbercard"))
    done = subprocess.run([program, "points", *arguments, "--card", str(card),
                           "--pin-stdin", "--url", site.url], input="1234\n", text=True,
                          capture_output=True, check=False,
                          env={"PATH": "/usr/bin:/bin", "MYNUMBERCARD_HOME": str(site.home),
                               "MYNUMBERCARD_VPCD_PORT": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout))


def _report(wired: Container, key_id: str, secret: bytes, enrolment_id: str) -> None:
    now = wired.clock()
    stamp, nonce = int(now.timestamp()), secrets.token_urlsafe(18)
    request = SignedRequest(key_id, str(stamp), nonce, sign_request(
        secret, timestamp=stamp, nonce=nonce, method="POST", path=REPORTS, body=b""),
        "POST", REPORTS, b"")
    points.report(wired.uow, wired.party_secrets, request=request, body=points.ReportIn(
        f"r-{nonce}", enrolment_id, ReportKind.PURCHASE, 4000, now), now=now)


def test_the_holder_signs_in_with_the_card_enrols_with_it_and_sees_points(
        page: Page, site: Site, ca_template: Path, tmp_path: Path) -> None:
    card = tmp_path / "card.mnc"
    wired = _holder(site, ca_template, card)
    service = relying_parties.register(wired.uow, wired.party_secrets, actor=SETUP,
                                       name=f"ペイ{secrets.token_hex(2)}",
                                       kind=PartyKind.PAYMENT_SERVICE, now=wired.clock())
    page.goto("/points")
    expect(page.get_by_role("heading", level=1)).to_have_text("マイナポイント")
    check_page(page, "start")
    page.get_by_role("button", name="マイナンバーカードでログイン").click()
    code = page.locator("strong.code").inner_text()
    assert len(code) == 9
    expect(page.locator("pre")).to_contain_text(f"points sign-in {code}")
    check_page(page, "waiting")

    page.get_by_role("link", name="ポイントを表示").click()  # not signed yet: still waiting
    expect(page.locator("strong.code")).to_have_text(code)
    assert _sign_in_with_the_card(site, card, code)["code"] == code
    page.get_by_role("link", name="ポイントを表示").click()
    expect(page.get_by_role("status").first).to_contain_text("までカードでログインしています")

    row = page.get_by_role("row").filter(has_text=service.name)  # nothing chosen yet
    expect(row).to_contain_text(service.key_id)
    expect(page.locator("pre").last).to_contain_text("points enrol --service")
    expect(page.get_by_role("button", name="このサービスを選ぶ")).to_have_count(0)
    check_page(page, "unchosen")
    enrolled = _card_program(site, card, "enrol", "--service", service.key_id)
    enrolment_id = str(enrolled["enrolment_id"])
    page.reload()
    expect(page.get_by_role("definition").first).to_have_text(service.name)
    shown = page.get_by_role("definition").nth(1)
    expect(shown).to_have_text(f"…{enrolment_id[-4:]}")  # the whole ID: the card program's
    assert enrolment_id not in page.content()
    check_page(page, "enrolled")

    _report(wired, service.key_id, bytes.fromhex(service.secret), enrolment_id)
    page.reload()
    row = page.get_by_role("row").filter(has_text="browser-campaign")
    expect(row).to_contain_text("1,000円")
    expect(row).to_contain_text("5,000円")

    # a second code cannot be signed twice, and the page ends on request
    assert subprocess.run([str(Path(sys.executable).with_name("mynumbercard")), "points",
                           "sign-in", code, "--card", str(card), "--pin-stdin", "--url",
                           site.url], input="1234\n", text=True, capture_output=True,
                          check=False, env={"PATH": "/usr/bin:/bin",
                                            "MYNUMBERCARD_HOME": str(site.home),
                                            "MYNUMBERCARD_VPCD_PORT": "1"}).returncode != 0
    page.get_by_role("button", name="ログインを終える").click()
    expect(page.get_by_role("button", name="マイナンバーカードでログイン")).to_be_visible()


def test_the_page_in_english(page: Page, site: Site) -> None:
    page.goto("/points?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My Number Points")
    page.get_by_role("button", name="Sign in with my card").click()
    expect(page.get_by_text("Your sign-in code:")).to_be_visible()
    check_page(page, "waiting-en")
