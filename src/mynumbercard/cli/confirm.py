"""Destructive commands say what they would do and ask first; `--yes` for cron."""

from __future__ import annotations

import sys

import typer

from mynumbercard.domain.errors import InvalidInput

YES = typer.Option(False, "--yes", "-y", help="Do it without asking (cron, scripts).")


def confirm(what: str, *, yes: bool) -> bool:
    """True to go ahead. On a terminal the user is asked; without one, only `--yes` goes
    ahead (a refusal, exit 2, rather than a job that waits for an answer nobody gives)."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise InvalidInput(f"refusing to {what} without confirmation: no terminal to ask "
                           "on; pass --yes")
    typer.echo(f"this will {what}", err=True)
    return typer.confirm("go ahead?", default=False, err=True)


def declined() -> None:
    typer.echo("nothing done", err=True)
    raise typer.Exit(1)
