"""One Jinja2 environment per language (autoescape, gettext from the merged catalogues)
and `render`, which every page answers with (docs/pages.md).

The language: `?lang=ja|en` (remembered in the `lang` cookie), then that cookie, then
Accept-Language; Japanese when none of them says.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.messages.pofile import read_po
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import Markup

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.era import format_era, format_gregorian
from mynumbercard.web.pages import csrf

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
LOCALE = HERE / "locale"
LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
LANG_COOKIE = "lang"
# The areas whose catalogues exist or may: one .po per area (no two branches share one).
AREAS = ("base", "staff", "resident", "offices", "kiosk", "points")
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: "
            "blob:; media-src 'self' blob:; font-src 'self'; connect-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


class Catalogue(gettext.NullTranslations):
    """The messages of every area's .po merged (read with Babel; no compile step)."""

    def __init__(self, messages: Mapping[str, str | tuple[str, ...]]) -> None:
        super().__init__()
        self.messages = dict(messages)

    def gettext(self, message: str) -> str:
        found = self.messages.get(message)
        return found if isinstance(found, str) and found else message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        found = self.messages.get(msgid1)
        if isinstance(found, tuple) and found and found[0]:
            return found[0] if len(found) == 1 or n == 1 else found[1]  # ja: one form
        return msgid1 if n == 1 else msgid2


def read_catalogues(language: str, directory: Path = LOCALE) -> Catalogue:
    messages: dict[str, str | tuple[str, ...]] = {}
    for path in sorted((directory / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as po:
            catalog = read_po(po, locale=language)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            key = str(message.id[0] if isinstance(message.id, tuple | list) else message.id)
            string = message.string
            messages[key] = (tuple(string) if isinstance(string, tuple | list)
                             else str(string or ""))
    return Catalogue(messages)


def wareki(day: date | datetime | None) -> str:
    """令和8年11月30日 (a datetime: its day in Japan)."""
    return "" if day is None else format_era(_day(day))


def gregorian(day: date | datetime | None, language: str = "ja") -> str:
    """2026年11月30日 in Japanese, 2026-11-30 in English."""
    if day is None:
        return ""
    return format_gregorian(_day(day)) if language == "ja" else _day(day).isoformat()


def local_time(moment: datetime | None) -> str:
    """A moment as a clock in Japan shows it: 2026-11-30 09:05."""
    return "" if moment is None else moment.astimezone(JST).strftime("%Y-%m-%d %H:%M")


def _day(day: date | datetime) -> date:
    return day.astimezone(JST).date() if isinstance(day, datetime) else day


@pass_context
def csrf_field(context: Any) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        csrf.FIELD, context["csrf_token"])


@cache
def catalogue(language: str) -> gettext.NullTranslations:
    """English is the msgids themselves; other languages: every area's .po merged."""
    return read_catalogues(language) if language != "en" else gettext.NullTranslations()


@cache
def environment(language: str) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, extensions=["jinja2.ext.i18n"],
                      trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(catalogue(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(wareki=wareki, gregorian=gregorian, local_time=local_time)
    env.globals.update(csrf_field=csrf_field)
    return env


def translate(language: str, message: str) -> str:
    """A message in `language`, for code that builds text outside a template."""
    return catalogue(language).gettext(message)


def choose_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    if (cookie := request.cookies.get(LANG_COOKIE)) in LANGUAGES:
        return cookie
    return _accepted(request.headers.get("accept-language", ""))


def _accepted(header: str) -> str:
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for part in header[:512].split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        try:
            q = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        if primary in LANGUAGES and q > 0 and q > best_q:  # q=0: "not this one"
            best, best_q = primary, q
    return best


def switch_url(request: Request, language: str) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*query, ('lang', language)])}"


def render(request: Request, template: str, *, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """The page `template` ("area/name.html") in the request's language, with the CSRF
    token, the language switch and the pages' CSP."""
    language = choose_language(request)
    token, fresh = csrf.token_for(request)
    other = "en" if language == "ja" else "ja"
    html = environment(language).get_template(template).render(
        request=request, lang=language, other_lang=other,
        switch_url=switch_url(request, other), csrf_token=token, **context)
    response = HTMLResponse(html, status_code=status_code,
                            headers={"content-security-policy": PAGE_CSP})
    secure = request.app.state.container.settings.public_base_url.startswith("https://")
    if fresh:
        csrf.set_cookie(response, token, secure=secure)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, language, max_age=365 * 86400, httponly=True,
                            samesite="lax", secure=secure, path="/")
    return response
