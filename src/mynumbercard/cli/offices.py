"""`mynumbercard offices ...` and `mynumbercard appointments ...` (docs/offices.md).

Reading an office's hours is public (as on the API); loading offices and closing days
takes a signed-in administrator, the day's bookings a clerk of that municipality.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import typer

from mynumbercard import bootstrap
from mynumbercard.cli import session
from mynumbercard.cli.output import dumps
from mynumbercard.domain.appointments import Appointment, DeskStep
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.dates import parse_iso_date
from mynumbercard.domain.errors import DomainError, InvalidInput
from mynumbercard.domain.offices import DayException, Office, Weekday, parse_rules, parse_windows
from mynumbercard.services import appointment_mail
from mynumbercard.services import appointments as booking
from mynumbercard.services import offices as service

app = typer.Typer(help="Offices: their hours, closed days, bulk loading.", no_args_is_help=True)
appointments_app = typer.Typer(help="Appointments at the counter: the day's list, the desk.",
                               no_args_is_help=True)

COLUMNS = ("code", "name", "postal_code", "address", "phone", "counters", "per_counter",
           "slot_minutes", *(d.key for d in Weekday), "nth", "handoff_wait_minutes")
REQUIRED = frozenset({"code", "name", "postal_code", "address", "phone"})
MAX_FILE = 8 * 1024 * 1024
CODE = typer.Argument(..., help="The office's code: 13101 (main office) or 13101-02.")
ON = typer.Option(..., "--on", help="The day (YYYY-MM-DD).")


def _int(row: dict[str, str], name: str, default: int) -> int:
    text = (row.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise InvalidInput(f"{name}: {text[:10]!r} is not a whole number")
    return int(text)


def read_csv(text: str) -> list[Office]:
    """Offices from CSV (UTF-8, a header row; columns in docs/offices.md). An error
    names its line."""
    reader = csv.DictReader(io.StringIO(text))
    header = set(reader.fieldnames or ())
    if missing := REQUIRED - header:
        raise InvalidInput(f"the CSV lacks the column(s) {', '.join(sorted(missing))}")
    if unknown := header - set(COLUMNS):
        raise InvalidInput(f"unknown column(s) {', '.join(sorted(unknown))}; the columns "
                           f"are {', '.join(COLUMNS)}")
    found: list[Office] = []
    for row in reader:
        line = reader.line_num
        try:
            found.append(Office(
                code=(row["code"] or "").strip(), name=row["name"] or "",
                postal_code=(row["postal_code"] or "").replace("-", "").strip(),
                address=row["address"] or "", phone=(row["phone"] or "").strip(),
                counters=_int(row, "counters", 1), per_counter=_int(row, "per_counter", 1),
                slot_minutes=_int(row, "slot_minutes", 30),
                rules=parse_rules({d.key: row.get(d.key) or "" for d in Weekday},
                                  row.get("nth") or ""),
                handoff_wait_minutes=_int(row, "handoff_wait_minutes", 0) or None))
        except DomainError as error:
            raise InvalidInput(f"line {line}: {error.message}") from None
    if not found:
        raise InvalidInput("the CSV has no office")
    return found


@app.command("load")
def load(file: Path = typer.Argument(..., help="A CSV file, UTF-8, with a header row.")
         ) -> None:
    """Add or replace offices from a CSV file, all or none. Prints JSON."""
    try:
        if file.stat().st_size > MAX_FILE:
            raise InvalidInput(f"{file}: at most {MAX_FILE // 1024 // 1024} MiB")
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"cannot read {file} as UTF-8 text") from None
    offices = read_csv(text)
    with bootstrap.container() as wired:
        actor = session.actor(wired, "offices")
        loaded = service.load_offices(wired.uow, wired.holidays, actor=actor, offices=offices,
                                      now=wired.clock())
    typer.echo(dumps({"offices": len(offices), "added": loaded.added,
                      "replaced": loaded.replaced,
                      "displaced": [_booking(b) for b in loaded.displaced]}))


@app.command("list")
def list_command(municipality: str | None = typer.Option(
        None, "--municipality", help="Only this municipality's offices (5 digits).")) -> None:
    """The offices, one JSON object a line."""
    with bootstrap.container() as wired:
        for office in service.list_offices(wired.uow, municipality_code=municipality):
            typer.echo(dumps({"code": office.code, "name": office.name,
                              "postal_code": office.postal_code, "address": office.address,
                              "phone": office.phone, "counters": office.counters}))


@app.command("hours")
def hours(code: str = CODE, on: str = ON) -> None:
    """The opening windows of one day, as JSON: `open` empty and `closed_reason` one of
    holiday, year_end, weekly, exception when closed."""
    day = parse_iso_date(on, field="--on")
    with bootstrap.container() as wired:
        found = service.office_hours(wired.uow, wired.holidays, code=code, on=day)
    typer.echo(dumps(found.as_json(code)))


def _changed(changed: service.DayChanged) -> None:
    typer.echo(dumps({**changed.hours.as_json(changed.office),
                      "displaced": [_booking(b) for b in changed.displaced]}))


def _set_day(code: str, on: str, exception_windows: str | None, note: str) -> None:
    day = parse_iso_date(on, field="--on")
    exception = (None if exception_windows is None
                 else DayException(day, parse_windows(exception_windows), note))
    with bootstrap.container() as wired:
        actor = session.actor(wired, "offices")
        _changed(service.set_day(wired.uow, wired.holidays, actor=actor, code=code,
                                 exception=exception, on=day, now=wired.clock()))


@app.command("close")
def close(code: str = CODE, on: str = ON,
          note: str = typer.Option("", "--note", help="Why (printed to nobody but staff).")
          ) -> None:
    """Close the office on one day; its bookings are cancelled and listed (`displaced`)."""
    _set_day(code, on, "", note)


@app.command("open")
def open_day(code: str = CODE, on: str = ON,
             hours_text: str = typer.Option(..., "--hours", help="The day's windows: "
                                            "'09:00-12:00' or '08:30-12:00 13:00-17:15'."),
             note: str = typer.Option("", "--note")) -> None:
    """Give one day its own hours (even a holiday); bookings outside them are cancelled."""
    if not hours_text.strip():
        raise InvalidInput("--hours: give the windows, or use `offices close`")
    _set_day(code, on, hours_text, note)


@app.command("reset")
def reset(code: str = CODE, on: str = ON) -> None:
    """The day follows the weekly rules and the holidays again."""
    _set_day(code, on, None, "")


@app.command("displaced")
def displaced(code: str = CODE) -> None:
    """Bookings from today on that the office's closing cancelled: the residents to tell."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "offices")
        found = booking.displaced(wired.uow, wired.holidays, actor=actor, code=code,
                                  now=wired.clock())
    typer.echo(dumps([{**_booking(d.booking),
                       "offers": [at.astimezone(JST).isoformat() for at in d.offers]}
                      for d in found]))


def _booking(b: Appointment) -> dict[str, object]:
    local = b.starts_at.astimezone(JST)
    return {"reference": b.reference, "office": b.office_code, "date": local.date().isoformat(),
            "time": f"{local:%H:%M}", "purpose": b.purpose.value, "status": b.status.value,
            "has_email": b.email is not None}


def _print(bookings: Sequence[Appointment]) -> None:
    typer.echo(dumps([_booking(b) for b in bookings]))


@appointments_app.command("list")
def day_list(code: str = CODE, on: str = ON) -> None:
    """The office's bookings of one day, in slot order (JSON)."""
    day = parse_iso_date(on, field="--on")
    with bootstrap.container() as wired:
        actor = session.actor(wired, "appointments")
        _print(booking.day_list(wired.uow, actor=actor, office_code=code, on=day))


@appointments_app.command("mark")
def mark(reference: str = typer.Argument(..., help="The booking's reference."),
         step: DeskStep = typer.Argument(..., help="arrived, started, ended or no_show.")
         ) -> None:
    """Mark the resident's arrival, the start or end of service, or a no-show."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "appointments")
        _print([booking.mark(wired.uow, actor=actor, reference=reference, step=step,
                             now=wired.clock())])


@appointments_app.command("remind")
def remind(on: str | None = typer.Option(
        None, "--on", help="The day of the bookings (YYYY-MM-DD); tomorrow by default.")
        ) -> None:
    """Queue the e-mail reminders of one day's bookings (those who gave an address), to
    be sent by `email send`. Run it once a day, the day before; a second run queues
    nothing twice. Prints {"on", "bookings", "queued"}."""
    with bootstrap.container() as wired:
        now = wired.clock()
        day = (parse_iso_date(on, field="--on") if on is not None
               else now.astimezone(JST).date() + timedelta(days=1))
        typer.echo(dumps(appointment_mail.remind(wired.uow, actor=session.actor(wired, "mail"),
                                                 on=day, now=now)))
