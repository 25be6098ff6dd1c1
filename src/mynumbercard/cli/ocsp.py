"""`mynumbercard ocsp ...`: the pre-produced OCSP answers and this machine's answer store.

`produce --workers N` runs N processes that share the work through the database (SKIP
LOCKED on PostgreSQL), as the other batch jobs do; the parent shows a progress bar.
"""

from __future__ import annotations

import multiprocessing
import time as clock
from typing import Any

import typer
from rich.progress import Progress

from mynumbercard import bootstrap
from mynumbercard.adapters.db.ocsp_reader import OcspFeed
from mynumbercard.adapters.ocsp_follow import build_from_database
from mynumbercard.cli import session
from mynumbercard.cli.output import dumps
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import ocsp

app = typer.Typer(help="Pre-produced OCSP answers and the responder's answer store.",
                  no_args_is_help=True)


@app.command()
def refresh() -> None:
    """Re-sign the OCSP responses that expire within a day (run daily)."""
    with bootstrap.container() as wired:
        session.permitted(wired, "ocsp", Permission.CERTIFICATE_REVOKE)
        count = ocsp.refresh_responses(wired.uow, wired.authority, now=wired.clock())
    typer.echo(f"{count} OCSP responses re-signed")


def _produce(wired: bootstrap.Container, actor: Actor, run_key: str,
             on_chunk: Any = None) -> int:
    return ocsp.produce_missing(wired.uow, wired.authority, actor=actor, now=wired.clock(),
                                run_key=run_key, chunk_rows=wired.settings.job_chunk_rows,
                                on_chunk=on_chunk).produced


def _worker(actor: Actor, run_key: str) -> int:
    """One process's share; `actor` was checked once as the job started."""
    with bootstrap.container() as wired:
        return _produce(wired, actor, run_key)


def produce_all(wired: bootstrap.Container, actor: Actor, *, workers: int = 1) -> dict[str, Any]:
    """Every missing answer, by `workers` processes, with a progress bar."""
    run_key = ocsp.produce_run_key(wired.uow, wired.clock())
    if workers > 1 and wired.engine.dialect.name == "sqlite":
        # SQLite has one writer: the workers (signing under its write lock) and the
        # progress bar would only queue behind each other.
        typer.echo("SQLite: one worker (--workers shares the work on PostgreSQL)", err=True)
        workers = 1
    started = clock.perf_counter()
    with Progress(transient=True) as progress:
        task = progress.add_task("OCSP answers", total=None)
        if workers == 1:
            produced = _produce(wired, actor, run_key,
                                lambda rows: progress.advance(task, rows))
        else:
            # planned once here, so that the workers only claim chunks
            ocsp.plan_produce(wired.uow, run_key, chunk_rows=wired.settings.job_chunk_rows)
            context = multiprocessing.get_context("spawn")
            with context.Pool(workers) as pool:
                pending = [pool.apply_async(_worker, (actor, run_key)) for _ in range(workers)]
                while not all(p.ready() for p in pending):
                    done, total = ocsp.produce_progress(wired.uow, run_key)
                    progress.update(task, completed=done, total=max(total, 1))
                    clock.sleep(0.5)
                produced = sum(p.get() for p in pending)
    seconds = clock.perf_counter() - started
    return {"run_key": run_key, "produced": produced, "seconds": round(seconds, 1),
            "per_second": round(produced / seconds) if seconds > 0 else None}


@app.command()
def produce(workers: int = typer.Option(1, "--workers", min=1, max=32,
                                        help="Processes sharing the work (PostgreSQL).")
            ) -> None:
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
        hierarchy = wired.authority.hierarchy
        prefixes = {kind: hierarchy.issuer_key_hash(kind) for kind in CertKind}
        started = clock.perf_counter()
        stats = build_from_database(wired.settings.ocsp_store_directory,
                                    OcspFeed(wired.engine), prefixes)
    typer.echo(dumps({**stats, "seconds": round(clock.perf_counter() - started, 1),
                      "directory": str(wired.settings.ocsp_store_directory)}))
