"""`mynumbercard staff ...`: staff accounts."""

from __future__ import annotations

import getpass
import sys

import typer
from rich.console import Console

from mynumbercard import bootstrap
from mynumbercard.domain.municipality import parse_local_government_code
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import staff as staff_service

app = typer.Typer(help="Staff accounts and roles.", no_args_is_help=True)


def cli_actor() -> Actor:
    """Whoever runs the CLI on the server acts as an administrator, under their OS name."""
    return Actor(f"cli:{getpass.getuser()}", Role.ADMIN)


@app.command()
def add(
    username: str = typer.Argument(...),
    role: Role = typer.Option(..., "--role", help="clerk, operator, auditor or admin."),
    municipality: str | None = typer.Option(
        None, "--municipality", help="A clerk's municipality (local-government code)."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
) -> None:
    """Create a staff account; the password is asked for (never an argument)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    code = parse_local_government_code(municipality) if municipality else None
    with bootstrap.container() as wired:
        account = staff_service.add_staff(
            wired.uow,
            wired.hasher,
            actor=cli_actor(),
            username=username,
            password=password,
            role=role,
            municipality_code=code,
            now=wired.clock(),
        )
    Console().print(f"staff account {account.username} ({account.role.value}) created")


@app.command("totp-enrol")
def totp_enrol(username: str = typer.Argument(...)) -> None:
    """Give an account a new TOTP second factor and print its otpauth:// URI, once.

    Required for administrators (they cannot sign in to the API until enrolled);
    enrolling again replaces the old secret. Put the URI into an authenticator app."""
    with bootstrap.container() as wired:
        uri = staff_service.enrol_totp(wired.uow, wired.one_time_codes, actor=cli_actor(),
                                       username=username, now=wired.clock())
    typer.echo(uri)
