"""What the offices' pages share: a day's label, the weekly hours in either language, the
purposes, closed reasons and crowding levels as English msgids (offices.po translates
them). Not a router module (no `office_` prefix)."""

from __future__ import annotations

from datetime import date

from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.offices import OFFICE_CODE, Office, letter_lines

PURPOSES = {Purpose.PICK_UP: "Picking up the card",
            Purpose.CERTIFICATE_RENEWAL: "Renewing the certificates",
            Purpose.PIN_UNLOCK: "Unlocking or resetting a PIN",
            Purpose.LOSS: "A lost card, re-issue", Purpose.OTHER: "Something else"}
REASONS = {"holiday": "public holiday", "year_end": "New Year break",
           "weekly": "closed that day", "exception": "closed specially"}
LEVELS = {"quiet": "quiet", "moderate": "some wait", "busy": "crowded"}
_WEEKDAYS = {"ja": "月火水木金土日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
_ORDINAL = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th"}


def day_label(language: str, day: date) -> str:
    weekday = _WEEKDAYS["en" if language == "en" else "ja"][day.weekday()]
    return (f"{weekday} {day.isoformat()}" if language == "en"
            else f"{day.month}月{day.day}日（{weekday}）")


def hours_lines(language: str, office: Office) -> list[str]:
    """The weekly rules as lines: the letters' Japanese, or English."""
    if language != "en":
        return list(letter_lines(office))
    lines = []
    for rule in sorted(office.rules, key=lambda r: (r.weeks is not None, r.weekday)):
        day = rule.weekday.name.title()
        if rule.weeks:
            day = f"{' and '.join(_ORDINAL[w] for w in sorted(rule.weeks))} {day} of the month"
        lines.append(f"{day}: {', '.join(w.text for w in rule.windows)}")
    return [*lines, "Closed on public and substitute holidays and from 29 December to "
            "3 January"]


def is_office_code(code: str) -> bool:
    return bool(OFFICE_CODE.match(code))
