"""`mynumbercard residents find`, `applications list|show`, `card show`: look-ups for staff
at a terminal, printing JSON. They run as ``cli:<OS user>`` with the administrator's
rights (as `staff` does) until the CLI has a staff sign-in; every read is audited."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer

from mynumbercard import bootstrap
from mynumbercard.cli import session
from mynumbercard.cli.output import plain
from mynumbercard.domain.application import ApplicationStatus, Channel
from mynumbercard.domain.dates import parse_iso_date
from mynumbercard.domain.resident import Resident
from mynumbercard.services import application_views, lookups
from mynumbercard.services.lookup_ports import QueueFilter

applications_app = typer.Typer(help="Applications: the review queue, one application.",
                               no_args_is_help=True)


def _day(text: str | None, option: str) -> date | None:
    return parse_iso_date(text, field=option) if text is not None else None


def _resident(r: Resident) -> dict[str, Any]:
    return {"id": r.id, "individual_number": r.individual_number,
            "name": r.full_name, "kana": r.full_name_kana,
            "birth_date": r.birth_date.isoformat(), "municipality_code": r.municipality_code,
            "postal_code": r.postal_code, "address": r.address, "status": r.status.value}


def find(
    *,
    number: str | None = typer.Option(None, "--number", help="Individual Number."),
    name: str | None = typer.Option(None, "--name", help="Name or kana prefix (with "
                                    "--birth-date); hiragana, katakana, half-width alike."),
    birth_date: str | None = typer.Option(None, "--birth-date", metavar="YYYY-MM-DD"),
    postal_code: str | None = typer.Option(None, "--postal-code", help="7 digits."),
    address: str | None = typer.Option(None, "--address", help="Address prefix (with "
                                       "--postal-code)."),
    municipality: str | None = typer.Option(None, "--municipality", metavar="CODE"),
    limit: int = typer.Option(20, "--limit", min=1, max=lookups.MAX_RESULTS),
) -> None:
    """Find residents: by number; by name with birth date; by postal code and address.
    Prints one JSON object a resident."""
    query = lookups.ResidentQuery(number=number, name=name,
                                  birth_date=_day(birth_date, "--birth-date"),
                                  postal_code=postal_code, address=address,
                                  municipality_code=municipality, limit=limit)
    with bootstrap.container() as wired:
        actor = session.actor(wired, "residents")
        found = lookups.search_residents(wired.uow, actor=actor, query=query,
                                         now=wired.clock())
    for resident in found:
        typer.echo(json.dumps(_resident(resident), ensure_ascii=False))


@applications_app.command("list")
def list_applications(
    *,
    status: ApplicationStatus = typer.Option(..., "--status"),
    channel: Channel | None = typer.Option(None, "--channel"),
    municipality: str | None = typer.Option(None, "--municipality", metavar="CODE"),
    received_from: str | None = typer.Option(None, "--from", metavar="YYYY-MM-DD"),
    received_to: str | None = typer.Option(None, "--to", metavar="YYYY-MM-DD"),
    after: str | None = typer.Option(None, "--after", help="The cursor a page ended with."),
    limit: int = typer.Option(50, "--limit", min=1, max=lookups.MAX_QUEUE_PAGE),
) -> None:
    """The review queue: applications of one status, oldest first. Prints one JSON object
    an application, then `{"next": CURSOR}` (pass it to --after) if there is more."""
    wanted = QueueFilter(status, channel, municipality, _day(received_from, "--from"),
                         _day(received_to, "--to"),
                         lookups.parse_cursor(after) if after is not None else None)
    with bootstrap.container() as wired:
        actor = session.actor(wired, "applications")
        page = lookups.application_queue(wired.uow, actor=actor, wanted=wanted,
                                         limit=limit, now=wired.clock())
    for a in page.applications:
        typer.echo(json.dumps({"id": a.id, "application_id": a.application_id,
                               "resident_id": a.resident_id, "kind": a.kind.value,
                               "channel": a.channel.value, "status": a.status.value,
                               "received_on": a.received_on.isoformat()}))
    if page.next is not None:
        typer.echo(json.dumps({"next": page.next}))


@applications_app.command("show")
def show_application(
    application_id: str = typer.Argument(..., help="Application ID (hyphens allowed)."),
) -> None:
    """One application by its Application ID, as the reviewer sees it (JSON)."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "applications")
        ref = lookups.application_ref(wired.uow, actor=actor, application_id=application_id)
        view = application_views.application_view(wired.uow, actor=actor,
                                                  application_ref=ref, now=wired.clock())
    typer.echo(json.dumps(plain(view), ensure_ascii=False))


def show_card(card_number: str = typer.Argument(
        ..., help="The card number (made here: 16 hex digits, may be grouped).")) -> None:
    """A card: status, dates, the holder's resident id, its certificates (JSON)."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "card")
        view = lookups.card_view(wired.uow, actor=actor, card_number=card_number,
                                 now=wired.clock())
    typer.echo(json.dumps(plain(view)))
