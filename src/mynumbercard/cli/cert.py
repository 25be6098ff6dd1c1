"""`mynumbercard cert ...` and `crl ...`: certificate status (`ocsp ...`: cli/ocsp.py)."""

from __future__ import annotations

import typer

from mynumbercard import bootstrap
from mynumbercard.cli import session
from mynumbercard.cli.confirm import YES, confirm, declined
from mynumbercard.cli.output import dumps
from mynumbercard.domain.certificate import CertKind, RevocationReason, parse_serial
from mynumbercard.domain.staff import Permission
from mynumbercard.services import audit_chain, certificates, crls

app = typer.Typer(help="Certificates: revoke, suspend, status.", no_args_is_help=True)
crl_app = typer.Typer(help="Certificate revocation lists.", no_args_is_help=True)

KIND = typer.Option(None, "--kind", help="sign or auth, when a serial exists under both CAs.")


def _status(serial: int, kind: CertKind | None) -> None:
    with bootstrap.container() as wired:
        answer = certificates.certificate_status(wired.uow, serial=serial, kind=kind,
                                                 now=wired.clock())
    typer.echo(dumps(answer))


@app.command()
def revoke(
    serial: str = typer.Argument(..., help="Serial number (hex)."),
    reason: str = typer.Option(..., "--reason", help="RFC 5280 reason, e.g. keyCompromise."),
    kind: CertKind | None = KIND,
    yes: bool = YES,
) -> None:
    """Revoke a certificate, for good; its OCSP response is re-signed at once. Asks first
    on a terminal (--yes in scripts)."""
    number, why = parse_serial(serial), RevocationReason.parse(reason)
    with bootstrap.container() as wired:
        actor = session.actor(wired, "cert")  # who asks comes before what is asked
        if not confirm(f"revoke certificate {number:x} ({why.value}) for good", yes=yes):
            declined()
        certificates.change_status(wired.uow, wired.authority, actor=actor, serial=number,
                                   kind=kind, reason=why, now=wired.clock())
    _status(number, kind)


@app.command()
def suspend(serial: str = typer.Argument(..., help="Serial number (hex)."),
            kind: CertKind | None = KIND) -> None:
    """Suspend a certificate (certificateHold), as for a lost card."""
    number = parse_serial(serial)
    with bootstrap.container() as wired:
        certificates.change_status(wired.uow, wired.authority,
                                   actor=session.actor(wired, "cert"), serial=number,
                                   kind=kind, reason=RevocationReason.CERTIFICATE_HOLD,
                                   now=wired.clock())
    _status(number, kind)


@app.command()
def status(serial: str = typer.Argument(..., help="Serial number (hex)."),
           kind: CertKind | None = KIND) -> None:
    """The certificate's status as JSON (expired follows from the date)."""
    _status(parse_serial(serial), kind)


@crl_app.command()
def publish(delta: bool = typer.Option(False, "--delta",
                                       help="Delta CRLs against the last full ones.")) -> None:
    """Write every shard's CRL under the data directory, and the audit chain's signed
    head beside them; print their paths."""
    with bootstrap.container() as wired:
        session.permitted(wired, "crl", Permission.CERTIFICATE_REVOKE)
        paths = crls.publish_crls(wired.uow, wired.authority, wired.crl_sink,
                                  now=wired.clock(), delta=delta)
        paths += audit_chain.publish_head(wired.audit_chain, wired.audit_anchor,
                                          wired.authority, wired.crl_sink, now=wired.clock())
    for path in paths:
        typer.echo(path)
