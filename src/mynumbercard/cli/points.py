"""`mynumbercard points ...`: My Number Points' campaigns (administrator) and the totals
per payment service for settlement (operators and administrators; docs/services.md "My
Number Points"). The holder's commands with the card are in points_card.py."""

from __future__ import annotations

from datetime import datetime

import typer

from mynumbercard import bootstrap
from mynumbercard.cli import session
from mynumbercard.cli.output import dumps
from mynumbercard.domain.points import Campaign, ReportKind
from mynumbercard.services import points

app = typer.Typer(help="My Number Points: campaigns, settlement, and the holder's "
                  "enrolment and points with the card.", no_args_is_help=True)


@app.command()
def campaign(  # noqa: PLR0917 - typer options
    name: str = typer.Argument(..., help="A short name (A-Z a-z 0-9 . _ -)."),
    start: datetime = typer.Option(..., "--from", formats=["%Y-%m-%d"],
                                   help="The first day (Japan time)."),
    end: datetime = typer.Option(..., "--to", formats=["%Y-%m-%d"],
                                 help="The last day, included."),
    rate: int = typer.Option(25, "--rate", help="Per cent of each report granted."),
    cap: int = typer.Option(5000, "--cap", help="Yen per person over the period."),
    qualifies: list[ReportKind] = typer.Option(
        ["charge", "purchase"], "--qualifies", help="charge and/or purchase (repeat)."),
) -> None:
    """Add a campaign (no period may overlap another's). Prints JSON."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "points")
        view = points.add_campaign(wired.uow, actor=actor, now=wired.clock(),
                                   make=lambda: Campaign(name, start.date(), end.date(),
                                                         rate, cap, frozenset(qualifies)))
    typer.echo(dumps(view))


@app.command()
def campaigns() -> None:
    """The campaigns. Prints JSON."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "points")
        typer.echo(dumps(points.list_campaigns(wired.uow, actor=actor)))


@app.command()
def settlement(
    campaign_name: str | None = typer.Option(None, "--campaign", help="One campaign only."),
) -> None:
    """Reports and points granted per payment service (what each is paid back). Prints
    JSON."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "points")
        view = points.settlement(wired.uow, actor=actor, campaign=campaign_name,
                                 now=wired.clock())
    typer.echo(dumps(view))
