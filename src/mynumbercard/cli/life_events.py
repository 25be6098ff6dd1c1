"""`mynumbercard residents correct-address | name-change | extend-stay`: the life events a
clerk records at the counter (services/life_events.py). Each prints the result as JSON.

They act as `cli:counter` with the administrator's role, as the other counter commands
do (`card renew`); once the CLI signs staff in, they take the signed-in clerk instead.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer

from mynumbercard import bootstrap
from mynumbercard.cli import session
from mynumbercard.domain.bounds import check_event_date
from mynumbercard.domain.dates import parse_iso_date
from mynumbercard.domain.resident import Resident
from mynumbercard.services import life_events

RESIDENT = typer.Argument(..., min=1, help="The resident's id.")
ON = typer.Option(..., "--on", metavar="YYYY-MM-DD", help="The day it took effect.")


def _day(text: str, option: str, wired: bootstrap.Container) -> date:
    """A date as typed, of an event that has happened (not in the future)."""
    return check_event_date(parse_iso_date(text, field=option), today=wired.clock().date(),
                            field=option)


def _shown(resident: Resident) -> dict[str, Any]:
    return {"id": resident.id, "municipality_code": resident.municipality_code,
            "postal_code": resident.postal_code, "address": resident.address,
            "name": resident.name_as_shown, "name_kana": resident.full_name_kana,
            "period_of_stay_until": (resident.period_of_stay_until.isoformat()
                                     if resident.period_of_stay_until else None)}


def correct_address(
    resident_id: int = RESIDENT,
    postal_code: str = typer.Option(..., "--postal-code", help="Seven digits."),
    address: str = typer.Option(..., "--address", help="The address after the town's name."),
    on: str = ON,
) -> None:
    """Correct a wrongly recorded address (not a move); revokes the signature
    certificate."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "residents")
        done = life_events.correct_address(
            wired.uow, actor=actor, resident_id=resident_id, postal_code=postal_code,
            address=address, corrected_on=_day(on, "--on", wired), now=wired.clock(),
            ca=wired.ca)
    typer.echo(json.dumps(_shown(done), ensure_ascii=False))


def name_change(  # typer passes every option by name
    resident_id: int = RESIDENT,
    *,
    family_name: str = typer.Option(..., "--family-name"),
    given_name: str = typer.Option(..., "--given-name"),
    family_name_kana: str = typer.Option(..., "--family-name-kana"),
    given_name_kana: str = typer.Option(..., "--given-name-kana"),
    on: str = ON,
    show_former_surname: bool = typer.Option(
        False, "--show-former-surname",
        help="The holder asks that the former surname be shown with the name (旧氏併記)."),
) -> None:
    """Record a change of name; revokes the signature certificate."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "residents")
        done = life_events.change_name(
            wired.uow, actor=actor, resident_id=resident_id, family_name=family_name,
            given_name=given_name, family_name_kana=family_name_kana,
            given_name_kana=given_name_kana, changed_on=_day(on, "--on", wired),
            show_former_surname=show_former_surname, now=wired.clock(), ca=wired.ca)
    typer.echo(json.dumps(_shown(done), ensure_ascii=False))


def extend_stay(
    resident_id: int = RESIDENT,
    until: str = typer.Option(..., "--until", metavar="YYYY-MM-DD",
                              help="The new period of stay's last day."),
    granted_on: str = typer.Option(..., "--granted-on", metavar="YYYY-MM-DD",
                                   help="The day the extension was granted."),
    card: bool = typer.Option(True, "--card/--no-card",
                              help="The holder applies, with the card, for its validity to "
                                   "follow (default)."),
) -> None:
    """Record an extended period of stay; with the card, its validity follows to the new
    end of stay, within the birthday rule."""
    with bootstrap.container() as wired:
        done = life_events.extend_stay(
            wired.uow, actor=session.actor(wired, "residents"), resident_id=resident_id,
            period_of_stay_until=parse_iso_date(until, field="--until"),
            granted_on=_day(granted_on, "--granted-on", wired), extend_card=card,
            now=wired.clock())
    typer.echo(json.dumps({
        **_shown(done.resident), "card_number": done.card_number,
        "card_expired_on": done.card_expired_on.isoformat() if done.card_expired_on else None,
        "card_expires_on": done.card_expires_on.isoformat() if done.card_expires_on else None,
    }, ensure_ascii=False))


def register(residents: typer.Typer) -> None:
    residents.command(name="correct-address")(correct_address)
    residents.command(name="name-change")(name_change)
    residents.command(name="extend-stay")(extend_stay)
