"""The office's page for residents: `/offices/{code}` (docs/offices.md "The pages").

Its address, telephone and weekly hours; each day of this week and the next with its
hours or why it is closed (a holiday by its name); the wait expected per hour of the
coming week; the free places per day with the way to book. Read through the same
services as the API's `/offices/{code}/slots` and `/crowding`.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from fastapi.responses import HTMLResponse

from mynumbercard.adapters.holiday_calendar import holiday_name
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.crowding import open_hours
from mynumbercard.domain.errors import NotFound
from mynumbercard.services import appointments as booking
from mynumbercard.services import crowding
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import page_router
from mynumbercard.web.pages.offices_common import (
    LEVELS,
    REASONS,
    day_label,
    hours_lines,
    is_office_code,
)
from mynumbercard.web.pages.templating import choose_language, render

router = page_router()
CROWDING_DAYS = 7


@router.get("/offices/{code}", response_class=HTMLResponse)
def office_page(request: Request, code: str, container: ContainerDep,
                now: NowDep) -> HTMLResponse:
    if not is_office_code(code):
        raise NotFound(f"no office {code[:8]}")
    language = choose_language(request)
    today = now.astimezone(JST).date()
    monday = today - timedelta(days=today.weekday())
    found = booking.availability(container.uow, container.holidays, office_code=code,
                                 start=monday, days=14, now=now)
    expected = crowding.crowding(container.uow, container.holidays, office_code=code,
                                 start=today, days=CROWDING_DAYS, now=now,
                                 extra_deadlines=container.deadlines)
    weeks = [{"label": day_label(language, d.hours.day), "today": d.hours.day == today,
              "past": d.hours.day < today,
              "windows": [f"{w.start:%H:%M}–{w.end:%H:%M}" for w in d.hours.windows],
              "reason": REASONS.get(d.hours.closed_reason or "", ""),
              "holiday": holiday_name(d.hours.day) if d.hours.closed_reason == "holiday"
              else None,
              "free": sum(s.free for s in d.slots)} for d in found.days]
    open_days = [d for d in expected.days if d.hours.is_open]
    hours = sorted({h for d in open_days for h in open_hours(d.hours.windows)})
    grid = [{"label": day_label(language, d.hours.day),
             "cells": {f.hour: f for f in d.forecast}} for d in open_days]
    return render(request, "offices/office.html", office=found.office,
                  hours=hours_lines(language, found.office), weeks=weeks,
                  this_week=weeks[:7], next_week=weeks[7:], grid=grid, grid_hours=hours,
                  levels=LEVELS)
