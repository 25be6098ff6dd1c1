"""`mynumbercard audit ...`: the audit log's hash chain (docs/operations.md)."""

from __future__ import annotations

import logging
import threading

import typer

from mynumbercard import bootstrap
from mynumbercard.cli import session
from mynumbercard.domain.staff import Permission
from mynumbercard.services import audit_chain

app = typer.Typer(help="The audit log's hash chain: seal, verify.", no_args_is_help=True)
log = logging.getLogger("mynumbercard.audit")


@app.command()
def seal(wait: float = typer.Option(10.0, "--wait", min=0, max=600,
                                    help="Seconds to wait for transactions in flight.")) -> None:
    """Chain the committed audit records into seals; append them to the anchor file."""
    with bootstrap.container() as wired:
        session.permitted(wired, "audit", Permission.AUDIT_READ)
        done = audit_chain.seal_log(wired.audit_chain, wired.audit_anchor, now=wired.clock(),
                                    wait_seconds=wait)
    typer.echo(f"{done.seals} seals, {done.records} records sealed; {done.anchored} seals "
               "anchored" + ("; transactions still in flight: run again" if done.waiting
                             else ""))


@app.command()
def verify() -> None:
    """Check the chain against the log, the anchor file and the signed head: exit 0 if
    intact, 1 naming the first record (or seal) changed, inserted or removed."""
    with bootstrap.container() as wired:
        session.permitted(wired, "audit", Permission.AUDIT_READ)
        data = wired.crl_sink.path_of(audit_chain.HEAD_NAME)
        signature = data.with_name(f"{data.name}.sig")
        head = None
        if data.is_file():  # published by `crl publish`; a missing signature fails
            head = (data.read_bytes(), signature.read_bytes() if signature.is_file() else b"")
        checker = wired.audit_head_checker() if head else None
        result = audit_chain.verify_log(wired.audit_chain, wired.audit_anchor, head=head,
                                        checker=checker)
    if result.broken is not None:
        typer.echo(f"audit log broken: {result.broken.message}")
        raise typer.Exit(1)
    typer.echo(f"audit log intact: {result.seals} seals, {result.records} records sealed, "
               f"{result.unsealed} not sealed yet; {result.anchored} seals in the anchor file"
               + (f"; signed head at seal {result.signed_head}" if result.signed_head else ""))
    if result.anchored < result.seals:
        typer.echo(f"warning: {result.seals - result.anchored} seals are not in the anchor "
                   "file yet (`audit seal` appends them)", err=True)


def sealer_thread(every: float) -> threading.Event:
    """Seal every `every` seconds in a daemon thread (for `serve`); set the event to stop."""
    stop = threading.Event()

    def run() -> None:
        with bootstrap.container() as wired:
            while not stop.wait(every):
                try:
                    audit_chain.seal_log(wired.audit_chain, wired.audit_anchor,
                                         now=wired.clock(), wait_seconds=every)
                except Exception:  # keep sealing: the next round retries what this missed
                    log.exception("audit sealing failed")

    threading.Thread(target=run, name="audit-sealer", daemon=True).start()
    return stop
