"""Helpers of the browser tests (tests/browser, docs/pages.md): the served site and its
staff accounts, the axe-core check (and screenshot) of a page, signing in."""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pyotp
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Role

from api_checks import ADMIN_TOTP, add_account

CHROMIUM = os.environ.get("MYNUMBERCARD_CHROMIUM", "/usr/bin/chromium")
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
WIDTHS = [w.strip() for w in os.environ.get("MYNUMBERCARD_E2E_WIDTHS", "desktop").split(",")
          if w.strip()]
SCREENSHOTS = os.environ.get("MYNUMBERCARD_SCREENSHOTS")  # a directory: screenshots kept
PASSWORD = "browser test password"
_names = itertools.count(1)


@dataclass(frozen=True)
class Member:
    username: str
    password: str
    totp_secret: str | None

    def code(self) -> str:
        """The one-time code of now (each account signs in once: no replay refusal)."""
        assert self.totp_secret is not None
        return pyotp.TOTP(self.totp_secret).now()


@dataclass(frozen=True)
class Site:
    """The served application: its URL and a container on the same data (for seeding)."""

    url: str
    home: Path
    container: Container

    def staff(self, role: Role, municipality_code: str | None = None) -> Member:
        """A new staff account (a unique name); an administrator has its TOTP enrolled."""
        name = f"{role.value}-{next(_names)}"
        add_account(self.container, name, PASSWORD, role, municipality_code)
        return Member(name, PASSWORD, ADMIN_TOTP if role is Role.ADMIN else None)


_axe: list[Axe] = []


def check_page(page: Page, name: str) -> None:
    """axe-core on the page as it stands: no serious or critical violation; and, under
    `make e2e`, a full-page screenshot `<test>-<width>-<name>.png` in SCREENSHOTS."""
    if not _axe:
        _axe.append(Axe())
    results = _axe[0].run(page)
    serious = [v for v in results.response["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert not serious, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        f"{[n['target'] for n in v['nodes']][:5]}" for v in serious)
    if SCREENSHOTS:
        directory = Path(SCREENSHOTS)
        directory.mkdir(parents=True, exist_ok=True)
        prefix = getattr(page, "checked_name", "page")
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{prefix}-{name}")
        page.screenshot(path=str(directory / f"{safe}.png"), full_page=True)


def sign_in(page: Page, member: Member) -> None:
    """Through the sign-in page (the one-time code where the account has one)."""
    page.goto("/staff/sign-in")
    page.get_by_label(re.compile("ユーザー名|Username")).fill(member.username)
    page.get_by_label(re.compile("パスワード|Password")).fill(member.password)
    if member.totp_secret:
        page.get_by_label(re.compile("ワンタイム|one-time", re.I)).fill(member.code())
    page.get_by_role("button", name=re.compile("ログイン|Sign in")).click()
