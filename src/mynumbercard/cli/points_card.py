"""`mynumbercard points enrol|balance|sign-in`: the holder's card program for My Number
Points (docs/services.md "The holder"). No staff sign-in: the card's signature over the
service's one-use challenge, after the holder's PIN, is the credential. Before the PIN,
the program prints what the signature will do, as the service states it (on standard
error; logged), and on a terminal asks for confirmation. They join the `points` group
(`register`)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from mynumbercard import bootstrap
from mynumbercard.adapters import pcsc_reader, points_client
from mynumbercard.chip.client import CardClient
from mynumbercard.cli import session
from mynumbercard.domain.card_statement import Declined, Statement
from mynumbercard.domain.kiosk import KioskRefused
from mynumbercard.domain.points import AlreadyEnrolled, ChallengeSpent, UnknownService

READER = typer.Option(None, "--reader", help="The PC/SC reader with the card (a part of "
                      "its name).")
CARD = typer.Option(None, "--card", help="A card file, put into the virtual reader for the "
                    "one transaction (or, without pcscd's virtual reader, driven with the "
                    "same APDUs).")
PIN_STDIN = typer.Option(False, "--pin-stdin", help="Read the 4-digit user-authentication "
                         "PIN from standard input.")
URL = typer.Option(None, "--url", help="The issuing service's base URL (default: this "
                   "installation, in this process).")
Step = Callable[[CardClient, points_client.PointsService, points_client.PinFor],
                dict[str, Any]]
_log = logging.getLogger("mynumbercard.card")


def _pin_for(pin_stdin: bool) -> points_client.PinFor:
    """Show what the card will sign, ask on a terminal, then read the PIN."""
    def ask(statement: Statement) -> str:
        typer.echo(f"The card will sign ({statement.purpose.value}) / カードで署名する内容:\n"
                   f"  {statement.ja}\n  {statement.en}", err=True)
        _log.info("the card signs for %s: %s", statement.purpose.value, statement.en)
        if sys.stdin.isatty() and not typer.confirm("Sign this? / 署名しますか", err=True):
            raise Declined
        return session.secret("PIN (4 digits)", from_stdin=pin_stdin)
    return ask


def _with_card(reader: str | None, card: Path | None, pin_stdin: bool, url: str | None,
               step: Step) -> None:
    """One transaction with the card; a refusal prints `refused` and `message`, exit 1."""
    with bootstrap.container() as wired:
        service = wired.points_service(url=url)
        with pcsc_reader.kiosk_card(file=card, reader=reader,
                                    vpcd_port=wired.settings.vpcd_port) as holder:
            try:
                answer = step(holder, service, _pin_for(pin_stdin))
            except (KioskRefused, AlreadyEnrolled, ChallengeSpent, UnknownService) as refused:
                typer.echo(json.dumps({"refused": refused.refusal.value,
                                       "message": refused.message}, ensure_ascii=False))
                raise typer.Exit(1) from None
            except Declined as declined:
                typer.echo(json.dumps({"refused": declined.code,
                                       "message": declined.message}, ensure_ascii=False))
                raise typer.Exit(1) from None
    typer.echo(json.dumps(answer, ensure_ascii=False))


def enrol(
    service: str = typer.Option(..., "--service", help="The payment service's key id "
                                "(`GET /api/v1/points/services` lists them)."),
    reader: str | None = READER,
    card: Path | None = CARD,
    pin_stdin: bool = PIN_STDIN,
    url: str | None = URL,
) -> None:
    """Choose your payment service for My Number Points with your card (one per person,
    kept on a new card). Prints JSON (enrolment_id, service, enrolled_at), or a refusal
    (exit 1)."""
    _with_card(reader, card, pin_stdin, url, lambda holder, points, pin: points_client.enrol(
        holder, points, pin_for=pin, payment_service=service))


def balance(
    reader: str | None = READER,
    card: Path | None = CARD,
    pin_stdin: bool = PIN_STDIN,
    url: str | None = URL,
) -> None:
    """Your payment service and the points granted per campaign, with your card. Prints
    JSON, or a refusal (exit 1)."""
    _with_card(reader, card, pin_stdin, url, lambda holder, points, pin: points_client.balance(
        holder, points, pin_for=pin))


def sign_in(
    code: str = typer.Argument(..., help="The code the points page shows (XXXX-XXXX)."),
    reader: str | None = READER,
    card: Path | None = CARD,
    pin_stdin: bool = PIN_STDIN,
    url: str | None = URL,
) -> None:
    """Sign the points page that shows CODE in with your card: it shows your points for
    a few minutes. Prints JSON (code, shown_until), or a refusal (exit 1)."""
    _with_card(reader, card, pin_stdin, url, lambda holder, points, pin: points_client.sign_in(
        holder, points, pin_for=pin, code=code))


def register(points: typer.Typer) -> None:
    points.command(name="enrol")(enrol)
    points.command(name="balance")(balance)
    points.command(name="sign-in")(sign_in)
