"""An operator follows production in the console: the runs, what a run made and for whom,
the shipment its office has not confirmed (how long overdue); then the wrong-validity
audit's report, the revocations and holds, and the CA's page, each checked with axe."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from console_checks import held_certificate, produced_and_shipped
from mynumbercard.adapters.ca_setup import CaConfig, initialise
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.bootstrap import Container
from mynumbercard.config import Settings
from mynumbercard.domain.staff import Role

from browser_checks import Site, check_page, sign_in

PASSPHRASE = "console journey CA"


@pytest.fixture
def factory(site: Site, tmp_path: Path) -> Container:
    """A container on the site's database whose own data directory holds a CA: the
    production run that seeds the journey personalises its chip with that CA's
    card-management key (the site itself runs without a CA)."""
    initialise(CaConfig(directory=tmp_path / "ca", passphrase=PASSPHRASE,
                        base_url=site.url, crl_shards=2), now=site.container.clock())
    shipped_at = site.container.clock() - timedelta(days=5)  # its office is 2 days late
    settings = Settings(home=tmp_path, database_url=site.container.settings.resolved_database_url,
                        ca_passphrase=PASSPHRASE, crl_shards=2)  # type: ignore[arg-type]
    return Container(settings=settings, engine=make_engine(settings.resolved_database_url),
                     clock=lambda: shipped_at)


def test_an_operator_follows_production_and_the_certificates(page: Page, site: Site,
                                                             factory: Container):
    shipped = produced_and_shipped(factory)
    held_certificate(factory, shipped.card_number, serial=0x5EED00 + shipped.run_id)
    factory.engine.dispose()
    sign_in(page, site.staff(Role.OPERATOR))
    menu = page.get_by_role("navigation", name="メニュー")
    menu.get_by_role("link", name="製造・発送").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("製造・発送")
    overdue = page.get_by_role("region", name="交付窓口が受領を確認していない発送")
    expect(overdue.get_by_role("row", name=re.compile(f"^{shipped.shipment_id} "))
           ).to_contain_text("2日")  # five days after shipping, three expected
    check_page(page, "production")

    page.get_by_role("link", name=f"ロット {shipped.run_id}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"製造ロット {shipped.run_id}")
    card = page.get_by_role("row", name=re.compile(shipped.card_number))
    expect(card).to_contain_text("発送済み")
    expect(card.get_by_role("link", name=str(shipped.resident_id))).to_be_visible()
    expect(page.get_by_role("region", name="発送")).to_contain_text("東京都千代田区")
    check_page(page, "run")

    menu.get_by_role("link", name="有効期限誤り点検").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("有効期限誤り点検")
    check_page(page, "validity")
    page.get_by_label("案件の状態").select_option("open")
    page.get_by_label("実行キー").fill("<script>")
    page.get_by_role("button", name="表示").click()
    expect(page.locator("#run-error")).to_contain_text("実行のキー")
    check_page(page, "validity-error")

    menu.get_by_role("link", name="失効・一時停止").click()
    expect(page.get_by_role("row", name=re.compile(shipped.card_number))).to_contain_text(
        "一時停止")
    page.get_by_label("変更の種類").select_option("revoked")
    page.get_by_role("button", name="表示").click()
    expect(page.get_by_role("row", name=re.compile(shipped.card_number))).to_have_count(0)
    check_page(page, "certificates")

    menu.get_by_role("link", name="認証局").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("認証局")
    check_page(page, "ca")
