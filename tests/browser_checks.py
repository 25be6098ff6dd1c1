"""Helpers of the browser tests (tests/browser, docs/pages.md): the served site and its
staff accounts, the axe-core check (and screenshot) of a page, signing in."""

from __future__ import annotations

import io
import itertools
import os
import re
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path

import pyotp
from axe_playwright_python.sync_playwright import Axe
from PIL import Image, ImageDraw
from playwright.sync_api import Page
from sqlalchemy import select

from mynumbercard.adapters.db.tables import audit_log
from mynumbercard.bootstrap import Container
from mynumbercard.domain.application import Application, Channel
from mynumbercard.domain.resident import Resident, Sex
from mynumbercard.domain.staff import Role
from mynumbercard.services import applications, register
from mynumbercard.services.application_ports import FormReason

from api_checks import ADMIN_TOTP, SETUP, add_account

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

    def resident(self, municipality_code: str = "13101", **overrides: object) -> Resident:
        """A resident entered on the register through the service (a unique name)."""
        n = next(_names)
        person: dict[str, object] = {
            "family_name": "山田", "given_name": f"花子{n}", "family_name_kana": "ヤマダ",
            "given_name_kana": "ハナコ", "birth_date": date(1990, 6, 1), "sex": Sex.FEMALE,
            "municipality_code": municipality_code, "postal_code": "1000001",
            "address": f"千代田1番{n}号", "registered_on": date(1990, 6, 1), **overrides}
        return register.register_resident(self.container.uow, actor=SETUP,
                                          now=self.container.clock(), **person)  # type: ignore[arg-type]

    def application(self, resident: Resident, photo: bytes) -> Application:
        """An online application of `resident` with `photo` (a new form first)."""
        now = self.container.clock()
        form = applications.issue_form(self.container.uow, actor=SETUP,
                                       resident_id=resident.id, reason=FormReason.FIRST,
                                       now=now)
        return applications.submit(
            self.container.uow, self.container.photos, self.container.photo_inspector,
            actor=applications.online_applicant(Channel.PC), channel=Channel.PC,
            application_id=form.application_id, birth_date=resident.birth_date,
            photo=photo, now=now).application

    def audited(self, actor: str) -> list[tuple[str, str]]:
        """(action, subject) of every audit record of `actor`, oldest first."""
        with self.container.engine.connect() as conn:
            rows = conn.execute(select(audit_log.c.action, audit_log.c.subject)
                                .where(audit_log.c.actor == actor).order_by(audit_log.c.id))
            return [(row.action, row.subject) for row in rows]

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


def sample_photo(*, cluttered_and_off_centre: bool = False) -> bytes:
    """The generators' compliant portrait; or the same with a striped wall to its right,
    which the check warns about (off_center, background) but accepts."""
    data = (files("mynumbercard.generators") / "sample_portrait.jpg").read_bytes()
    if not cluttered_and_off_centre:
        return data
    portrait = Image.open(io.BytesIO(data))
    width, height = portrait.size
    canvas = Image.new("RGB", (int(width * 1.6), height), "white")
    canvas.paste(portrait, (0, 0))
    draw = ImageDraw.Draw(canvas)
    for x in range(width, canvas.width, 12):
        draw.line([(x, 0), (x, height)], fill=(40, 40, 40), width=3)
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=90)
    return out.getvalue()
