"""`mynumbercard backup DIR` and `mynumbercard restore DIR` (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from mynumbercard import bootstrap
from mynumbercard.adapters import backup as backups
from mynumbercard.cli import session
from mynumbercard.services import audit_chain


def _place(wired: bootstrap.Container) -> backups.Place:
    s = wired.settings
    return backups.Place(home=s.home, anchor=s.audit_anchor_path,
                         database_url=s.resolved_database_url)


def backup(target: Path = typer.Argument(..., help="A new, empty directory.")) -> None:
    """Seal the audit log, then copy the database (online) and the data directory --
    without the CA passphrase, which is kept apart."""
    with bootstrap.container() as wired:
        session.admin(wired, "backup")
        audit_chain.seal_log(wired.audit_chain, wired.audit_anchor, now=wired.clock())
        backups.backup(wired.engine, _place(wired), target, now=wired.clock())
    typer.echo(str(target))


def restore(source: Path = typer.Argument(..., help="A directory `backup` wrote.")) -> None:
    """Restore a backup into an empty data directory and an empty database; then check
    it with `audit verify` and give the CA its passphrase. (No sign-in: the target
    database is empty, so there is no one to sign in as.)"""
    with bootstrap.container() as wired:
        kind = backups.restore(wired.engine, _place(wired), source)
    typer.echo(f"restored the {kind} database and {wired.settings.home}")
