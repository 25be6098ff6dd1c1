"""The `mynumbercard` command."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from mynumbercard import bootstrap
from mynumbercard.adapters import data_dir
from mynumbercard.cli import (
    audit,
    backup,
    ca,
    card,
    cert,
    counter,
    crowding,
    db,
    demo,
    email,
    jobs,
    kiosk,
    life_events,
    lookups,
    loss,
    mail,
    municipality,
    numbers,
    ocsp,
    offices,
    photo,
    points,
    points_card,
    renewal,
    residents,
    rules,
    serve,
    session,
    staff,
    terminal,
    validity,
)
from mynumbercard.cli.errors import exit_code_for
from mynumbercard.domain.errors import DomainError


class _DomainErrorsAsExitCodes(TyperGroup):
    """Every command runs under this group: a domain error is a message and a status."""

    def invoke(self, ctx: Any) -> Any:  # click's Context; typer vendors click privately
        data_dir.private_umask()
        # Asked for on a terminal only (`serve` turns it off: a server asks nobody).
        bootstrap.allow_prompts(getpass.getpass if sys.stdin.isatty() else None)
        try:
            return super().invoke(ctx)
        except DomainError as error:
            Console(stderr=True, soft_wrap=True).print(
                f"error: {error.message}", highlight=False, markup=False
            )
            raise typer.Exit(exit_code_for(error)) from None


app = typer.Typer(
    cls=_DomainErrorsAsExitCodes,
    help="mynumbercard: Japan's Individual Number Card system.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    credential: Path | None = typer.Option(
        None, "--credential", metavar="FILE", envvar=session.CREDENTIAL_ENV,
        help="A service account's credential file (cron); else the staff sign-in is used."),
) -> None:
    """Commands that touch the register, the CA or the jobs act as a signed-in member:
    `mynumbercard staff login USERNAME` first (README: command line)."""
    session.credential_option = credential


app.add_typer(db.app, name="db")
app.add_typer(audit.app, name="audit")
app.command(name="backup")(backup.backup)
app.command(name="restore")(backup.restore)
app.add_typer(demo.app, name="demo")
app.command(name="serve")(serve.serve)
app.add_typer(numbers.app, name="number")
app.add_typer(rules.app, name="rules")
app.add_typer(municipality.app, name="municipality")
app.add_typer(residents.app, name="residents")
app.add_typer(staff.app, name="staff")
app.add_typer(ca.app, name="ca")
app.add_typer(card.app, name="card")
app.add_typer(terminal.app, name="terminal")
app.add_typer(kiosk.app, name="kiosk")
app.add_typer(kiosk.parties_app, name="relying-party")
app.add_typer(points.app, name="points")
app.add_typer(cert.app, name="cert")
app.add_typer(cert.crl_app, name="crl")
app.add_typer(ocsp.app, name="ocsp")
app.add_typer(photo.app, name="photo")
app.add_typer(jobs.app, name="jobs")
app.add_typer(jobs.letters_app, name="letters")
app.add_typer(mail.app, name="mail")
app.add_typer(email.app, name="email")
jobs.app.command("validity-notices")(mail.validity_notices_command)
jobs.app.command("audit-validity")(validity.audit_validity_command)
app.add_typer(validity.corrections_app, name="corrections")
renewal.register(card=card.app, jobs=jobs.app)
points_card.register(points.app)
life_events.register(residents.app)
loss.register(card.app)
residents.app.command("find")(lookups.find)
app.add_typer(lookups.applications_app, name="applications")
card.app.command("show")(lookups.show_card)
app.add_typer(offices.app, name="offices")
app.add_typer(offices.appointments_app, name="appointments")
crowding.register(offices=offices.app)
app.add_typer(crowding.walk_ins_app, name="walk-ins")
counter.register_commands(residents=residents.app, applications=lookups.applications_app,
                          card=card.app)


def run() -> None:
    app()
