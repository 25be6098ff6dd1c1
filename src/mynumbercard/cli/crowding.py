"""`mynumbercard offices crowding|handoff` and `mynumbercard walk-ins add|mark`
(docs/offices.md "Crowding").

The forecast is public, as on the API; recording walk-ins takes a clerk of the office's
municipality, the hand-off proposal a clerk of the office's and the card's.
"""

from __future__ import annotations

import typer

from mynumbercard import bootstrap
from mynumbercard.cli import session
from mynumbercard.cli.output import dumps, plain
from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.dates import parse_iso_date
from mynumbercard.domain.walk_ins import WalkIn, WalkInStep
from mynumbercard.services import crowding as service

walk_ins_app = typer.Typer(help="Residents at the counter without a booking: arrival, "
                           "service.", no_args_is_help=True)
CODE = typer.Argument(..., help="The office's code: 13101 (main office) or 13101-02.")


def _minutes(value: float | None) -> int | None:
    return None if value is None else round(value)


def forecast_command(
        code: str = CODE,
        start: str | None = typer.Option(None, "--from", help="The first day (YYYY-MM-DD); "
                                         "default today."),
        days: int = typer.Option(14, "--days", min=1, max=service.MAX_DAYS)) -> None:
    """The wait expected in each open hour of the coming days (JSON)."""
    with bootstrap.container() as wired:
        now = wired.clock()
        first = (parse_iso_date(start, field="--from") if start
                 else now.astimezone(JST).date())
        found = service.crowding(wired.uow, wired.holidays, office_code=code, start=first,
                                 days=days, now=now, extra_deadlines=wired.deadlines)
    typer.echo(dumps({"office": found.office.code, "history_from": found.history_from,
                      "days": [{**d.hours.as_json(found.office.code), "hours": [
                          {"hour": f.hour, "expected_wait_minutes": _minutes(f.wait_minutes),
                           "level": f.level, "season_week": f.season_week}
                          for f in d.forecast]} for d in found.days]}))


def handoff_command(code: str = CODE,
                    card_number: str = typer.Argument(..., help="The holder's card number.")
                    ) -> None:
    """Whether to propose leaving the card for renewal by post now (JSON; `propose`)."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "offices")
        found = service.handoff_advice(wired.uow, wired.holidays, actor=actor,
                                       office_code=code, card_number=card_number[:32],
                                       now=wired.clock(), extra_deadlines=wired.deadlines)
    typer.echo(dumps({**plain(found),
                      "expected_wait_minutes": _minutes(found.expected_wait_minutes)}))


def _walk_in(w: WalkIn) -> dict[str, object]:
    return {"id": w.id, "office": w.office_code, "purpose": w.purpose.value,
            "status": w.status.value, "arrived_at": w.arrived_at,
            "started_at": w.started_at, "ended_at": w.ended_at}


@walk_ins_app.command("add")
def add(code: str = CODE,
        purpose: Purpose = typer.Option(Purpose.OTHER, "--purpose",
                                        help="pick_up, certificate_renewal, pin_unlock, loss "
                                             "or other.")) -> None:
    """A resident without a booking arrived now: prints the walk-in (its `id`)."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "walk-ins")
        typer.echo(dumps(_walk_in(service.record_walk_in(
            wired.uow, actor=actor, office_code=code, purpose=purpose, now=wired.clock()))))


@walk_ins_app.command("mark")
def mark(walk_in_id: int = typer.Argument(..., min=1, help="The walk-in's id."),
         step: WalkInStep = typer.Argument(..., help="started, ended or left.")) -> None:
    """The walk-in's service started or ended, or they left unserved."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "walk-ins")
        typer.echo(dumps(_walk_in(service.mark_walk_in(
            wired.uow, actor=actor, walk_in_id=walk_in_id, step=step, now=wired.clock()))))


def register(offices: typer.Typer) -> None:
    offices.command("crowding")(forecast_command)
    offices.command("handoff")(handoff_command)
