"""`mynumbercard rules ...`."""

import typer

app = typer.Typer(help="The statutory rules: expiry dates and relocation.", no_args_is_help=True)
