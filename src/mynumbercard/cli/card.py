"""`mynumbercard card ...`: a card file as its holder and the counter use it."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import typer

from mynumbercard import bootstrap
from mynumbercard.adapters.card_terminal import ChipTerminal
from mynumbercard.adapters.demo_people import synthetic_person
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
                    password: str, actor: Actor) -> dict[str, str | None]:
    """Register a synthetic resident, personalise a chip, set its PINs, issue both
    certificates: the counter's whole path, through the same use cases."""
    now = wired.clock()
    today = now.astimezone(JST).date()
    management = wired.management_key()
    authority = wired.authority
    person = synthetic_person(today=today, min_age=SIGNATURE_CERTIFICATE_MIN_AGE)
    resident = register.register_resident(wired.uow, actor=actor, now=now, **person)
    card_number = secrets.token_hex(8).upper()
    face = {"name": resident.full_name,
            "address": resident.address, "birth_date": resident.birth_date.isoformat(),
            "sex": resident.sex.value, "individual_number": resident.individual_number or ""}
    chip = Chip.personalise(out, card_id=card_number,
                            management_public_key_pem=management.public_key_pem,
                            card_face=face)
    try:
        cards.register_card(wired.uow, actor=actor, resident_id=resident.id,
                            card_number=card_number, applied_on=today, issued_on=today,
                            now=now)
        terminal = ChipTerminal(chip, management)
        terminal.set_initial_pins({PinKind.SIGNATURE: password, PinKind.USER_AUTH: pin,
                                   PinKind.RESIDENT_REGISTER: pin, PinKind.CARD_INFO: pin})
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


@app.command()
def cert(
    file: Path = typer.Argument(..., help="The card file."),
    kind: CertKind = KIND,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the signature password (for --kind sign) "
        "from standard input (one line)."),
) -> None:
    """Print the certificate on the card in PEM (the signature one needs the password,
    asked for)."""
    chip = Chip.open(file)
    password = (session.secret("signature password", from_stdin=password_stdin)
                if kind is CertKind.SIGN else None)
    typer.echo(chip.read_certificate(kind, password).decode("ascii"), nl=False)


@app.command()
def sign(
    file: Path = typer.Argument(..., help="The card file."),
    kind: CertKind = KIND,
    data: Path = typer.Option(..., "--in", help="The data to sign."),
    signature: Path = typer.Option(..., "--out", help="Where to write the signature."),
    pin_stdin: bool = typer.Option(
        False, "--pin-stdin", help="Read the PIN (auth) or signature password (sign) from "
        "standard input (one line)."),
) -> None:
    """Have the chip sign DATA (RSA PKCS#1 v1.5, SHA-256) after the right PIN (asked
    for: the holder types it)."""
    chip, content = Chip.open(file), data.read_bytes()
    pin = session.secret("PIN" if kind is CertKind.AUTH else "signature password",
                         from_stdin=pin_stdin)
    signed = chip.sign(kind, pin, content)
    signature.write_bytes(signed)


@app.command()
def unlock(
    file: Path = typer.Argument(..., help="The card file (in the counter's reader)."),
    kind: CertKind = KIND,
    pin_stdin: bool = typer.Option(
        False, "--pin-stdin", help="Read the holder's new PIN (or signature password) from "
        "standard input (one line)."),
) -> None:
    """Counter use (signed in): reset a locked PIN with the card-management key, after
    the identity check. The holder types the new PIN (twice, not shown); the clerk never
    sees it."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "card")
        terminal = ChipTerminal(Chip.open(file), wired.management_key())
        new_pin = session.secret("holder: the new PIN" if kind is CertKind.AUTH
                                 else "holder: the new signature password",
                                 from_stdin=pin_stdin, confirm=True)
        cards.unlock_pin(wired.uow, terminal, actor=actor, kind=kind,
                         new_pin=new_pin, now=wired.clock())
    typer.echo(f"the {kind.value} PIN is reset")
