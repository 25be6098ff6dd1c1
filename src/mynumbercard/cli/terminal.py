"""`mynumbercard terminal ...`: the counter's PC with the reader and the PIN pad.

The card stays in the terminal's reader; the server (as the signed-in member) only
authorises the command for the card's own challenge; the holder types the new PIN on
this terminal and it goes to the card only, never to the server, the clerk's screen or
a log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import typer

from mynumbercard import bootstrap
from mynumbercard.adapters import counter_tasks_runner, counter_terminal, pcsc_reader
from mynumbercard.adapters.server_client import ServerClient
from mynumbercard.chip import ResetPin
from mynumbercard.cli import session
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import AuthenticationFailed, DomainError, InvalidInput
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.pins import PinKind, validate_new_pin

app = typer.Typer(help="The counter's terminal: the card in its reader, commands the "
                  "server authorises, PINs on its own keypad.", no_args_is_help=True)

PIN_OF = {CertKind.AUTH: PinKind.USER_AUTH, CertKind.SIGN: PinKind.SIGNATURE}
SERVER = typer.Option(..., "--server", help="The server's base URL.")
READER = typer.Option(..., "--reader", help="The reader with the card (a part of its "
                      "name, e.g. 'Virtual PCD').")


def _client(server: str) -> ServerClient:
    token = session.stored_token(bootstrap.settings())
    if token is None:
        raise AuthenticationFailed("not signed in: run `mynumbercard staff login` first")
    return ServerClient(server, token)


def _pin_pad(pin_stdin: bool) -> counter_terminal.AskPins:
    """The holder's new PINs for a hand-over, typed here (twice, unseen)."""
    def ask(kinds: list[PinKind]) -> Mapping[PinKind, str]:
        pins: dict[PinKind, str] = {}
        if set(kinds) - {PinKind.SIGNATURE}:
            pin = session.secret("holder: the PIN (4 digits)", from_stdin=pin_stdin,
                                 confirm=True)
            pins |= {kind: pin for kind in kinds if kind is not PinKind.SIGNATURE}
        if PinKind.SIGNATURE in kinds:
            pins[PinKind.SIGNATURE] = session.secret("holder: the signature password",
                                                     from_stdin=pin_stdin, confirm=True)
        return pins

    return ask


def _new_pin(pin_stdin: bool) -> counter_tasks_runner.AskNewPin:
    def ask(kind: CertKind) -> str:
        return session.secret("holder: the new PIN" if kind is CertKind.AUTH
                              else "holder: the new signature password",
                              from_stdin=pin_stdin, confirm=True)

    return ask


@app.command()
def unlock(
    server: str = SERVER,
    reader: str = READER,
    kind: CertKind = typer.Option(..., "--kind", help="auth (PIN) or sign (password)."),
    pin_stdin: bool = typer.Option(False, "--pin-stdin", help="Read the holder's new PIN "
                                   "from standard input (one line)."),
) -> None:
    """Reset a locked PIN of the card in READER, after the identity check: the server
    authorises it (the signed-in member, the holding municipality); the holder types the
    new PIN here, twice, unseen."""
    client = _client(server)
    new_pin = session.secret("holder: the new PIN" if kind is CertKind.AUTH
                             else "holder: the new signature password",
                             from_stdin=pin_stdin, confirm=True)
    validate_new_pin(PIN_OF[kind], new_pin)
    with pcsc_reader.open_card(reader) as card:
        card_number = card.card_id
        challenge = card.admin_challenge()
        authorization = client.pin_reset_authorization(card_number, kind, challenge)
        card.admin(ResetPin(PIN_OF[kind], new_pin), authorization)
    typer.echo(f"the {kind.value} PIN of card {card_number} is reset")


@app.command("hand-over")
def hand_over(  # noqa: PLR0917 - typer options
    card_number: str = typer.Argument(..., help="The card's number."),
    server: str = SERVER,
    reader: str = READER,
    document: list[IdDocument] = typer.Option(..., "--document", help="An identity "
                                              "document the holder shows (repeat)."),
    notice: bool = typer.Option(True, "--notice/--no-notice",
                                help="The holder brought the notice of issuance."),
    pin_stdin: bool = typer.Option(
        False, "--pin-stdin", help="Read from standard input, one a line: the 4-digit PIN "
        "(user authentication, resident register, card info), then the signature password "
        "(when the card gets a signature certificate)."),
) -> None:
    """Hand over the office's card in READER: the server checks the identity and issues
    the certificates for the key pairs made on the chip; the holder sets the PINs here
    (unseen, never sent to the server). Prints JSON; the card leaves with its holder."""
    client = _client(server)
    with pcsc_reader.open_card(reader) as card:
        done = counter_terminal.hand_over(
            client, card, card_number, ask_pins=_pin_pad(pin_stdin),
            identity={"notice_presented": notice, "documents": [d.value for d in document]})
    typer.echo(json.dumps(done, ensure_ascii=False))


@app.command()
def renew(
    server: str = SERVER,
    reader: str = READER,
    kind: list[CertKind] = typer.Option(list(CertKind), "--kind", help="The certificates "
                                        "to renew (repeat; both by default)."),
) -> None:
    """Renew the certificates on the holder's card in READER: new key pairs on the chip,
    certificates from the server, written onto the card. No PIN is needed. Prints JSON."""
    client = _client(server)
    with pcsc_reader.open_card(reader) as card:
        done = counter_terminal.renew(client, card, list(kind))
    typer.echo(json.dumps(done, ensure_ascii=False))


TASK_READER = typer.Option(None, "--reader", help="The reader with the card (a part of "
                           "its name, e.g. 'Virtual PCD'), or --card.")
TASK_CARD = typer.Option(None, "--card", help="A card file, put into the virtual reader "
                         "for the task (or, without pcscd's virtual reader, driven with the "
                         "same APDUs here).")
PIN_STDIN = typer.Option(False, "--pin-stdin", help="Read the holder's PINs from standard "
                         "input, one a line, in the order the task asks for them.")


def _wait_for_task(client: ServerClient, wait: float, poll: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + wait
    while True:
        task = client.next_task()
        if task is not None or time.monotonic() >= deadline:
            return task
        time.sleep(poll)


def _card_in(reader: str | None, card: Path | None) -> Callable[[], Any]:
    """The card for a task: in READER, or the card file put into the virtual reader."""
    if (reader is None) == (card is None):
        raise InvalidInput("name either a reader (--reader) or a card file (--card)")
    if reader is not None:
        return lambda: pcsc_reader.open_card(reader)
    port = bootstrap.settings().vpcd_port
    return lambda: pcsc_reader.kiosk_card(file=card, reader=None, vpcd_port=port)


def _run(client: ServerClient, card: Callable[[], Any], task: dict[str, Any],
         pin_stdin: bool) -> tuple[bool, str]:
    typer.echo(f"task {task['id']}: {task['kind']} of card {task['card_number']}", err=True)
    return counter_tasks_runner.run_and_report(
        client, card, task,
        ask_pins=_pin_pad(pin_stdin), ask_new_pin=_new_pin(pin_stdin))


@app.command("next")
def next_task(  # noqa: PLR0917 - typer options
    server: str = SERVER,
    reader: str | None = TASK_READER,
    card: Path | None = TASK_CARD,
    wait: float = typer.Option(0, "--wait", min=0, max=3600, help="Seconds to wait for a "
                               "task when none waits yet."),
    poll: float = typer.Option(2, "--poll", min=0.1, max=60, help="Seconds between asks."),
    pin_stdin: bool = PIN_STDIN,
) -> None:
    """Take the signed-in member's oldest task from their pages (hand over, unlock,
    renew, correct a wrong-validity case, a custody step), run it on the card in READER
    (or --card FILE) with the holder at this PIN pad, and report the outcome. Prints
    JSON; exit 0 when done or when no task waits, else the error's."""
    card_in = _card_in(reader, card)
    client = _client(server)
    task = _wait_for_task(client, wait, poll)
    if task is None:
        typer.echo(json.dumps({"task": None}))
        return
    done, message = _run(client, card_in, task, pin_stdin)
    typer.echo(json.dumps({"task": task["id"], "kind": task["kind"],
                           "card_number": task["card_number"],
                           "status": "done" if done else "failed", "outcome": message},
                          ensure_ascii=False))
    if not done:
        raise typer.Exit(1)


@app.command()
def serve(
    server: str = SERVER,
    reader: str | None = TASK_READER,
    card: Path | None = TASK_CARD,
    poll: float = typer.Option(2, "--poll", min=0.1, max=60, help="Seconds between asks."),
) -> None:
    """Wait for the signed-in member's tasks and run each as it comes (`next`, forever;
    stop with Ctrl-C). Each outcome goes to the clerk's page and a line here."""
    card_in = _card_in(reader, card)
    client = _client(server)
    while True:
        try:
            task = _wait_for_task(client, 3600, poll)
            if task is not None:
                done, message = _run(client, card_in, task, False)
                typer.echo(f"task {task['id']}: {'done' if done else 'failed'}: {message}")
        except DomainError as failed:  # the server away for a moment: ask again later
            typer.echo(f"error: {failed}", err=True)
            time.sleep(poll)
