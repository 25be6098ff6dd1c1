"""The `mynumbercard` command."""

from __future__ import annotations

from typing import Any

import click
import typer
from rich.console import Console
from typer.core import TyperGroup

from mynumbercard.cli import numbers, rules
from mynumbercard.cli.errors import exit_code_for
from mynumbercard.domain.errors import DomainError


class _DomainErrorsAsExitCodes(TyperGroup):
    """Every command runs under this group: a domain error is a message and a status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as error:
            Console(stderr=True).print(f"error: {error.message}", highlight=False, markup=False)
            raise click.exceptions.Exit(exit_code_for(error)) from None


app = typer.Typer(
    cls=_DomainErrorsAsExitCodes,
    help="mynumbercard: Japan's Individual Number Card system.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(numbers.app, name="number")
app.add_typer(rules.app, name="rules")


def run() -> None:
    app()
