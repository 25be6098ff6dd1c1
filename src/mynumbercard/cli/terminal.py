"""`mynumbercard terminal ...`: the counter's PC with the reader and the PIN pad.

The card stays in the terminal's reader; the server (as the signed-in member) only
authorises the command for the card's own challenge; the holder types the new PIN on
this terminal and it goes to the card only, never to the server, the clerk's screen or
a log.
"""

from __future__ import annotations

import typer

from mynumbercard import bootstrap
from mynumbercard.adapters import pcsc_reader
from mynumbercard.adapters.server_client import ServerClient
from mynumbercard.chip import ResetPin
from mynumbercard.cli import session
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import AuthenticationFailed
from mynumbercard.domain.pins import PinKind, validate_new_pin

app = typer.Typer(help="The counter's terminal: the card in its reader, commands the "
                  "server authorises, PINs on its own keypad.", no_args_is_help=True)

PIN_OF = {CertKind.AUTH: PinKind.USER_AUTH, CertKind.SIGN: PinKind.SIGNATURE}


@app.command()
def unlock(
    server: str = typer.Option(..., "--server", help="The server's base URL."),
    reader: str = typer.Option(..., "--reader", help="The reader with the holder's card."),
    kind: CertKind = typer.Option(..., "--kind", help="auth (PIN) or sign (password)."),
    pin_stdin: bool = typer.Option(False, "--pin-stdin", help="Read the holder's new PIN "
                                   "from standard input (one line)."),
) -> None:
    """Reset a locked PIN of the card in READER, after the identity check: the server
    authorises it (the signed-in member, the holding municipality); the holder types the
    new PIN here, twice, unseen."""
    token = session.stored_token(bootstrap.settings())
    if token is None:
        raise AuthenticationFailed("not signed in: run `mynumbercard staff login` first")
    client = ServerClient(server, token)
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
