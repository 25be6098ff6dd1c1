"""The pages' foundation without a server: catalogues merged from every area's .po, the
language a request gets, dates in both calendars, people's typing made plain."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from jinja2 import Environment

from mynumbercard.domain.errors import InvalidInput
from mynumbercard.web.pages import forms, templating


def _po(path: Path, pairs: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in pairs.items())
    path.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                    + body, encoding="utf-8")


def test_every_areas_catalogue_is_merged_into_one(tmp_path: Path):
    _po(tmp_path / "ja/LC_MESSAGES/base.po", {"Menu": "メニュー"})
    _po(tmp_path / "ja/LC_MESSAGES/staff.po", {"Sign in": "ログイン"})
    catalogue = templating.read_catalogues("ja", tmp_path)
    assert catalogue.gettext("Menu") == "メニュー"
    assert catalogue.gettext("Sign in") == "ログイン"
    assert catalogue.gettext("Not translated") == "Not translated"


def test_the_shipped_catalogues_parse_and_every_template_compiles():
    assert templating.catalogue("ja").gettext("Skip to the content") == "本文へ移動"
    env: Environment = templating.environment("ja")
    names = env.list_templates(extensions=["html"])
    assert "base.html" in names
    for name in names:
        env.get_template(name)


@pytest.mark.parametrize(("header", "language"), [
    ("", "ja"), ("en-GB,en;q=0.9", "en"), ("fr, en;q=0.5, ja;q=0.8", "ja"),
    ("de", "ja"), ("en;q=oops", "ja"),
])
def test_accept_language_chooses_a_language_japanese_by_default(header: str, language: str):
    assert templating._accepted(header) == language


def test_dates_in_both_calendars():
    day = date(2026, 11, 30)
    assert templating.wareki(day) == "令和8年11月30日"
    assert templating.gregorian(day, "ja") == "2026年11月30日"
    assert templating.gregorian(day, "en") == "2026-11-30"
    # 2026-11-30 16:00 UTC is already 1 December in Japan
    late = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert templating.wareki(late) == "令和8年12月1日"
    assert templating.local_time(late) == "2026-12-01 01:00"


def test_full_width_digits_and_hyphens_are_read_as_typed():
    assert forms.digits("１２３４－５６７８ ９０１２") == "123456789012"
    assert forms.plain("ﾔﾏﾀﾞ") == "ヤマダ"


@pytest.mark.parametrize("typed", ["2026-11-30", "２０２６／１１／３０", "2026年11月30日",
                                   "令和8年11月30日", "R8.11.30", "令和８年１１月３０日"])
def test_a_date_is_read_in_either_calendar(typed: str):
    assert forms.parse_date(typed) == date(2026, 11, 30)


@pytest.mark.parametrize("typed", ["", "30/11/2026", "2026-02-30", "平成32年1月1日",
                                   "昭和65年1月8日"])
def test_a_date_that_is_not_one_is_refused_plainly(typed: str):
    with pytest.raises(InvalidInput):
        forms.parse_date(typed)


def test_form_errors_keep_the_message_beside_the_field():
    errors = forms.FormErrors()
    assert errors.check("birth_date", forms.parse_date, "nonsense") is None
    assert errors.check("other", forms.parse_date, "2026-01-02") == date(2026, 1, 2)
    assert set(errors) == {"birth_date"}
