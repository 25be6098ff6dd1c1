"""The booking page the notice of issuance's QR code opens: `/appointments?office=…&ref=…`.

Server-rendered HTML, no JavaScript: the office (address, telephone, hours), the next two
weeks' free slots, and a form that books one (the same use case as the API, rate-limited
alike). Japanese first, English with `?lang=en`. Every value printed is escaped.
"""

from __future__ import annotations

from datetime import date, datetime, time
from html import escape
from typing import Annotated
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain.appointments import Appointment, Purpose
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import DomainError, InvalidInput
from mynumbercard.domain.offices import OFFICE_CODE, Office, letter_lines
from mynumbercard.services import appointments as service
from mynumbercard.services import offices as office_service
from mynumbercard.web.api.appointments import limit_resident
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.errors import status_for

router = APIRouter(include_in_schema=False)
DAYS = 14
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
            "frame-ancestors 'none'")
TEXT = {
    "ja": {"title": "窓口の予約", "other": "English", "phone": "電話", "hours": "受付時間",
           "purpose": "ご用件", "card": "カード番号", "or": "または",
           "application_id": "申請書ID（23桁）", "birth": "生年月日", "email":
           "メールアドレス（任意：前日にお知らせします）", "slots": "空いている時間（2週間）",
           "free": "残り", "closed": "休み", "book": "予約する", "booked": "予約しました",
           "reference": "予約番号", "keep": "予約番号は変更・取消に必要です。控えてください。",
           "offices": "窓口を選んでください", "no_office": "その窓口はありません",
           "full": "満", "error": "予約できませんでした"},
    "en": {"title": "Book a visit to the counter", "other": "日本語", "phone": "Telephone",
           "hours": "Opening hours", "purpose": "What for", "card": "Card number",
           "or": "or", "application_id": "Application ID (23 digits)",
           "birth": "Date of birth", "email": "E-mail (optional: a reminder the day before)",
           "slots": "Free times (two weeks)", "free": "left", "closed": "Closed",
           "book": "Book", "booked": "Booked", "reference": "Booking reference",
           "keep": "Keep the reference: you need it to change or cancel the booking.",
           "offices": "Choose an office", "no_office": "No such office", "full": "full",
           "error": "Not booked"},
}
PURPOSES = {
    "ja": {Purpose.PICK_UP: "カードの受け取り", Purpose.CERTIFICATE_RENEWAL: "電子証明書の更新",
           Purpose.PIN_UNLOCK: "暗証番号のロック解除・再設定", Purpose.LOSS: "紛失・再発行",
           Purpose.OTHER: "その他"},
    "en": {Purpose.PICK_UP: "Picking up the card",
           Purpose.CERTIFICATE_RENEWAL: "Renewing the certificates",
           Purpose.PIN_UNLOCK: "Unlocking or resetting a PIN",
           Purpose.LOSS: "A lost card, re-issue", Purpose.OTHER: "Something else"},
}
REASONS = {"ja": {"holiday": "祝日", "year_end": "年末年始", "weekly": "定休日",
                  "exception": "臨時休業"},
           "en": {"holiday": "public holiday", "year_end": "New Year break",
                  "weekly": "closed that day", "exception": "closed specially"}}
WEEKDAYS = {"ja": "月火水木金土日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
STYLE = ("body{font-family:sans-serif;max-width:44rem;margin:auto;padding:1rem;"
         "line-height:1.6}fieldset{margin:1rem 0}label{display:block;margin:.4rem 0}"
         "[role=alert]{border:2px solid #b00;padding:.5rem}.slots label{display:inline-block;"
         "min-width:9rem}input,select,button{font-size:1rem;padding:.3rem}")


def _lang(lang: str | None) -> str:
    return "en" if lang == "en" else "ja"


def _page(lang: str, title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><main>{body}</main></body></html>")
    return HTMLResponse(html, status_code=status,
                        headers={"content-security-policy": PAGE_CSP})


def _switch(lang: str, params: dict[str, str]) -> str:
    other = "en" if lang == "ja" else "ja"
    query = urlencode({**params, "lang": other})
    return (f'<p><a href="/appointments?{escape(query)}" lang="{other}" hreflang="{other}">'
            f"{TEXT[lang]['other']}</a></p>")


def _day_label(lang: str, day: date) -> str:
    weekday = WEEKDAYS[lang][day.weekday()]
    return (f"{day.month}月{day.day}日（{weekday}）" if lang == "ja"
            else f"{weekday} {day.isoformat()}")


def _hours_en(office: Office) -> list[str]:
    """The weekly rules in English, one line each (the Japanese is `letter_lines`)."""
    ordinal = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th"}
    lines = []
    for rule in sorted(office.rules, key=lambda r: (r.weeks is not None, r.weekday)):
        day = rule.weekday.name.title()
        if rule.weeks:
            day = f"{' and '.join(ordinal[w] for w in sorted(rule.weeks))} {day} of the month"
        lines.append(f"{day}: {', '.join(w.text for w in rule.windows)}")
    return [*lines, "Closed on public and substitute holidays and from 29 December to "
            "3 January"]


def _office_section(lang: str, office: Office) -> str:
    t = TEXT[lang]
    lines = letter_lines(office) if lang == "ja" else _hours_en(office)
    hours = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return (f"<section aria-labelledby=\"office\"><h2 id=\"office\">{escape(office.name)}</h2>"
            f"<p>{escape(office.postal_text)} {escape(office.address)}</p>"
            f"<p>{t['phone']}: <a href=\"tel:{escape(office.phone)}\">{escape(office.phone)}"
            f"</a></p><h3>{t['hours']}</h3><ul>{hours}</ul></section>")


def _slots(lang: str, found: service.Availability, chosen: str) -> str:
    t, parts = TEXT[lang], []
    for day in found.days:
        label = _day_label(lang, day.hours.day)
        if not day.hours.is_open:
            reason = REASONS[lang].get(day.hours.closed_reason or "", "")
            parts.append(f"<p>{label}: {t['closed']}（{reason}）</p>")
            continue
        free = [s for s in day.slots if s.free > 0]
        if not free:
            parts.append(f"<p>{label}: {t['full']}</p>")
            continue
        radios = "".join(
            f'<label><input type="radio" name="slot" value="{v}" required'
            f'{" checked" if v == chosen else ""}> {s.local_time:%H:%M}'
            f" （{t['free']} {s.free}）</label>"
            for s in free if (v := f"{day.hours.day.isoformat()}T{s.local_time:%H:%M}"))
        parts.append(f'<fieldset class="slots"><legend>{label}</legend>{radios}</fieldset>')
    return "".join(parts)


def _form(lang: str, found: service.Availability, values: dict[str, str],
          error: str | None) -> str:
    t = TEXT[lang]
    chosen_purpose = values.get("purpose", Purpose.PICK_UP.value)
    purposes = "".join(
        f'<label><input type="radio" name="purpose" value="{p.value}"'
        f'{" checked" if p.value == chosen_purpose else ""}> {name}</label>'
        for p, name in PURPOSES[lang].items())
    alert = (f'<div role="alert"><strong>{t["error"]}</strong>: {escape(error)}</div>'
             if error else "")

    def value(name: str) -> str:
        return escape(values.get(name, ""))

    return (f"{alert}<form method=\"post\" action=\"/appointments?lang={lang}\">"
            f"<input type=\"hidden\" name=\"office\" value=\"{escape(found.office.code)}\">"
            f"<fieldset><legend>{t['purpose']}</legend>{purposes}</fieldset>"
            f"<label for=\"card\">{t['card']}</label><input id=\"card\" name=\"card_number\" "
            f"value=\"{value('card_number')}\" maxlength=\"32\" autocomplete=\"off\">"
            f"<label for=\"aid\">{t['or']} {t['application_id']}</label>"
            f"<input id=\"aid\" name=\"application_id\" value=\"{value('application_id')}\" "
            "maxlength=\"40\" inputmode=\"numeric\" autocomplete=\"off\">"
            f"<label for=\"birth\">{t['birth']}</label><input id=\"birth\" type=\"date\" "
            f"name=\"birth_date\" value=\"{value('birth_date')}\" required>"
            f"<label for=\"email\">{t['email']}</label><input id=\"email\" type=\"email\" "
            f"name=\"email\" value=\"{value('email')}\" maxlength=\"254\" autocomplete=\"email\">"
            f"<h2>{t['slots']}</h2>{_slots(lang, found, values.get('slot', ''))}"
            f"<p><button type=\"submit\">{t['book']}</button></p></form>")


def _choose_office(lang: str, container: ContainerDep) -> HTMLResponse:
    t = TEXT[lang]
    items = "".join(
        f"<li><a href=\"/appointments?{escape(urlencode({'office': o.code, 'lang': lang}))}\">"
        f"{escape(o.name)}</a> {escape(o.address)}</li>"
        for o in office_service.list_offices(container.uow))
    return _page(lang, t["title"], f"<h1>{t['title']}</h1>{_switch(lang, {})}"
                 f"<h2>{t['offices']}</h2><ul>{items}</ul>")


def _booking_page(lang: str, container: ContainerDep, now: datetime, code: str, *,
                  values: dict[str, str], error: str | None = None,
                  status: int = 200) -> HTMLResponse:
    t = TEXT[lang]
    if not OFFICE_CODE.match(code):
        return _page(lang, t["no_office"], f"<h1>{t['no_office']}</h1>", 404)
    try:
        found = service.availability(container.uow, container.holidays, office_code=code,
                                     start=now.astimezone(JST).date(), days=DAYS, now=now)
    except DomainError:
        return _page(lang, t["no_office"], f"<h1>{t['no_office']}</h1>", 404)
    params = {"office": code, **({"ref": values["card_number"]}
                                 if values.get("card_number") else {})}
    return _page(lang, t["title"], f"<h1>{t['title']}</h1>{_switch(lang, params)}"
                 f"{_office_section(lang, found.office)}{_form(lang, found, values, error)}",
                 status)


@router.get("/appointments", response_class=HTMLResponse)
def booking_page(container: ContainerDep, now: NowDep,
                 office: Annotated[str | None, Query(max_length=8)] = None,
                 ref: Annotated[str | None, Query(max_length=32)] = None,
                 lang: Annotated[str | None, Query(max_length=2)] = None) -> HTMLResponse:
    chosen = _lang(lang)
    if not office:
        return _choose_office(chosen, container)
    card = ref if ref and ref.replace("-", "").isalnum() else ""
    return _booking_page(chosen, container, now, office, values={"card_number": card})


def _done(lang: str, made: Appointment) -> HTMLResponse:
    t = TEXT[lang]
    local = made.starts_at.astimezone(JST)
    return _page(lang, t["booked"], f"<h1>{t['booked']}</h1>"
                 f"<p>{_day_label(lang, local.date())} {local:%H:%M}</p>"
                 f"<p>{t['reference']}: <strong>{escape(made.reference)}</strong></p>"
                 f"<p>{t['keep']}</p>", 201)


def _parse(values: dict[str, str]) -> tuple[Purpose, date, date, time]:
    """What the form says: purpose, birth date, the slot's day and time."""
    try:
        purpose = Purpose(values.get("purpose", ""))
        born = date.fromisoformat(values.get("birth_date", ""))
        slot = values.get("slot", "")
        on, at = date.fromisoformat(slot[:10]), time.fromisoformat(slot[11:16])
    except ValueError:
        raise InvalidInput("choose what for and a free time, and give the date of "
                           "birth") from None
    if slot[10:11] != "T" or len(slot) != 16:
        raise InvalidInput("choose a free time")
    return purpose, born, on, at


@router.post("/appointments", response_class=HTMLResponse)
async def book_from_page(request: Request, container: ContainerDep, now: NowDep,
                         lang: Annotated[str | None, Query(max_length=2)] = None
                         ) -> HTMLResponse:
    chosen = _lang(lang)
    raw = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=20)
    values = {k: v[0].strip()[:300] for k, v in raw.items() if v}
    code = values.get("office", "")
    try:
        purpose, born, on, at = _parse(values)
        identifier = values.get("application_id") or values.get("card_number") or ""
        limit_resident(container, request, identifier)
        made = service.book(
            container.uow, container.holidays, office_code=code, purpose=purpose,
            application_id=values.get("application_id") or None,
            card_number=values.get("card_number") or None, birth_date=born, on=on, at=at,
            email=values.get("email") or None, now=now)
    except DomainError as error:
        return _booking_page(chosen, container, now, code, values=values,
                             error=error.message, status=status_for(error))
    return _done(chosen, made)
