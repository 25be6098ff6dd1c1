"""The staff console's My Number Points: an operator of the issuing agency reads the
totals per payment service and campaign (what each service is paid back), an
administrator the payment services registered (with a client certificate's fingerprint
for mutual TLS); a clerk is refused both, as the API refuses."""

from __future__ import annotations

import secrets
from contextlib import suppress
from datetime import date

from playwright.sync_api import Page, expect

from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.points import Campaign, ReportKind
from mynumbercard.domain.relying_party import PartyKind, sign_request
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import points, register, relying_parties
from mynumbercard.services.relying_parties import SignedRequest

from browser_checks import Site, check_page, sign_in

SETUP = Actor("setup", Role.ADMIN)
REPORTS = "/api/v1/points/reports"


def _service_with_a_report(site: Site, name: str) -> None:
    """A payment service, a person enrolled with it, and its signed report of ¥2,000."""
    wired = site.container
    now = wired.clock()
    with suppress(Conflict):  # the run's other width, or the holder's journey, made it
        points.add_campaign(wired.uow, actor=SETUP, now=now, make=lambda: Campaign(
            "browser-campaign", date(now.year, 1, 1), date(now.year, 12, 31), 25, 5000,
            frozenset(ReportKind)))
    made = relying_parties.register(
        wired.uow, wired.party_secrets, actor=SETUP, name=name,
        kind=PartyKind.PAYMENT_SERVICE, now=now, client_cert_sha256="ab" * 32)
    person = register.register_resident(
        wired.uow, actor=SETUP, now=now, family_name="点数", given_name="花子",
        family_name_kana="テンスウ", given_name_kana="ハナコ", birth_date=date(1990, 1, 20),
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(1990, 1, 20))
    enrolled = points.enrol(wired.uow, actor=SETUP, resident_id=person.id or 0,
                            service=made.key_id, now=now)
    stamp, nonce = int(now.timestamp()), secrets.token_urlsafe(18)
    request = SignedRequest(made.key_id, str(stamp), nonce, sign_request(
        bytes.fromhex(made.secret), timestamp=stamp, nonce=nonce, method="POST",
        path=REPORTS, body=b""), "POST", REPORTS, b"", "ab" * 32)  # through the proxy
    points.report(wired.uow, wired.party_secrets, request=request, body=points.ReportIn(
        "r-1", enrolled.enrolment_id, ReportKind.CHARGE, 2000, now), now=now)


def test_an_operator_reads_the_settlement_and_an_administrator_the_services(
        page: Page, site: Site) -> None:
    name = f"決済{secrets.token_hex(3)}"
    _service_with_a_report(site, name)
    sign_in(page, site.staff(Role.OPERATOR))
    page.get_by_role("navigation", name="メニュー").get_by_role(
        "link", name="マイナポイントの精算").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("マイナポイントの精算")
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("2,000")
    expect(row).to_contain_text("500")
    check_page(page, "settlement")
    assert page.goto("/staff/points/services").status == 403  # the administrators'

    page.context.clear_cookies()
    sign_in(page, site.staff(Role.ADMIN))
    page.get_by_role("navigation", name="メニュー").get_by_role(
        "link", name="決済サービス").click()
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("ab" * 32)
    expect(row).to_contain_text("利用中")
    check_page(page, "services")


def test_a_clerk_is_refused(page: Page, site: Site) -> None:
    sign_in(page, site.staff(Role.CLERK, "13101"))
    answer = page.goto("/staff/points/settlement")
    assert answer is not None
    assert answer.status == 403
    check_page(page, "refused")
