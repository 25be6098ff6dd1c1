"""`mynumbercard mail ...` and `jobs validity-notices`: the validity letters and the mail.

`--workers N` runs N processes that share the work through the database (SKIP LOCKED on
PostgreSQL); the parent shows a progress bar from the job's chunk table.
"""

from __future__ import annotations

import json
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
from mynumbercard.cli import session
from mynumbercard.cli.jobs import job_moment
from mynumbercard.domain.dates import parse_iso_date
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
        typer.echo(json.dumps(mail.status(wired.uow)))


@app.command()
def resume(out: Path | None = OUT) -> None:
    """Resume mailing and send the backlog, oldest expiry first."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "mail")
        mail.resume(wired.uow, actor=actor, now=wired.clock())
        sent = _send(wired, actor, out, wired.clock())
        typer.echo(json.dumps(mail.status(wired.uow) | {"sent_now": sent.letters}))


@app.command()
def status() -> None:
    """Suspended or not, and the counts of queued, printing and sent letters."""
    with bootstrap.container() as wired:
        session.permitted(wired, "mail", Permission.PRODUCTION)
        typer.echo(json.dumps(mail.status(wired.uow)))


@app.command()
def send(out: Path | None = OUT) -> None:
    """Print the queue (unless suspended); prints each print file's path."""
    with bootstrap.container() as wired:
        sent = _send(wired, session.actor(wired, "mail"), out, wired.clock())
    for path in sent.files:
        typer.echo(path)
    typer.echo(json.dumps({"letters": sent.letters, "suspended": sent.suspended}), err=True)


def _worker(day: date, out: str | None, send_too: bool, actor: Actor) -> dict[str, Any]:
    """One process's share; `actor` was checked once as the job started."""
    with bootstrap.container() as wired:
        queued = validity_notices.queue_validity_notices(
            wired.uow, actor=actor, on=day, now=job_moment(day),
            chunk_rows=wired.settings.job_chunk_rows)
        sent = (_send(wired, actor, Path(out) if out else None, job_moment(day))
                if send_too else None)
    return {"days": queued.days, "card_letters": queued.card_letters,
            "certificate_letters": queued.certificate_letters,
            "sent": sent.letters if sent else 0}


def validity_notices_command(
    on: str = typer.Option(..., "--on", help="The day (YYYY-MM-DD) the job runs for."),
    workers: int = typer.Option(1, "--workers", min=1, max=32,
                                help="Processes sharing the work (PostgreSQL)."),
    out: Path | None = OUT,
    send_mail: bool = typer.Option(True, "--send/--no-send",
                                   help="Also print the queue (unless mailing is suspended)."),
) -> None:
    """Queue the validity letters of cards and certificates whose notice window opens on
    the day (and of unfinished days of the month before), then print the queue."""
    day = parse_iso_date(on, field="--on")
    with bootstrap.container() as wired:
        actor = session.actor(wired, "jobs")
    args = (day, str(out) if out else None, send_mail, actor)
    with bootstrap.container() as wired, Progress(transient=True) as progress:
        total = validity_notices.pending_chunks(wired.uow, on=day,
                                                chunk_rows=wired.settings.job_chunk_rows)
        task = progress.add_task("validity letters", total=max(total, 1))
        if workers == 1:
            results = [_worker(*args)]
        else:
            context = multiprocessing.get_context("spawn")
            with context.Pool(workers) as pool:
                pending = [pool.apply_async(_worker, args) for _ in range(workers)]
                while not all(p.ready() for p in pending):
                    left = validity_notices.remaining_chunks(wired.uow, on=day)
                    progress.update(task, completed=total - left)
                    clock.sleep(0.5)
                results = [p.get() for p in pending]
        progress.update(task, completed=max(total, 1))
    summary = {"days": sorted({d for r in results for d in r["days"]}),
               "card_letters": sum(r["card_letters"] for r in results),
               "certificate_letters": sum(r["certificate_letters"] for r in results),
               "sent": sum(r["sent"] for r in results)}
    typer.echo(json.dumps(summary))
