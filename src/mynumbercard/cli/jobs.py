"""`mynumbercard jobs ...` and `letters ...`: the agency's batch steps, from cron.

Each command works in chunks until nothing is left and prints one JSON line with
what it did; several copies can run at once on PostgreSQL (rows are claimed with
SKIP LOCKED), and a run killed half-way is simply run again.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path

import typer

from mynumbercard import bootstrap
from mynumbercard.adapters.documents import PdfLetterPrinter
from mynumbercard.adapters.letter_files import LetterDirectory
from mynumbercard.cli import session
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.dates import parse_iso_date
from mynumbercard.services import issuance, moving, notices

app = typer.Typer(help="Batch jobs of the issuing agency.", no_args_is_help=True)
letters_app = typer.Typer(help="Letters to residents, as PDF files.", no_args_is_help=True)


@app.command()
def production() -> None:
    """Batch approved applications into production runs: a card with its chip for each."""
    runs, made = [], 0
    with bootstrap.container() as wired:
        actor = session.actor(wired, "jobs")
        while (result := issuance.run_production(wired.uow, wired.vault, actor=actor,
                                                 now=wired.clock())).cards:
            runs.append(result.run_id)
            made += result.cards
    typer.echo(json.dumps({"runs": runs, "cards": made}))


@app.command()
def ship() -> None:
    """Ship produced cards to the municipal office of each holder's address."""
    shipments: dict[int, str] = {}
    cards = 0
    with bootstrap.container() as wired:
        actor = session.actor(wired, "jobs")
        while (result := issuance.ship(wired.uow, actor=actor, now=wired.clock())).cards:
            shipments.update(result.shipments)
            cards += result.cards
    typer.echo(json.dumps({"shipments": [{"id": k, "office": v} for k, v in shipments.items()],
                           "cards": cards}))


def job_moment(day: date) -> datetime:
    """A job run for a given day (catching up a day nobody ran it) acts at 9:00 in Japan."""
    return datetime.combine(day, time(9), tzinfo=JST)


def _as_of(on: str | None, clock: datetime) -> datetime:
    """The job's moment: now, or that of the day `on`."""
    return clock if on is None else job_moment(parse_iso_date(on, field="--on"))


@app.command()
def uncollected(
    out: Path = typer.Option(..., "--out", help="Directory for the reminder letters."),
    on: str | None = typer.Option(None, "--on", help="Run as of this day (YYYY-MM-DD)."),
) -> None:
    """Cards past their pick-up deadline get a reminder; past the keeping period they are
    destroyed and the application is void."""
    reminders: list[str] = []
    destroyed = 0
    with bootstrap.container() as wired:
        actor = session.actor(wired, "jobs")
        printer, sink = PdfLetterPrinter(), LetterDirectory(out)
        now = _as_of(on, wired.clock())
        while True:
            swept = notices.sweep_uncollected(
                wired.uow, printer, sink, wired.vault, actor=actor, now=now,
                base_url=wired.settings.public_base_url.rstrip("/"))
            reminders += swept.reminders
            destroyed += swept.destroyed
            if not (swept.reminders or swept.destroyed):
                break
    for path in reminders:
        typer.echo(path)
    typer.echo(json.dumps({"reminders": len(reminders), "destroyed": destroyed}), err=True)


@app.command("card-lapse")
def card_lapse(
    on: str | None = typer.Option(None, "--on", help="Run as of this day (YYYY-MM-DD)."),
) -> None:
    """Cards carried in a move whose limit passed lapse, with both certificates revoked:
    no moving-in within 30 days of the planned day (or 14 of moving in), no continued use
    within 90 days of the moving-in (docs/register.md). Run daily; prints JSON."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "jobs")
        now = _as_of(on, wired.clock())
        lapsed = moving.lapse_overdue_cards(wired.uow, actor=actor,
                                            on=now.astimezone(JST).date(), now=now,
                                            ca=wired.ca)
    typer.echo(json.dumps({"lapsed": lapsed}))


@letters_app.command("issuance-notices")
def issuance_notices(
    out: Path = typer.Option(..., "--out", help="Directory to write the PDF notices into."),
) -> None:
    """A notice of issuance (PDF postcard) for every card that arrived at its office;
    prints each file's path."""
    written: list[str] = []
    with bootstrap.container() as wired:
        actor = session.actor(wired, "letters")
        printer, sink = PdfLetterPrinter(), LetterDirectory(out)
        while printed := notices.print_issuance_notices(
                wired.uow, printer, sink, actor=actor, now=wired.clock(),
                base_url=wired.settings.public_base_url.rstrip("/")).files:
            written += printed
            for path in printed:
                typer.echo(path)
    typer.echo(f"{len(written)} notices", err=True)
