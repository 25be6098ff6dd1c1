"""`mynumbercard card ...`: a card file as its holder and the counter use it."""

from __future__ import annotations

import contextlib
import json
import secrets
import signal
from datetime import timedelta
from pathlib import Path

import typer

from mynumbercard import bootstrap
from mynumbercard.adapters import pcsc_reader, virtual_card
from mynumbercard.chip import Chip
from mynumbercard.cli import session
from mynumbercard.domain.certificate import JST, CertKind
from mynumbercard.domain.errors import DomainError
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.staff import Actor
from mynumbercard.domain.validity import SIGNATURE_CERTIFICATE_MIN_AGE
from mynumbercard.services import cards, certificates, register

app = typer.Typer(help="Card files: the card's chip as its holder carries it.",
                  no_args_is_help=True)

KIND = typer.Option(..., "--kind", help="auth (user authentication) or sign (signature).")
@app.command()
def demo(
    out: Path = typer.Argument(..., help="The card file to create."),
    pin_stdin: bool = typer.Option(
        False, "--pin-stdin", help="Read from standard input, one a line: the 4-digit PIN "
        "(auth, register, card info), then the signature password."),
) -> None:
    """A card for a new synthetic resident, with both certificates issued (signed in:
    it registers the resident); the holder types the PIN and the signature password.
    Prints JSON."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "card")
        pin = session.secret("PIN (4 digits)", from_stdin=pin_stdin, confirm=True)
        password = session.secret("signature password", from_stdin=pin_stdin, confirm=True)
        made = issue_demo_card(wired, out, pin=pin, password=password, actor=actor)
    typer.echo(json.dumps(made, ensure_ascii=False))


def issue_demo_card(wired: bootstrap.Container, out: Path, *, pin: str,
                    password: str, actor: Actor,
                    seed: int | None = None) -> dict[str, str | None]:
    """Register a synthetic resident, personalise a chip, set its PINs, issue both
    certificates: the counter's whole path, through the same use cases. A `seed` draws
    the same person each time (the demo's cards expire on the same days in every run)."""
    now = wired.clock()
    today = now.astimezone(JST).date()
    authority = wired.authority
    # faker, only for the demo card: `card insert` and the others start without it
    from mynumbercard.generators.people import synthetic_person  # noqa: PLC0415
    # A demo card is not one about to lapse: a stay ending soon would put its validity
    # (and its renewal window) within weeks.
    person = synthetic_person(today=today, now=now, min_age=SIGNATURE_CERTIFICATE_MIN_AGE,
                              stay_at_least=timedelta(days=366), seed=seed)
    resident = register.register_resident(wired.uow, actor=actor, now=now, **person)
    card_number = secrets.token_hex(8).upper()
    face = {"name": resident.full_name,
            "address": resident.address, "birth_date": resident.birth_date.isoformat(),
            "sex": resident.sex.value, "individual_number": resident.individual_number or ""}
    terminal = wired.new_card(out, card_id=card_number, face=face)
    try:
        cards.register_card(wired.uow, actor=actor, resident_id=resident.id,
                            card_number=card_number, applied_on=today, issued_on=today,
                            now=now)
        terminal.set_initial_pins({PinKind.SIGNATURE: password, PinKind.USER_AUTH: pin,
                                   PinKind.RESIDENT_REGISTER: pin, PinKind.CARD_INFO: pin})
        # with the CA certificates too: OpenSC lists the chain
        issued = certificates.issue_certificates(wired.uow, authority, terminal,
                                                 actor=actor, now=now)
    except DomainError:
        out.unlink(missing_ok=True)  # no half-made card left behind
        raise
    serials = {c.kind: c.serial_hex for c in issued}
    return {
        "name": face["name"],
        "name_kana": resident.full_name_kana,
        "card_number": card_number,
        "sign_serial": serials.get(CertKind.SIGN),
        "auth_serial": serials.get(CertKind.AUTH),
    }


FILE_ARG = typer.Argument(None, help="The card file (or name a reader with --reader).")
READER = typer.Option(None, "--reader", help="The PC/SC reader with the card in it (a "
                      "part of its name, e.g. 'Virtual PCD').")


@app.command()
def cert(
    file: Path | None = FILE_ARG,
    kind: CertKind = KIND,
    reader: str | None = READER,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the signature password (for --kind sign) "
        "from standard input (one line)."),
) -> None:
    """Print the certificate on the card in PEM (the signature one needs the password,
    asked for)."""
    password = (session.secret("signature password", from_stdin=password_stdin)
                if kind is CertKind.SIGN else None)
    with pcsc_reader.holder_card(file=file, reader=reader) as card:
        pem = card.read_certificate(kind, password)
    typer.echo(pem.decode("ascii"), nl=False)


@app.command()
def sign(
    file: Path | None = FILE_ARG,
    *,
    kind: CertKind = KIND,
    data: Path = typer.Option(..., "--in", help="The data to sign."),
    signature: Path = typer.Option(..., "--out", help="Where to write the signature."),
    reader: str | None = READER,
    pin_stdin: bool = typer.Option(
        False, "--pin-stdin", help="Read the PIN (auth) or signature password (sign) from "
        "standard input (one line)."),
) -> None:
    """Have the chip sign DATA (RSA PKCS#1 v1.5, SHA-256) after the right PIN (asked
    for: the holder types it); the card is in a reader (--reader) or is FILE, driven
    with the same APDUs."""
    content = data.read_bytes()
    pin = session.secret("PIN" if kind is CertKind.AUTH else "signature password",
                         from_stdin=pin_stdin)
    with pcsc_reader.holder_card(file=file, reader=reader) as card:
        signed = card.sign(kind, pin, content)
    signature.write_bytes(signed)


@app.command()
def info(
    file: Path | None = FILE_ARG,
    reader: str | None = READER,
    pin_stdin: bool = typer.Option(
        False, "--pin-stdin", help="Read the card-info-input PIN from standard input."),
) -> None:
    """The card's face from its card-info-input application (name, address, birth
    date, sex, Individual Number) after the card-info-input PIN; JSON."""
    pin = session.secret("card-info-input PIN", from_stdin=pin_stdin)
    with pcsc_reader.holder_card(file=file, reader=reader) as card:
        face = card.read_card_face(pin)
    typer.echo(json.dumps(face, ensure_ascii=False))


@app.command()
def insert(
    file: Path = typer.Argument(..., help="The card file to put in the virtual reader."),
    port: int = typer.Option(virtual_card.DEFAULT_PORT, "--port", min=1, max=65535,
                             help="The port vpcd (pcscd's virtual reader) listens on."),
    once: bool = typer.Option(False, "--once", help="Stop when the reader first powers "
                              "the card off."),
) -> None:
    """Serve FILE as a smart card in vsmartcard's virtual reader ("Virtual PCD" in
    pcscd), until stopped (Ctrl-C) or, with --once, until the first power-off. PC/SC
    programs (OpenSC, `card sign --reader`) then talk to it."""
    Chip.open(file)  # a clear error now for a missing or broken card file
    typer.echo(f"card {file.name}: waiting for the virtual reader on port {port}", err=True)
    signal.signal(signal.SIGTERM, _stop)  # stopped like Ctrl-C: the card leaves cleanly
    with contextlib.suppress(KeyboardInterrupt):
        virtual_card.insert(file, port=port, once=once,
                            on_connected=lambda: typer.echo("card inserted", err=True))
    typer.echo("card removed", err=True)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@app.command()
def unlock(
    file: Path | None = typer.Argument(None, help="The card file (or --reader)."),
    kind: CertKind = KIND,
    reader: str | None = READER,
    pin_stdin: bool = typer.Option(
        False, "--pin-stdin", help="Read the holder's new PIN (or signature password) from "
        "standard input (one line)."),
) -> None:
    """Counter use (signed in): reset a locked PIN with the card-management key, after
    the identity check. The holder types the new PIN (twice, not shown); the clerk never
    sees it."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "card")
        new_pin = session.secret("holder: the new PIN" if kind is CertKind.AUTH
                                 else "holder: the new signature password",
                                 from_stdin=pin_stdin, confirm=True)
        with wired.counter_terminal(file=file, reader=reader) as terminal:
            cards.unlock_pin(wired.uow, terminal, actor=actor, kind=kind,
                             new_pin=new_pin, now=wired.clock())
    typer.echo(f"the {kind.value} PIN is reset")
