"""Renewal and expiry commands: `card renew`, `jobs expire`, `jobs custody-renew`.

They join the `card` and `jobs` groups (`register`), so those modules stay as they are.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from mynumbercard import bootstrap
from mynumbercard.adapters.card_terminal import ChipTerminal
from mynumbercard.chip import Chip
from mynumbercard.cli import session
from mynumbercard.domain.certificate import JST, CertKind
from mynumbercard.domain.dates import parse_iso_date
from mynumbercard.services import custody, expiry, renewal


def renew(
    file: Path = typer.Argument(..., help="The card file (in the counter's reader)."),
    kind: CertKind | None = typer.Option(None, "--kind",
                                         help="Only this certificate (default: both)."),
) -> None:
    """Counter use: renew the card's certificates (new key pairs on the same chip), from
    3 months before expiry, free, and after expiry. Prints JSON."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "card")
        terminal = ChipTerminal(Chip.open(file), wired.management_key())
        kinds = frozenset({kind}) if kind is not None else frozenset(CertKind)
        done = renewal.renew_certificates(wired.uow, lambda: wired.authority, terminal,
                                          actor=actor, kinds=kinds,
                                          now=wired.clock())
    typer.echo(json.dumps({"card_number": done.card_number, "certificates": [
        {"kind": c.kind.value, "serial": c.serial_hex, "not_after": c.not_after.isoformat()}
        for c in done.certificates]}))


def expire(
    on: str | None = typer.Option(None, "--on", help="The day (YYYY-MM-DD); default today."),
    since: str | None = typer.Option(None, "--since",
                                     help="Catch up: also every day from this one."),
) -> None:
    """Record the cards and certificates whose first invalid day is DATE (validity follows
    from the date anyway); each expired certificate's OCSP answer is replaced at once."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "jobs")
        now = wired.clock()
        day = parse_iso_date(on, field="--on") if on else now.astimezone(JST).date()
        first = parse_iso_date(since, field="--since") if since else None
        run = expiry.expire(wired.uow, lambda: wired.authority, actor=actor, on=day,
                            since=first, now=now)
    typer.echo(json.dumps({"from": run.first.isoformat(), "on": run.on.isoformat(),
                           "cards": run.cards, "certificates": run.certificates}))


def custody_renew(
    office: str | None = typer.Option(None, "--office", help="Only this municipality's "
                                      "office (5-digit code)."),
) -> None:
    """Renew the certificates of every card left at the offices for renewal; a card that
    cannot be renewed is listed with the reason and stays left_at_office."""
    with bootstrap.container() as wired:
        result = custody.renew_all_in_custody(wired.uow, wired.vault, lambda: wired.authority,
                                              actor=session.actor(wired, "jobs"),
                                              now=wired.clock(),
                                              office_code=office)
    typer.echo(json.dumps({"renewed": result.renewed,
                           "refused": {str(k): v for k, v in result.refused.items()}}))


def register(*, card: typer.Typer, jobs: typer.Typer) -> None:
    card.command(name="renew")(renew)
    jobs.command(name="expire")(expire)
    jobs.command(name="custody-renew")(custody_renew)
