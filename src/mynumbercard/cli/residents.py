"""`mynumbercard residents ...`: the resident register in bulk."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime

import typer
from rich.console import Console

from mynumbercard import bootstrap
from mynumbercard.adapters.db.municipality_rows import has_register
from mynumbercard.cli.ocsp import produce_all
from mynumbercard.domain.dates import parse_iso_date
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.generators.bulk import DEFAULT_CHUNK_SIZE, Generated, generate_register

app = typer.Typer(help="The resident register in bulk.", no_args_is_help=True)

# The generator writes the register wholesale, unsigned-in (a development and load tool);
# its certificates' answers are signed under this name in the audit log.
GENERATOR = Actor("residents-generate", Role.OPERATOR)


@app.command()
def generate(
    count: int = typer.Option(..., "--count", min=1, help="Residents to add."),
    seed: int | None = typer.Option(
        None,
        "--seed",
        min=0,
        show_default=False,
        help="Seed for a reproducible register (default: a random one, printed).",
    ),
    today: str | None = typer.Option(
        None,
        "--today",
        metavar="YYYY-MM-DD",
        show_default=False,
        help="Reference date for ages and periods of stay (default: today).",
    ),
    chunk_size: int = typer.Option(
        DEFAULT_CHUNK_SIZE, "--chunk-size", min=1, help="Residents per transaction."
    ),
    with_cards: bool = typer.Option(
        False,
        "--with-cards",
        help="Also their cards, certificates and applications over the past ten years "
        "(about 78 % hold a valid card; docs/operations.md).",
    ),
) -> None:
    """Add COUNT synthetic residents: Faker ja_JP names, real postal addresses, the 2020
    census age pyramid, about 2.5 % foreign residents, valid unique Individual Numbers;
    with --with-cards, the cards and certificates they hold and held."""
    now = datetime.now(UTC)
    reference = parse_iso_date(today, field="--today") if today else now.date()
    err = Console(stderr=True, highlight=False)
    engine = bootstrap.engine()
    try:
        if not has_register(engine):
            err.print(
                "error: the database has no register yet: run `mynumbercard db upgrade` first",
                markup=False,
            )
            raise typer.Exit(2)
        if seed is None:
            seed = random.SystemRandom().randrange(2**32)
        err.print(
            f"seed {seed} (pass --seed {seed} --today {reference} to repeat this register)",
            markup=False,
        )
        started = time.perf_counter()
        written = generate_register(
            engine,
            count=count,
            seed=seed,
            today=reference,
            now=now,
            chunk_size=chunk_size,
            progress=True,
            with_cards=with_cards,
            crl_shards=bootstrap.settings().crl_shards,
        )
        _summary(written, time.perf_counter() - started, reference)
    finally:
        engine.dispose()
    if with_cards:
        _answer_every_certificate(err)


def _answer_every_certificate(err: Console) -> None:
    """The generated certificates' OCSP answers, so that each one is answered as in a
    register whose certificates were issued one by one (needs the CA)."""
    settings = bootstrap.settings()
    if not (settings.ca_directory / "ca.json").exists():
        err.print("no CA yet: after `mynumbercard ca init`, `mynumbercard ocsp produce` "
                  "signs the certificates' OCSP answers", markup=False)
        return
    with bootstrap.container(settings) as wired:
        done = produce_all(wired, GENERATOR)
    Console(highlight=False).print(
        f"{done['produced']:,} OCSP answers signed in {done['seconds']} s", markup=False)


def _summary(written: Generated, seconds: float, reference: date) -> None:
    rate = written.residents / seconds if seconds > 0 else float("inf")
    out = Console(highlight=False)
    out.print(
        f"generated {written.residents:,} residents as of {reference} in {seconds:.1f} s "
        f"({rate:,.0f} residents/s)",
        markup=False,
    )
    if written.cards:
        out.print(
            f"with {written.cards:,} cards and {written.certificates:,} certificates; "
            f"{written.incidents:,} re-issued cards carry the seeded wrong expiry "
            "(one year too long)",
            markup=False,
        )
