"""`mynumbercard mail ...` and `jobs validity-notices`: the validity letters and the mail.

`--workers N` runs N processes that share the work through the database (SKIP LOCKED on
PostgreSQL); the parent shows a progress bar from the job's chunk table.
"""

from __future__ import annotations

import multiprocessing
import time as clock
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress

from mynumbercard import bootstrap
from mynumbercard.adapters.documents import PdfLetterPrinter
from mynumbercard.adapters.letter_files import LetterDirectory
from mynumbercard.cli import runs, session
from mynumbercard.cli.output import dumps, plain
from mynumbercard.cli.runs import SIMULATE, YES, day_or_today, job_moment, today
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import mail, validity_notices

app = typer.Typer(help="Outgoing mail: suspend, resume, status, send.", no_args_is_help=True)

OUT = typer.Option(None, "--out", help="Print files go here (default $MYNUMBERCARD_HOME/mail).")


def _out(wired: bootstrap.Container, out: Path | None) -> LetterDirectory:
    return LetterDirectory(out or wired.settings.home / "mail")


def _send(wired: bootstrap.Container, actor: Actor, out: Path | None,
          now: datetime) -> mail.Dispatched:
    return mail.dispatch(wired.uow, PdfLetterPrinter(), _out(wired, out), actor=actor,
                         now=now, base_url=wired.settings.public_base_url.rstrip("/"))


@app.command()
def suspend(reason: str = typer.Option(..., "--reason", help="Why, for the record.")) -> None:
    """Stop mailing; jobs keep queueing letters."""
    with bootstrap.container() as wired:
        mail.suspend(wired.uow, actor=session.actor(wired, "mail"), reason=reason,
                     now=wired.clock())
        typer.echo(dumps(mail.status(wired.uow)))


@app.command()
def resume(out: Path | None = OUT) -> None:
    """Resume mailing and send the backlog, oldest expiry first."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "mail")
        mail.resume(wired.uow, actor=actor, now=wired.clock())
        sent = _send(wired, actor, out, wired.clock())
        typer.echo(dumps(plain(mail.status(wired.uow)) | {"sent_now": sent.letters}))


@app.command()
def status() -> None:
    """Suspended or not, and the counts of queued, printing and sent letters."""
    with bootstrap.container() as wired:
        session.permitted(wired, "mail", Permission.PRODUCTION)
        typer.echo(dumps(mail.status(wired.uow)))


@app.command()
def send(out: Path | None = OUT) -> None:
    """Print the queue (unless suspended); prints each print file's path."""
    with bootstrap.container() as wired:
        sent = _send(wired, session.actor(wired, "mail"), out, wired.clock())
    for path in sent.files:
        typer.echo(path)
    typer.echo(dumps({"letters": sent.letters, "suspended": sent.suspended}), err=True)


def _queue(wired: bootstrap.Container, day: date, out: Path | None, send_too: bool,
           actor: Actor) -> dict[str, Any]:
    queued = validity_notices.queue_validity_notices(
        wired.uow, actor=actor, on=day, now=job_moment(day),
        chunk_rows=wired.settings.job_chunk_rows)
    sent = _send(wired, actor, out, job_moment(day)) if send_too else None
    return {"days": queued.days, "card_letters": queued.card_letters,
            "certificate_letters": queued.certificate_letters,
            "sent": sent.letters if sent else 0}


def _worker(day: date, out: str | None, send_too: bool, actor: Actor) -> dict[str, Any]:
    """One process's share; `actor` was checked once as the job started."""
    with bootstrap.container() as wired:
        return _queue(wired, day, Path(out) if out else None, send_too, actor)


def _in_parallel(wired: bootstrap.Container, args: tuple[date, str | None, bool, Actor],
                 workers: int) -> list[dict[str, Any]]:
    day = args[0]
    with Progress(transient=True) as progress:
        total = validity_notices.pending_chunks(wired.uow, on=day,
                                                chunk_rows=wired.settings.job_chunk_rows)
        task = progress.add_task("validity letters", total=max(total, 1))
        context = multiprocessing.get_context("spawn")
        with context.Pool(workers) as pool:
            pending = [pool.apply_async(_worker, args) for _ in range(workers)]
            while not all(p.ready() for p in pending):
                left = validity_notices.remaining_chunks(wired.uow, on=day)
                progress.update(task, completed=total - left)
                clock.sleep(0.5)
            return [p.get() for p in pending]


def validity_notices_command(  # noqa: PLR0917 - typer options
    on: str | None = typer.Option(None, "--on", help="The day (YYYY-MM-DD) the job runs "
                                  "for; default today; a day after today only with "
                                  "--simulate."),
    workers: int = typer.Option(1, "--workers", min=1, max=32,
                                help="Processes sharing the work (PostgreSQL)."),
    out: Path | None = OUT,
    send_mail: bool = typer.Option(True, "--send/--no-send",
                                   help="Also print the queue (unless mailing is suspended)."),
    simulate: bool = SIMULATE,
    yes: bool = YES,
) -> None:
    """Queue the validity letters of cards and certificates whose notice window opens on
    the day (and of unfinished days of the month before), then print the queue. A card's
    letter carries a new renewal form, which replaces the holder's live one: asks first
    on a terminal (--yes for cron)."""
    day = day_or_today(on, field="--on", simulate=simulate) or today()

    def work(wired: bootstrap.Container, letters: Path | None) -> dict[str, Any]:
        target = letters or out
        actor = session.actor(wired, "jobs")  # checked once, as the job starts
        if workers == 1 or wired.simulating:  # a simulation is one transaction
            results = [_queue(wired, day, target, send_mail, actor)]
        else:
            results = _in_parallel(
                wired, (day, str(target) if target else None, send_mail, actor), workers)
        return {"days": sorted({d for r in results for d in r["days"]}),
                "card_letters": sum(r["card_letters"] for r in results),
                "certificate_letters": sum(r["certificate_letters"] for r in results),
                "sent": sum(r["sent"] for r in results)}

    typer.echo(dumps(runs.run(runs.Job(
        f"queue the validity letters of {day} (each card's with a new renewal form that "
        "replaces the holder's live one)", work,
        describe=lambda r: f"{r['card_letters']} card letters, {r['certificate_letters']} "
                           f"certificate letters, {r['sent']} printed"),
        simulate=simulate, yes=yes), default=str))
