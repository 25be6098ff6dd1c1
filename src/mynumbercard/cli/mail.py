"""`mynumbercard mail ...` and `jobs validity-notices`: the validity letters and the mail.

`--workers N` runs N processes that share the work through the database (SKIP LOCKED on
PostgreSQL), started by `batch_jobs.start`; a terminal shows a progress bar read from the
job's chunk table.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from mynumbercard import batch_jobs, bootstrap
from mynumbercard.cli import runs, session
from mynumbercard.cli.output import dumps, plain
from mynumbercard.cli.runs import SIMULATE, WORKERS, YES, day_or_today, job_moment, today
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import mail, validity_notices

app = typer.Typer(help="Outgoing mail: suspend, resume, status, send.", no_args_is_help=True)

OUT = typer.Option(None, "--out", help="Print files go here (default $MYNUMBERCARD_HOME/mail).")


def _send(wired: bootstrap.Container, actor: Actor, out: Path | None, now: datetime, *,
          workers: int = 1) -> mail.Dispatched:
    actor.require(Permission.PRODUCTION)
    if mail.is_suspended(wired.uow):
        return mail.Dispatched([], 0, suspended=True)
    order = batch_jobs.MailSend(run_key=batch_jobs.queue_run_key(wired, mail.MAIL),
                                actor=actor, now=now, out=out)
    with runs.progress_bar("mail") as shown:
        ran = batch_jobs.start(wired, order, workers=workers, on_progress=shown)
    return mail.dispatched(ran.started.outcome)


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
def send(out: Path | None = OUT, workers: int = WORKERS) -> None:
    """Print the queue (unless suspended); prints each print file's path."""
    with bootstrap.container() as wired:
        sent = _send(wired, session.actor(wired, "mail"), out, wired.clock(), workers=workers)
    for path in sent.files:
        typer.echo(path)
    typer.echo(dumps({"letters": sent.letters, "suspended": sent.suspended}), err=True)


def validity_notices_command(  # noqa: PLR0917 - typer options
    on: str | None = typer.Option(None, "--on", help="The day (YYYY-MM-DD) the job runs "
                                  "for; default today; a day after today only with "
                                  "--simulate."),
    workers: int = WORKERS,
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
        actor = session.actor(wired, "jobs")  # checked once, as the job starts
        order = batch_jobs.ValidityNotices(on=day, actor=actor, now=job_moment(day))
        with runs.progress_bar("validity letters") as shown:
            ran = batch_jobs.start(wired, order, workers=workers, on_progress=shown)
        queued = validity_notices.summary(ran.started, ran.steps)
        sent = _send(wired, actor, letters or out, job_moment(day)) if send_mail else None
        return {"days": queued.days, "card_letters": queued.card_letters,
                "certificate_letters": queued.certificate_letters,
                "sent": sent.letters if sent else 0}

    typer.echo(dumps(runs.run(runs.Job(
        f"queue the validity letters of {day} (each card's with a new renewal form that "
        "replaces the holder's live one)", work,
        describe=lambda r: f"{r['card_letters']} card letters, {r['certificate_letters']} "
                           f"certificate letters, {r['sent']} printed"),
        simulate=simulate, yes=yes), default=str))
