"""Renewal and expiry commands: `card renew`, `jobs expire` (a card left at the office
is renewed at the counter terminal, one card at a time: there is no custody batch).

They join the `card` and `jobs` groups (`register`), so those modules stay as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from mynumbercard import batch_jobs, bootstrap
from mynumbercard.cli import runs, session
from mynumbercard.cli.output import dumps
from mynumbercard.cli.runs import SIMULATE, WORKERS, YES, day_or_today
from mynumbercard.domain.certificate import JST, CertKind
from mynumbercard.services import expiry, renewal


def renew(
    file: Path | None = typer.Argument(None, help="The card file (or --reader)."),
    reader: str | None = typer.Option(None, "--reader", help="The PC/SC reader with the "
                                      "card in it (a part of its name)."),
    kind: CertKind | None = typer.Option(None, "--kind",
                                         help="Only this certificate (default: both)."),
) -> None:
    """Counter use: renew the card's certificates (new key pairs on the same chip), from
    3 months before expiry, free, and after expiry. Prints JSON."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "card")
        kinds = frozenset({kind}) if kind is not None else frozenset(CertKind)
        with wired.counter_terminal(file=file, reader=reader) as terminal:
            done = renewal.renew_certificates(wired.uow, lambda: wired.authority, terminal,
                                              actor=actor, kinds=kinds, now=wired.clock())
    typer.echo(dumps({"card_number": done.card_number, "certificates": [
        {"kind": c.kind.value, "serial": c.serial_hex, "not_after": c.not_after.isoformat()}
        for c in done.certificates]}))


def expire(
    on: str | None = typer.Option(None, "--on", help="The day (YYYY-MM-DD); default today; "
                                  "a day after today only with --simulate."),
    since: str | None = typer.Option(None, "--since",
                                     help="Catch up: also every day from this one."),
    workers: int = WORKERS,
    simulate: bool = SIMULATE,
    yes: bool = YES,
) -> None:
    """Record the cards and certificates whose first invalid day is DATE (validity follows
    from the date anyway); each expired certificate's OCSP answer is replaced at once.
    Asks first on a terminal (--yes for cron)."""
    day = day_or_today(on, field="--on", simulate=simulate)
    first = day_or_today(since, field="--since", simulate=simulate)

    def work(wired: bootstrap.Container, _: Path | None) -> dict[str, Any]:
        now = wired.clock()
        if day is not None and day > now.astimezone(JST).date():  # simulated: that day
            now = runs.job_moment(day)
        on_day = day or now.astimezone(JST).date()
        order = batch_jobs.Expire(on=on_day, since=first, actor=session.actor(wired, "jobs"),
                                  now=now)
        with runs.progress_bar("expiry") as shown:
            ran = batch_jobs.start(wired, order, workers=workers, on_progress=shown)
        run = expiry.result(ran.started, on=on_day, since=first)
        return {"from": run.first.isoformat(), "on": run.on.isoformat(),
                "cards": run.cards, "certificates": run.certificates}

    typer.echo(dumps(runs.run(runs.Job(
        "record expired cards and certificates (their OCSP answers become unauthorized)",
        work, describe=lambda r: f"{r['cards']} cards and {r['certificates']} certificates "
                                 f"expire, {r['from']} to {r['on']}"),
        simulate=simulate, yes=yes)))


def register(*, card: typer.Typer, jobs: typer.Typer) -> None:
    card.command(name="renew")(renew)
    jobs.command(name="expire")(expire)
