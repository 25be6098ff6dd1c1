"""`mynumbercard ca ...`: the JPKI certificate authority."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from mynumbercard import bootstrap
from mynumbercard.cli import session
from mynumbercard.cli.confirm import YES, confirm, declined
from mynumbercard.domain.certificate import CertKind
from mynumbercard.services import ocsp

app = typer.Typer(help="The JPKI certificate authority.", no_args_is_help=True)


@app.command()
def init() -> None:
    """Create the root, the two issuing CAs, their OCSP signers and the card-management
    key (refuses to overwrite an existing CA); and, apart from it, the municipalities'
    organisational CA for signed documents (if not made yet)."""
    with bootstrap.container() as wired:
        session.admin(wired, "ca")
        wired.create_ca(now=wired.clock())
        wired.documents_root_pem(wired.clock())
    Console().print(f"CA created in {wired.ca_config.directory}")


@app.command()
def export(directory: Path = typer.Argument(..., help="Where to write the PEM files.")) -> None:
    """Write root.pem, sign-ca.pem, auth-ca.pem and ocsp.pem into DIRECTORY, and
    documents-root.pem, the root the municipalities' document signatures chain to
    (public certificates: no sign-in)."""
    with bootstrap.container() as wired:
        hierarchy = wired.ca_hierarchy()
        documents_root = wired.documents_root_pem(wired.clock())
    directory.mkdir(parents=True, exist_ok=True)
    for path in hierarchy.export(directory):
        typer.echo(str(path))
    if documents_root is None:
        typer.echo("documents-root.pem: not made yet (no CA passphrase configured)", err=True)
        return
    (directory / "documents-root.pem").write_bytes(documents_root)
    typer.echo(str(directory / "documents-root.pem"))


@app.command("renew-ocsp")
def renew_ocsp(
    kind: CertKind | None = typer.Option(None, "--kind", help="sign or auth (default both)."),
    yes: bool = YES,
) -> None:
    """New delegated OCSP signing keys and certificates (they last a year: renew well
    before), then every pre-produced response re-signed with them. Asks first on a
    terminal (--yes in scripts)."""
    which = kind.value if kind else "sign and auth"
    with bootstrap.container() as wired:
        session.admin(wired, "ca")  # who asks comes before what is asked
        if not confirm(f"replace the OCSP signing keys of {which} and re-sign every OCSP "
                       "response", yes=yes):
            declined()
        now = wired.clock()
        for each in [kind] if kind else list(CertKind):
            certificate = wired.authority.hierarchy.renew_ocsp_signer(each, now=now)
            typer.echo(f"{each.value}: new OCSP signer valid until "
                       f"{certificate.not_valid_after_utc.date()}")
        count = ocsp.refresh_responses(wired.uow, wired.authority, now=now, everything=True)
    typer.echo(f"{count} OCSP responses re-signed")
