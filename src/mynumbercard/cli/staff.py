"""`mynumbercard staff ...`: sign-in, staff accounts and the service accounts of cron."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from mynumbercard import bootstrap
from mynumbercard.adapters.rate_limits import Rule
from mynumbercard.cli import session
from mynumbercard.cli.output import plain
from mynumbercard.domain.errors import AuthenticationFailed, TooManyRequests
from mynumbercard.domain.municipality import parse_local_government_code
from mynumbercard.domain.staff import Role
from mynumbercard.services import staff as staff_service
from mynumbercard.services import staff_admin

app = typer.Typer(help="Sign-in, staff accounts and roles.", no_args_is_help=True)

PASSWORD_STDIN = typer.Option(False, "--password-stdin",
                              help="Read the password from standard input (one line).")


@app.command()
def login(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read from standard input, one a line: the password, "
        "then the one-time code when the account has a second factor."),
) -> None:
    """Sign in (as the API does: rate limits, lock, one-time code); the token is kept in
    the data directory's `session` file (0600) until it expires or `staff logout`."""
    password = session.secret("password", from_stdin=password_stdin)
    with bootstrap.container() as wired:
        # The API's per-user budget, shared through the database with the servers.
        if (wait := wired.rate_limits.hit(Rule.SIGN_IN_USER, username.lower())) is not None:
            raise TooManyRequests("too many tries: wait before trying again",
                                  retry_after=wait)
        code = None
        if staff_admin.needs_second_factor(wired.uow, username=username):
            code = session.secret("one-time code", from_stdin=password_stdin)
        issued = staff_service.sign_in(
            wired.uow, wired.hasher, username=username, password=password, now=wired.clock(),
            lifetime=wired.settings.token_lifetime, codes=wired.one_time_codes, totp=code)
        session.save_token(session.session_path(wired.settings), issued.token)
    typer.echo(f"signed in as {username} until {issued.expires_at.isoformat(timespec='seconds')}")


@app.command()
def logout() -> None:
    """End the session (on the server too) and delete the session file."""
    with bootstrap.container() as wired:
        path = session.session_path(wired.settings)
        token = session.stored_token(wired.settings)
        if token is None:
            raise AuthenticationFailed("not signed in")
        try:
            staff_service.sign_out(wired.uow, token=token, now=wired.clock())
        finally:
            path.unlink(missing_ok=True)
    typer.echo("signed out")


@app.command()
def whoami() -> None:
    """The signed-in member (or service account) as JSON."""
    with bootstrap.container() as wired:
        who = session.actor(wired, "staff")
    typer.echo(json.dumps({"username": who.name, "role": who.role.value,
                           "municipality_code": who.municipality_code}))


@app.command()
def add(
    username: str = typer.Argument(...),
    role: Role | None = typer.Option(None, "--role",
                                     help="clerk, operator, auditor, admin or booth."),
    municipality: str | None = typer.Option(
        None, "--municipality", help="A clerk's municipality (local-government code)."
    ),
    first_admin: bool = typer.Option(
        False, "--bootstrap", help="Create the first administrator of a new installation "
        "(only while there is none; no sign-in needed); prints its TOTP otpauth:// URI."),
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Create a staff account (an administrator signed in); the password is asked for."""
    if first_admin and (role not in (None, Role.ADMIN) or municipality):
        raise typer.BadParameter("--bootstrap creates an administrator: no --role or "
                                 "--municipality", param_hint="--bootstrap")
    if not first_admin and role is None:
        raise typer.BadParameter("give the account's role", param_hint="--role")
    code = parse_local_government_code(municipality) if municipality else None
    with bootstrap.container() as wired:
        if first_admin:
            password = session.secret("password", from_stdin=password_stdin,
                                      confirm=True)
            uri = staff_admin.bootstrap_admin(wired.uow, wired.hasher, wired.one_time_codes,
                                              username=username, password=password,
                                              now=wired.clock())
            Console(stderr=True).print(f"administrator {username} created; put this TOTP "
                                       "URI into an authenticator app (shown once):",
                                       markup=False, highlight=False)
            typer.echo(uri)
            return
        try:
            actor = session.actor(wired, "staff")
        except AuthenticationFailed as error:
            raise AuthenticationFailed(
                f"{error.message} (a new installation makes its first administrator with "
                "`mynumbercard staff add USERNAME --bootstrap`)") from None
        password = session.secret("password", from_stdin=password_stdin, confirm=True)
        account = staff_service.add_staff(
            wired.uow, wired.hasher, actor=actor, username=username, password=password,
            role=role or Role.CLERK, municipality_code=code, now=wired.clock())
    Console().print(f"staff account {account.username} ({account.role.value}) created")


@app.command("totp-enrol")
def totp_enrol(username: str = typer.Argument(...)) -> None:
    """Give an account a new TOTP second factor and print its otpauth:// URI, once.

    Required for administrators (they cannot sign in until enrolled); enrolling again
    replaces the old secret. Put the URI into an authenticator app."""
    with bootstrap.container() as wired:
        uri = staff_service.enrol_totp(wired.uow, wired.one_time_codes,
                                       actor=session.actor(wired, "staff"),
                                       username=username, now=wired.clock())
    typer.echo(uri)


@app.command("list")
def list_accounts() -> None:
    """Every staff and service account, as JSON lines (no secrets)."""
    with bootstrap.container() as wired:
        rows = staff_admin.list_staff(wired.uow, actor=session.actor(wired, "staff"),
                                      now=wired.clock())
    for row in rows:
        typer.echo(json.dumps(plain(row)))


@app.command()
def disable(username: str = typer.Argument(...)) -> None:
    """Disable an account (a service account's credential stops working) and end its
    live sessions."""
    with bootstrap.container() as wired:
        ended = staff_admin.disable_staff(wired.uow, actor=session.actor(wired, "staff"),
                                          username=username, now=wired.clock())
    typer.echo(f"{username} disabled; {ended} sessions ended")


@app.command("reset-password")
def reset_password(username: str = typer.Argument(...),
                   password_stdin: bool = PASSWORD_STDIN) -> None:
    """Give a member a new password (asked for, or one line of standard input); their
    live sessions end."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "staff")
        password = session.secret("new password", from_stdin=password_stdin, confirm=True)
        ended = staff_admin.reset_password(wired.uow, wired.hasher, actor=actor,
                                           username=username, password=password,
                                           now=wired.clock())
    typer.echo(f"{username} has a new password; {ended} sessions ended")


@app.command("add-service")
def add_service(
    username: str = typer.Argument(...),
    role: Role = typer.Option(..., "--role", help="The role its jobs need, e.g. operator."),
    scope: list[str] = typer.Option(..., "--scope", help="A command group it may run: "
                                    f"{', '.join(sorted(staff_admin.SCOPES))} (repeatable)."),
    municipality: str | None = typer.Option(None, "--municipality",
                                            help="A clerk's municipality."),
    out: Path = typer.Option(..., "--out", help="A new file (0600) for the credential."),
) -> None:
    """A service account for cron, with a long-lived credential written to OUT (only its
    hash is kept; give it to jobs with --credential or MYNUMBERCARD_CREDENTIAL_FILE)."""
    code = parse_local_government_code(municipality) if municipality else None
    if out.exists():
        raise typer.BadParameter(f"{out} exists already", param_hint="--out")
    with bootstrap.container() as wired:
        actor = session.actor(wired, "staff")
        session.save_token(out, "")  # writable? (else no account with a lost credential)
        try:
            made = staff_admin.add_service_account(
                wired.uow, wired.hasher, actor=actor, username=username, role=role,
                municipality_code=code, scopes=frozenset(scope), now=wired.clock())
        except BaseException:
            out.unlink(missing_ok=True)
            raise
    session.save_token(out, made.credential)
    typer.echo(f"service account {username} ({role.value}; {', '.join(sorted(scope))}); "
               f"credential in {out}")
