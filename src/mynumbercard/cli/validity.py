"""`jobs audit-validity` and `corrections ...`: the wrong-validity check and its cases."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from mynumbercard import batch_jobs, bootstrap
from mynumbercard.cli import runs, session
from mynumbercard.cli.output import dumps
from mynumbercard.domain.correction import CaseStatus
from mynumbercard.services import validity_check
from mynumbercard.services.pki_ports import CardTerminal

corrections_app = typer.Typer(help="Correction cases of the wrong-validity audit.",
                              no_args_is_help=True)


def _print_report(answer: validity_check.AuditReport) -> None:
    table = Table(title=f"wrong-validity audit {answer.run}: {answer.findings} findings")
    for column in ("municipality", "findings", "by cause"):
        table.add_column(column)
    for row in answer.by_municipality:
        table.add_row(f"{row.code} {row.name}", str(row.findings),
                      ", ".join(f"{k} {v}" for k, v in row.by_cause.items()))
    Console().print(table)
    Console().print("by cause: " + ", ".join(f"{k} {v}" for k, v in answer.by_cause.items()))


def audit_validity_command(
    run: str | None = typer.Option(None, "--run", help="Run key (default: today); the same "
                                   "key resumes a run that stopped."),
    workers: int = runs.WORKERS,
    report_only: bool = typer.Option(False, "--report", help="Only print the last report."),
    as_json: bool = typer.Option(False, "--json", help="The report as JSON."),
) -> None:
    """Recompute every card's and certificate's expiry from the rules, list each
    difference with its cause, open a correction case and queue a contact letter for
    each affected holder; then print the report by municipality and cause."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "jobs")
        key = validity_check.run_key_of(wired.clock(), run)
        if not report_only:
            order = batch_jobs.AuditValidity(run_key=key, actor=actor, now=wired.clock())
            with runs.progress_bar("audit") as shown:
                batch_jobs.start(wired, order, workers=workers, on_progress=shown)
        answer = validity_check.report(wired.uow, actor=actor,
                                       run_key=None if report_only else key)
    if as_json:
        typer.echo(dumps(answer))
    else:
        _print_report(answer)


@corrections_app.command("list")
def list_cases(
    status: CaseStatus | None = typer.Option(None, "--status"),
    limit: int = typer.Option(100, "--limit", min=1, max=1000),
) -> None:
    """Correction cases, as one JSON list (`[]` when there are none)."""
    with bootstrap.container() as wired:
        cases = validity_check.list_cases(wired.uow, actor=session.actor(wired, "corrections"),
                                          status=status, limit=limit)
    typer.echo(dumps(list(cases)))


@corrections_app.command()
def correct(
    case: int = typer.Argument(..., help="The case id."),
    card: Path | None = typer.Option(None, "--card", help="The holder's card file in the "
                                     "reader, updated in place (default: the card in the "
                                     "office's vault, if the office holds it)."),
) -> None:
    """At the counter: set the card's expiry right, re-issue certificates that ran past it."""
    with bootstrap.container() as wired:
        actor = session.actor(wired, "corrections")

        def terminal(number: str) -> CardTerminal | None:
            if card is not None:
                return wired.card_terminal(card)
            return wired.vault.terminal(number) if wired.vault.holds(number) else None

        done = validity_check.correct_case(wired.uow, wired.ca, terminal, actor=actor,
                                           case_id=case, now=wired.clock())
    typer.echo(dumps({"case": case, "card_expires_on": done.card_expires_on.isoformat(),
                      "certificates": [c.serial_hex for c in done.certificates]}))


@corrections_app.command()
def dismiss(case: int = typer.Argument(..., help="The case id.")) -> None:
    """Close a case found not to be an error after review."""
    with bootstrap.container() as wired:
        validity_check.dismiss_case(wired.uow, actor=session.actor(wired, "corrections"),
                                    case_id=case, now=wired.clock())
    typer.echo(dumps({"case": case, "status": "dismissed"}))
