"""`mynumbercard email send|status`: the e-mail notices' outbox.

`send` sends what is due once (cron, every minute) or, with `--every SECONDS`, keeps
sending until stopped (a worker). It acts as the signed-in member or a service account
of the `mail` scope, like `mail send`.
"""

from __future__ import annotations

import time

import typer

from mynumbercard import batch_jobs, bootstrap
from mynumbercard.cli import runs, session
from mynumbercard.cli.output import dumps
from mynumbercard.domain.staff import Permission
from mynumbercard.services import email

app = typer.Typer(help="Outgoing e-mail: send the queue, its status.", no_args_is_help=True)


def _send_once(wired: bootstrap.Container) -> email.EmailStatus:
    actor = session.permitted(wired, "mail", Permission.PRODUCTION)
    order = batch_jobs.EmailSend(run_key=batch_jobs.queue_run_key(wired, email.EMAIL),
                                 actor=actor, now=wired.clock())
    with runs.progress_bar("e-mail") as shown:
        batch_jobs.start(wired, order, on_progress=shown)
    return email.status(wired.uow, actor=actor)


@app.command()
def send(every: float | None = typer.Option(
        None, "--every", min=1, max=3600,
        help="Keep sending, every SECONDS, until stopped (Ctrl-C).")) -> None:
    """Send the due e-mail; a message the server cannot take now is tried again later
    (1, 2, 4 ... minutes, at most an hour apart); one it refuses for good is `rejected`.
    Prints the outbox's counts after each round (as `email status`)."""
    with bootstrap.container() as wired:
        while True:
            typer.echo(dumps(_send_once(wired)))
            if every is None:
                return
            time.sleep(every)


@app.command()
def status() -> None:
    """The counts of queued, sent and rejected messages, and the oldest queued."""
    with bootstrap.container() as wired:
        typer.echo(dumps(email.status(wired.uow, actor=session.actor(wired, "mail"))))
