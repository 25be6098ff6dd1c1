"""How a job runs from the command line: for which day, for real or simulated, asked first.

- The day: today by the clock (`MYNUMBERCARD_CLOCK` in tests and demos); a day after
  today is refused (exit 2) unless `--simulate`.
- `--simulate`: the job runs in one transaction that is rolled back; its letters go to a
  new temporary directory (named on stderr); it prints what it would have done.
- A destructive job, on a terminal and without `--yes`, first runs as a simulation,
  says what it would do and asks; without a terminal it needs `--yes` (cron), else it
  refuses (exit 2) before doing anything.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress

from mynumbercard import bootstrap
from mynumbercard.cli import session
from mynumbercard.cli.confirm import YES, declined
from mynumbercard.cli.output import dumps
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.dates import parse_iso_date
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.services import audit, batch

SIMULATE = typer.Option(False, "--simulate", help="Run in a transaction that is rolled back "
                        "(a day after today allowed); letters go to a temporary directory; "
                        "prints what it would have done and changes nothing.")
WORKERS = typer.Option(1, "--workers", min=1, max=32,
                       help="Processes sharing the work (PostgreSQL).")
__all__ = ["SIMULATE", "WORKERS", "YES", "Job", "day_or_today", "progress_bar", "run"]

Work = Callable[[bootstrap.Container, Path | None], dict[str, Any]]


def job_moment(day: date) -> datetime:
    """A job run for a given day (catching up a day nobody ran it) acts at 9:00 in Japan."""
    return datetime.combine(day, time(9), tzinfo=JST)


def today() -> date:
    """Today in Japan, by the configured clock."""
    return bootstrap.make_clock(bootstrap.settings())().astimezone(JST).date()


def day_or_today(text: str | None, *, field: str, simulate: bool) -> date | None:
    """The day a job runs for: `text`, or None for today (the job's own now); a day
    after today only simulated."""
    if text is None:
        return None
    day, now = parse_iso_date(text, field=field), today()
    if day > now and not simulate:
        raise InvalidInput(f"{field} {day} is after today ({now}): a job does not run "
                           "ahead of its day; --simulate shows what it would do and changes "
                           "nothing")
    return day


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[batch.Progress], None]]:
    """A bar of the job's chunks (read from the chunk table) on a terminal's stderr; a
    script's output stays as it was."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda _: None
        return
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda p: bar.update(task, completed=p.done, total=p.total or None)


@dataclass(frozen=True)
class Job:
    """A job's work, given a container and (simulated) a directory for its letters."""

    what: str  # "destroy uncollected cards", for the question
    work: Work
    destructive: bool = True
    describe: Callable[[dict[str, Any]], str] = dumps


def _simulated(job: Job, letters: Path) -> dict[str, Any]:
    with bootstrap.container() as wired, wired.simulation() as simulated:
        return job.work(simulated, letters)


def run(job: Job, *, simulate: bool, yes: bool) -> dict[str, Any]:
    """Run `job` as the options say; its result (the simulated one when simulating)."""
    if job.destructive:  # who asks comes before what is asked (the work checks it too)
        with bootstrap.container() as wired:
            session.actor(wired, "jobs")
    if simulate:
        letters = Path(tempfile.mkdtemp(prefix="mynumbercard-simulate-"))
        result = _simulated(job, letters)
        with bootstrap.container() as wired:  # the run left nothing: say that it ran
            audit.record_simulation(wired.uow, actor=session.actor(wired, "jobs"),
                                    subject="job", details={"job": job.what},
                                    now=wired.clock())
        typer.echo(f"simulated: nothing was changed; letters it would have written are in "
                   f"{letters}", err=True)
        return result | {"simulated": True}
    if job.destructive and not yes:
        if not sys.stdin.isatty():
            raise InvalidInput(f"refusing to {job.what} without confirmation: no terminal "
                               "to ask on; pass --yes (cron), or --simulate to see what it "
                               "would do")
        with tempfile.TemporaryDirectory(prefix="mynumbercard-preview-") as scratch:
            preview = _simulated(job, Path(scratch))
        typer.echo(f"this will {job.what}: {job.describe(preview)}", err=True)
        if not typer.confirm("go ahead?", default=False, err=True):
            declined()
    with bootstrap.container() as wired:
        return job.work(wired, None)
