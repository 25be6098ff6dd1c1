"""`mynumbercard jobs ...` and `letters ...`: the agency's batch steps, from cron.

Each command is a batch job (`services/batch.py`, wired in `batch_jobs.py`): planned
once into chunks, done by `--workers N` processes (chunks claimed with SKIP LOCKED on
PostgreSQL), a run killed half-way resumed by running it again; it prints one JSON line
with what it did.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer

from mynumbercard import batch_jobs, bootstrap
from mynumbercard.cli import runs, session
from mynumbercard.cli.output import dumps, plain
from mynumbercard.cli.runs import SIMULATE, WORKERS, YES, day_or_today, job_moment
from mynumbercard.domain.certificate import JST
from mynumbercard.services import batch, challenge_pruning, issuance, moving, notices

app = typer.Typer(help="Batch jobs of the issuing agency.", no_args_is_help=True)
letters_app = typer.Typer(help="Letters to residents, as PDF files.", no_args_is_help=True)


ON = typer.Option(None, "--on", help="Run as of this day (YYYY-MM-DD); default today; a "
                  "day after today only with --simulate.")


def _started(order: batch_jobs.Order, label: str, workers: int) -> batch.Outcome:
    with bootstrap.container() as wired, runs.progress_bar(label) as shown:
        return batch_jobs.start(wired, order, workers=workers,
                                on_progress=shown).started.outcome


@app.command()
def production(on: str | None = ON, workers: int = WORKERS, simulate: bool = SIMULATE,
               yes: bool = YES) -> None:
    """Batch approved applications into production runs: a card with its chip for each
    (issued on the run's day). Prints the runs and, for each card made, its number,
    application and resident id. Simulated, the chips go to a temporary directory."""
    day = day_or_today(on, field="--on", simulate=simulate)

    def work(wired: bootstrap.Container, scratch: Path | None) -> dict[str, Any]:
        actor = session.actor(wired, "jobs")  # who asks comes before what is read
        order = batch_jobs.Production(
            run_key=batch_jobs.queue_run_key(wired, issuance.PRODUCTION), actor=actor,
            now=_as_of(day, wired.clock()), chips=None if scratch is None else scratch / "cards")
        with runs.progress_bar("production") as shown:
            ran = batch_jobs.start(wired, order, workers=workers, on_progress=shown)
        made = issuance.runs_of(ran.started.outcome)
        return {"runs": [r.run_id for r in made], "cards": sum(r.cards for r in made),
                "made": [plain(card) for r in made for card in r.made]}

    typer.echo(dumps(runs.run(runs.Job("make cards", work, destructive=False),
                              simulate=simulate, yes=yes)))


@app.command()
def ship(on: str | None = ON, workers: int = WORKERS, simulate: bool = SIMULATE,
         yes: bool = YES) -> None:
    """Ship produced cards to the municipal office of each holder's address."""
    day = day_or_today(on, field="--on", simulate=simulate)

    def work(wired: bootstrap.Container, _: Path | None) -> dict[str, Any]:
        actor = session.actor(wired, "jobs")
        order = batch_jobs.Shipping(run_key=batch_jobs.queue_run_key(wired, issuance.SHIPPING),
                                    actor=actor, now=_as_of(day, wired.clock()))
        with runs.progress_bar("shipping") as shown:
            ran = batch_jobs.start(wired, order, workers=workers, on_progress=shown)
        shipped = issuance.shipments_of(ran.started.outcome)
        return {"shipments": [{"id": k, "office": v} for r in shipped
                              for k, v in r.shipments.items()],
                "cards": sum(r.cards for r in shipped)}

    typer.echo(dumps(runs.run(runs.Job("ship cards", work, destructive=False),
                              simulate=simulate, yes=yes)))


def _as_of(day: date | None, clock: datetime) -> datetime:
    """The job's moment: now, or that of the day."""
    return clock if day is None else job_moment(day)


@app.command()
def uncollected(
    out: Path = typer.Option(..., "--out", help="Directory for the reminder letters."),
    on: str | None = ON,
    workers: int = WORKERS,
    simulate: bool = SIMULATE,
    yes: bool = YES,
) -> None:
    """Cards past their pick-up deadline get a reminder; past the keeping period they are
    destroyed and the application is void. Asks first on a terminal (--yes for cron)."""
    day = day_or_today(on, field="--on", simulate=simulate)

    def work(wired: bootstrap.Container, letters: Path | None) -> dict[str, Any]:
        actor = session.actor(wired, "jobs")
        order = batch_jobs.Uncollected(
            run_key=batch_jobs.queue_run_key(wired, notices.UNCOLLECTED), actor=actor,
            now=_as_of(day, wired.clock()), out=letters or out)
        with runs.progress_bar("uncollected cards") as shown:
            ran = batch_jobs.start(wired, order, workers=workers, on_progress=shown)
        swept = notices.swept_of(ran.started.outcome)
        return {"reminders": len(swept.reminders), "destroyed": swept.destroyed,
                "files": swept.reminders}

    result = runs.run(runs.Job("send pick-up reminders and destroy uncollected cards", work,
                               describe=lambda r: f"{r['reminders']} reminders, "
                                                  f"{r['destroyed']} cards destroyed"),
                      simulate=simulate, yes=yes)
    for path in result.pop("files"):
        typer.echo(path)
    typer.echo(dumps(result), err=True)


@app.command("card-lapse")
def card_lapse(on: str | None = ON, workers: int = WORKERS, simulate: bool = SIMULATE,
               yes: bool = YES) -> None:
    """Cards carried in a move whose limit passed lapse, with both certificates revoked:
    no moving-in within 30 days of the planned day (or 14 of moving in), no continued use
    within 90 days of the moving-in (docs/register.md). Run daily (--yes); prints JSON."""
    day = day_or_today(on, field="--on", simulate=simulate)

    def work(wired: bootstrap.Container, _: Path | None) -> dict[str, Any]:
        actor, now = session.actor(wired, "jobs"), _as_of(day, wired.clock())
        order = batch_jobs.CardLapse(
            run_key=batch_jobs.queue_run_key(wired, moving.CARD_LAPSE), actor=actor,
            on=now.astimezone(JST).date(), now=now)
        with runs.progress_bar("card lapse") as shown:
            ran = batch_jobs.start(wired, order, workers=workers, on_progress=shown)
        return {"lapsed": moving.lapsed_of(ran.started.outcome)}

    result = runs.run(runs.Job("lapse the cards whose move was not completed in time", work,
                               describe=lambda r: f"{r['lapsed']} cards lapse, their "
                                                  "certificates revoked"),
                      simulate=simulate, yes=yes)
    typer.echo(dumps(result))


@app.command("prune-challenges")
def prune_challenges(workers: int = WORKERS) -> None:
    """Delete the card challenges (the kiosk's and the holders') that have expired: an
    answer to one is refused as `replayed` either way. Run hourly or daily (cron); a live
    challenge is never touched. Prints JSON."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "jobs")
        order = batch_jobs.ChallengePrune(
            run_key=batch_jobs.queue_run_key(wired, challenge_pruning.JOB), actor=actor,
            now=wired.clock())
    pruned = challenge_pruning.pruned_of(_started(order, "expired challenges", workers))
    typer.echo(dumps({"pruned": pruned}))


@letters_app.command("issuance-notices")
def issuance_notices(
    out: Path = typer.Option(..., "--out", help="Directory to write the PDF notices into."),
    workers: int = WORKERS,
) -> None:
    """A notice of issuance (PDF postcard) for every card that arrived at its office, with
    its sealed PIN-setting request form; prints each file's path."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "letters")
        order = batch_jobs.IssuanceNotices(
            run_key=batch_jobs.queue_run_key(wired, notices.ISSUANCE_NOTICES), actor=actor,
            now=wired.clock(), out=out)
    written = notices.printed_of(_started(order, "notices of issuance", workers)).files
    for path in written:
        typer.echo(path)
    forms = sum(1 for path in written if Path(path).name.startswith("pin-form-"))
    typer.echo(f"{len(written) - forms} notices, {forms} PIN forms", err=True)
