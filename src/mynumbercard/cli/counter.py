"""The main flow at the counter and in the back office, from the command line: register
a newborn or an arrival (`residents register`), an application form, a paper application
keyed in, review and approval, a shipment's arrival (`applications form | intake | review
| approve | receive`), and the hand-over of a card (`card hand-over`).

Each acts as the signed-in staff member through the same use case as the API, and
prints JSON. The holder types the PINs at hand-over (not shown, or one a line on
standard input with `--pin-stdin`); the clerk never sees them.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import typer

from mynumbercard import bootstrap
from mynumbercard.cli import session
from mynumbercard.cli.output import plain
from mynumbercard.domain import bounds
from mynumbercard.domain.application import Channel
from mynumbercard.domain.application_id import printed_form
from mynumbercard.domain.dates import parse_iso_date
from mynumbercard.domain.municipality import parse_local_government_code
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.resident import ResidenceStatus, Sex
from mynumbercard.services import application_views, issuance, pickup, register
from mynumbercard.services import applications as apps
from mynumbercard.services.application_ports import FormReason

REF = typer.Argument(..., min=1, help="The application's reference (its id).")


def _echo(value: Any) -> None:
    typer.echo(json.dumps(plain(value), ensure_ascii=False))


def register_resident(  # noqa: PLR0917 - typer options
    family_name: str = typer.Option(..., "--family-name"),
    given_name: str = typer.Option(..., "--given-name"),
    family_name_kana: str = typer.Option(..., "--family-name-kana"),
    given_name_kana: str = typer.Option(..., "--given-name-kana"),
    birth_date: str = typer.Option(..., "--birth-date", metavar="YYYY-MM-DD"),
    sex: Sex = typer.Option(..., "--sex"),
    municipality: str = typer.Option(..., "--municipality", metavar="CODE",
                                     help="5 digits (or 6 with the check digit)."),
    postal_code: str = typer.Option(..., "--postal-code", help="Seven digits."),
    address: str = typer.Option(..., "--address", help="The address after the town's name."),
    registered_on: str = typer.Option(..., "--on", metavar="YYYY-MM-DD",
                                      help="The day of the birth or of the arrival."),
    nationality: str = typer.Option("JP", "--nationality", help="ISO 3166 alpha-2."),
    residence_status: ResidenceStatus = typer.Option(ResidenceStatus.NATIONAL,
                                                     "--residence-status"),
    stay_until: str | None = typer.Option(None, "--stay-until", metavar="YYYY-MM-DD",
                                          help="A limited stay's last day."),
) -> None:
    """A newborn or an arrival from overseas: entered on the register with a new
    Individual Number; the Individual Number Notice is queued as a letter (`mail send`).
    Prints the resident as JSON."""
    born = parse_iso_date(birth_date, field="--birth-date")
    with bootstrap.container() as wired:
        actor = session.actor(wired, "residents")
        today = wired.clock().date()
        resident = register.register_resident(
            wired.uow, actor=actor, now=wired.clock(),
            family_name=bounds.check_name(family_name, field="--family-name"),
            given_name=bounds.check_name(given_name, field="--given-name"),
            family_name_kana=bounds.check_kana(family_name_kana, field="--family-name-kana"),
            given_name_kana=bounds.check_kana(given_name_kana, field="--given-name-kana"),
            birth_date=bounds.check_birth_date(born, today=today, field="--birth-date"),
            sex=sex, municipality_code=parse_local_government_code(municipality),
            postal_code=postal_code,
            address=bounds.check_address(address, field="--address"),
            registered_on=bounds.check_event_date(
                parse_iso_date(registered_on, field="--on"), today=today, birth_date=born,
                field="--on"),
            nationality=nationality, residence_status=residence_status,
            period_of_stay_until=(parse_iso_date(stay_until, field="--stay-until")
                                  if stay_until else None))
    _echo({"id": resident.id, "individual_number": resident.individual_number,
           "name": resident.full_name, "municipality_code": resident.municipality_code,
           "status": resident.status.value, "number_notice": "queued in the outgoing mail "
           "(mynumbercard mail send)"})


def new_form(
    resident_id: int = typer.Argument(..., min=1, help="The resident's id."),
    reason: FormReason = typer.Option(FormReason.FIRST, "--reason"),
) -> None:
    """A new application form: a new Application ID (the resident's previous form dies).
    Prints it, as printed on the form, and the address its QR code carries."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "applications")
        form = apps.issue_form(wired.uow, actor=actor, resident_id=resident_id, reason=reason,
                               now=wired.clock())
        base = wired.settings.public_base_url.rstrip("/")
    _echo({"application_id": form.application_id,
           "printed": printed_form(form.application_id),
           "qr": f"{base}/apply?application_id={form.application_id}"})


def intake(
    application_id: str = typer.Option(..., "--application-id", help="As on the form."),
    birth_date: str = typer.Option(..., "--birth-date", metavar="YYYY-MM-DD"),
    photo: Path = typer.Option(..., "--photo", exists=True, dir_okay=False,
                               help="The ID photo (JPEG or PNG), as scanned."),
    channel: Channel = typer.Option(Channel.MAIL, "--channel",
                                    help="mail (a paper form keyed in) or photo_booth."),
    no_signature: bool = typer.Option(False, "--no-signature-certificate"),
) -> None:
    """Key in an application received on paper (or from a photo booth): the photo is
    checked as online. Prints its reference and status as JSON."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "applications")
        done = apps.submit(wired.uow, wired.photos, wired.photo_inspector, actor=actor,
                           channel=channel, application_id=application_id,
                           birth_date=parse_iso_date(birth_date, field="--birth-date"),
                           photo=photo.read_bytes(),
                           want_signature_certificate=not no_signature, now=wired.clock())
    _echo({"ref": done.application.id, "application_id": done.application.application_id,
           "status": done.application.status.value, "resubmission": done.resubmission,
           "warnings": done.warnings})


def _view(wired: bootstrap.Container, actor: Any, ref: int) -> None:
    _echo(application_views.application_view(wired.uow, actor=actor, application_ref=ref,
                                             now=wired.clock()))


def review(ref: int = REF) -> None:
    """Start reviewing an application (received -> in_review). Prints it."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "applications")
        apps.start_review(wired.uow, actor=actor, application_ref=ref, now=wired.clock())
        _view(wired, actor, ref)


def approve(ref: int = REF) -> None:
    """Approve an application for production. Prints it."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "applications")
        apps.approve(wired.uow, actor=actor, application_ref=ref, now=wired.clock())
        _view(wired, actor, ref)


def receive(shipment_id: int = typer.Argument(..., min=1, help="The shipment's id "
                                              "(`jobs ship` prints it).")) -> None:
    """The office records a shipment's arrival: its cards wait for pick-up (then
    `letters issuance-notices`)."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "applications")
        waiting = issuance.receive_shipment(wired.uow, actor=actor, shipment_id=shipment_id,
                                            now=wired.clock())
    _echo({"shipment": shipment_id, "waiting": waiting})


def hand_over(  # noqa: PLR0917 - typer options
    card_number: str = typer.Argument(..., help="The card's number."),
    out: Path | None = typer.Option(None, "--out", help="The card file the holder takes "
                                    "away (the office's card file; not with --reader)."),
    document: list[IdDocument] = typer.Option(..., "--document", help="An identity "
                                              "document the holder shows (repeat: one of "
                                              "group A, or two of group B)."),
    notice: bool = typer.Option(True, "--notice/--no-notice",
                                help="The holder brought the notice of issuance."),
    reader: str | None = typer.Option(
        None, "--reader", help="The office's PC/SC reader with the card in it (a part of "
        "its name): the hand-over goes to the card through the reader."),
    pin_stdin: bool = typer.Option(
        False, "--pin-stdin", help="Read from standard input, one a line: the 4-digit PIN "
        "(user authentication, resident register, card info), then the signature password."),
) -> None:
    """Hand a card over to its holder in person: identity check, the certificates issued
    onto the chip, the PINs the holder types set, an old card taken back. The card is
    the office's card file, written to --out for the holder (the office keeps no copy),
    or the card in --reader, which leaves the reader with its holder. Prints JSON."""
    if (out is None) == (reader is None):
        raise typer.BadParameter("name the card file to give the holder (--out) or the "
                                 "reader with the card (--reader)", param_hint="--out")
    if out is not None and out.exists():
        raise typer.BadParameter(f"{out} exists: give a new file", param_hint="--out")
    with bootstrap.container() as wired:
        actor = session.actor(wired, "card")
        pin = session.secret("holder: the PIN (4 digits)", from_stdin=pin_stdin, confirm=True)
        password = session.secret("holder: the signature password", from_stdin=pin_stdin,
                                  confirm=True)
        pins = {PinKind.USER_AUTH: pin, PinKind.RESIDENT_REGISTER: pin,
                PinKind.CARD_INFO: pin, PinKind.SIGNATURE: password}
        with contextlib.ExitStack() as stack:
            terminal = (stack.enter_context(wired.counter_terminal(file=None, reader=reader))
                        if reader is not None else None)
            done = pickup.hand_over(
                wired.uow, wired.vault, wired.ca, actor=actor, card_number=card_number,
                identity=pickup.InPerson(frozenset(document)), notice_presented=notice,
                pins=pins, now=wired.clock(), terminal=terminal)
    if out is not None:
        out.write_bytes(done.card)
        out.chmod(0o600)
    _echo({"card_number": done.card_number, "card_file": str(out) if out else None,
           "reader": reader, "returned_cards": done.returned_cards,
           "certificates": [{"kind": c.kind.value, "serial": c.serial_hex,
                             "not_after": c.not_after.isoformat()} for c in done.certificates]})


def register_commands(*, residents: typer.Typer, applications: typer.Typer,
                      card: typer.Typer) -> None:
    residents.command("register")(register_resident)
    applications.command("form")(new_form)
    applications.command("intake")(intake)
    applications.command("review")(review)
    applications.command("approve")(approve)
    applications.command("receive")(receive)
    card.command("hand-over")(hand_over)
