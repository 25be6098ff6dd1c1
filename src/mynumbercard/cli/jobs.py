"""`mynumbercard jobs ...` and `letters ...`: the agency's batch steps, from cron.

Each command works in chunks until nothing is left and prints one JSON line with
what it did; several copies can run at once on PostgreSQL (rows are claimed with
SKIP LOCKED), and a run killed half-way is simply run again.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer

from mynumbercard import bootstrap
from mynumbercard.adapters.card_vault import FileCardVault
from mynumbercard.adapters.documents import PdfLetterPrinter
from mynumbercard.adapters.letter_files import LetterDirectory
from mynumbercard.cli import runs, session
from mynumbercard.cli.output import dumps
from mynumbercard.cli.runs import SIMULATE, YES, day_or_today, job_moment
from mynumbercard.domain.certificate import JST
from mynumbercard.services import issuance, moving, notices

app = typer.Typer(help="Batch jobs of the issuing agency.", no_args_is_help=True)
letters_app = typer.Typer(help="Letters to residents, as PDF files.", no_args_is_help=True)


ON = typer.Option(None, "--on", help="Run as of this day (YYYY-MM-DD); default today; a "
                  "day after today only with --simulate.")


@app.command()
def production(on: str | None = ON, simulate: bool = SIMULATE, yes: bool = YES) -> None:
    """Batch approved applications into production runs: a card with its chip for each
    (issued on the run's day). Prints the runs and, for each card made, its number,
    application and resident id. Simulated, the chips go to a temporary directory."""
    day = day_or_today(on, field="--on", simulate=simulate)

    def work(wired: bootstrap.Container, scratch: Path | None) -> dict[str, Any]:
        runs_made, made, cards = [], 0, []
        actor, now = session.actor(wired, "jobs"), _as_of(day, wired.clock())
        vault = wired.vault if scratch is None else FileCardVault(scratch / "cards",
                                                                  wired.management_key)
        while (result := issuance.run_production(wired.uow, vault, actor=actor,
                                                 now=now)).cards:
            runs_made.append(result.run_id)
            made += result.cards
            cards += [card.as_dict() for card in result.made]
        return {"runs": runs_made, "cards": made, "made": cards}

    typer.echo(dumps(runs.run(runs.Job("make cards", work, destructive=False),
                              simulate=simulate, yes=yes)))


@app.command()
def ship(on: str | None = ON, simulate: bool = SIMULATE, yes: bool = YES) -> None:
    """Ship produced cards to the municipal office of each holder's address."""
    day = day_or_today(on, field="--on", simulate=simulate)

    def work(wired: bootstrap.Container, _: Path | None) -> dict[str, Any]:
        shipments: dict[int, str] = {}
        cards = 0
        actor, now = session.actor(wired, "jobs"), _as_of(day, wired.clock())
        while (result := issuance.ship(wired.uow, actor=actor, now=now)).cards:
            shipments.update(result.shipments)
            cards += result.cards
        return {"shipments": [{"id": k, "office": v} for k, v in shipments.items()],
                "cards": cards}

    typer.echo(dumps(runs.run(runs.Job("ship cards", work, destructive=False),
                              simulate=simulate, yes=yes)))


def _as_of(day: date | None, clock: datetime) -> datetime:
    """The job's moment: now, or that of the day."""
    return clock if day is None else job_moment(day)


@app.command()
def uncollected(
    out: Path = typer.Option(..., "--out", help="Directory for the reminder letters."),
    on: str | None = ON,
    simulate: bool = SIMULATE,
    yes: bool = YES,
) -> None:
    """Cards past their pick-up deadline get a reminder; past the keeping period they are
    destroyed and the application is void. Asks first on a terminal (--yes for cron)."""
    day = day_or_today(on, field="--on", simulate=simulate)

    def work(wired: bootstrap.Container, letters: Path | None) -> dict[str, Any]:
        reminders: list[str] = []
        destroyed = 0
        printer, sink = PdfLetterPrinter(), LetterDirectory(letters or out)
        now = _as_of(day, wired.clock())
        actor = session.actor(wired, "jobs")
        while True:
            swept = notices.sweep_uncollected(
                wired.uow, printer, sink, None if wired.simulating else wired.vault,
                actor=actor, now=now, base_url=wired.settings.public_base_url.rstrip("/"))
            reminders += swept.reminders
            destroyed += swept.destroyed
            if not (swept.reminders or swept.destroyed):
                break
        return {"reminders": len(reminders), "destroyed": destroyed, "files": reminders}

    result = runs.run(runs.Job("send pick-up reminders and destroy uncollected cards", work,
                               describe=lambda r: f"{r['reminders']} reminders, "
                                                  f"{r['destroyed']} cards destroyed"),
                      simulate=simulate, yes=yes)
    for path in result.pop("files"):
        typer.echo(path)
    typer.echo(dumps(result), err=True)


@app.command("card-lapse")
def card_lapse(on: str | None = ON, simulate: bool = SIMULATE, yes: bool = YES) -> None:
    """Cards carried in a move whose limit passed lapse, with both certificates revoked:
    no moving-in within 30 days of the planned day (or 14 of moving in), no continued use
    within 90 days of the moving-in (docs/register.md). Run daily (--yes); prints JSON."""
    day = day_or_today(on, field="--on", simulate=simulate)

    def work(wired: bootstrap.Container, _: Path | None) -> dict[str, Any]:
        now = _as_of(day, wired.clock())
        return {"lapsed": moving.lapse_overdue_cards(
            wired.uow, actor=session.actor(wired, "jobs"), on=now.astimezone(JST).date(),
            now=now, ca=wired.ca)}

    result = runs.run(runs.Job("lapse the cards whose move was not completed in time", work,
                               describe=lambda r: f"{r['lapsed']} cards lapse, their "
                                                  "certificates revoked"),
                      simulate=simulate, yes=yes)
    typer.echo(dumps(result))


@letters_app.command("issuance-notices")
def issuance_notices(
    out: Path = typer.Option(..., "--out", help="Directory to write the PDF notices into."),
) -> None:
    """A notice of issuance (PDF postcard) for every card that arrived at its office, with
    its sealed PIN-setting request form; prints each file's path."""
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
    forms = sum(1 for path in written if Path(path).name.startswith("pin-form-"))
    typer.echo(f"{len(written) - forms} notices, {forms} PIN forms", err=True)
