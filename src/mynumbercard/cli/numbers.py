"""`mynumbercard number ...`."""

import typer

app = typer.Typer(help="Individual Numbers: check digits and validity.", no_args_is_help=True)
