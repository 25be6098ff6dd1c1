"""`mynumbercard ca ...`: the JPKI certificate authority."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from mynumbercard import bootstrap
from mynumbercard.adapters import ca_setup
from mynumbercard.adapters.pki import CaHierarchy

app = typer.Typer(help="The JPKI certificate authority.", no_args_is_help=True)


@app.command()
def init() -> None:
    """Create the root, the two issuing CAs, their OCSP signers and the card-management
    key (refuses to overwrite an existing CA)."""
    with bootstrap.container() as wired:
        config = wired.ca_config
        ca_setup.initialise(config, now=wired.clock())
    Console().print(f"CA created in {config.directory}")


@app.command()
def export(directory: Path = typer.Argument(..., help="Where to write the PEM files.")) -> None:
    """Write root.pem, sign-ca.pem, auth-ca.pem and ocsp.pem into DIRECTORY."""
    with bootstrap.container() as wired:
        config = wired.ca_config
        hierarchy = CaHierarchy.open(config.directory, keys=ca_setup.key_store(config))
    directory.mkdir(parents=True, exist_ok=True)
    for path in hierarchy.export(directory):
        typer.echo(str(path))
