"""`mynumbercard ocsp ...`: the pre-produced OCSP answers and this machine's answer store.

`refresh` and `produce` are batch jobs like the others (services/batch.py): chunked,
resumable, `--workers N` processes sharing the work through the database (SKIP LOCKED on
PostgreSQL), a progress bar on a terminal.
"""

from __future__ import annotations

import time as clock
from typing import Any

import typer

from mynumbercard import batch_jobs, bootstrap
from mynumbercard.cli import session
from mynumbercard.cli.output import dumps
from mynumbercard.cli.runs import WORKERS, progress_bar
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import ocsp

app = typer.Typer(help="Pre-produced OCSP answers and the responder's answer store.",
                  no_args_is_help=True)


@app.command()
def refresh(workers: int = WORKERS) -> None:
    """Re-sign the OCSP responses that expire within a day (run daily); prune the change
    feed older than a day."""
    with bootstrap.container() as wired:
        session.permitted(wired, "ocsp", Permission.CERTIFICATE_REVOKE)
        order = batch_jobs.OcspRefresh(run_key=batch_jobs.queue_run_key(wired, ocsp.REFRESH),
                                       now=wired.clock())
        with progress_bar("OCSP responses") as shown:
            ran = batch_jobs.start(wired, order, workers=workers, on_progress=shown)
    typer.echo(f"{ran.started.outcome.rows[ocsp.REFRESH]} OCSP responses re-signed")


def produce_all(wired: bootstrap.Container, actor: Actor, *, workers: int = 1) -> dict[str, Any]:
    """Every missing answer, by `workers` processes (one on SQLite), a progress bar on a
    terminal."""
    if workers > 1 and wired.engine.dialect.name == "sqlite":
        # SQLite has one writer: the workers (signing under its write lock) would only
        # queue behind each other.
        typer.echo("SQLite: one worker (--workers shares the work on PostgreSQL)", err=True)
        workers = 1
    order = batch_jobs.OcspProduce(run_key=ocsp.produce_run_key(wired.uow, wired.clock()),
                                   actor=actor, now=wired.clock())
    started = clock.perf_counter()
    with progress_bar("OCSP answers") as shown:
        ran = batch_jobs.start(wired, order, workers=workers, on_progress=shown)
    produced = ran.started.outcome.rows[ocsp.PRODUCE_JOB]
    seconds = clock.perf_counter() - started
    return {"run_key": order.run_key, "produced": produced, "seconds": round(seconds, 1),
            "per_second": round(produced / seconds) if seconds > 0 else None}


@app.command()
def produce(workers: int = WORKERS) -> None:
    """Sign the answer of every unexpired certificate that has none (certificates
    loaded in bulk or from another system). Chunked and resumable: run again after a
    crash, it goes on where it stopped."""
    with bootstrap.container() as wired:
        actor = session.permitted(wired, "ocsp", Permission.CERTIFICATE_REVOKE)
        typer.echo(dumps(produce_all(wired, actor, workers=workers)))


@app.command("build-store")
def build_store() -> None:
    """Build this machine's answer store (LMDB, `$MYNUMBERCARD_OCSP_STORE`, default
    `$MYNUMBERCARD_HOME/ocsp`) from every answer in the database, beside the old one,
    and switch to it when complete. Responders follow the change feed from there."""
    with bootstrap.container() as wired:
        session.permitted(wired, "ocsp", Permission.CERTIFICATE_REVOKE)
        started = clock.perf_counter()
        stats = wired.build_ocsp_store()
    typer.echo(dumps({**stats, "seconds": round(clock.perf_counter() - started, 1),
                      "directory": str(wired.settings.ocsp_store_directory)}))
