"""`mynumbercard db ...`: the schema."""

from __future__ import annotations

import typer
from rich.console import Console

from mynumbercard import bootstrap
from mynumbercard.adapters import data_dir
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.adapters.db.roles import grant_application_role

app = typer.Typer(help="The database: migrations.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database to the newest schema and load the municipalities; make the
    data directory private (0700, files 0600) where an older version left it readable."""
    from mynumbercard.adapters.db import migrate  # noqa: PLC0415 - alembic: slow to import
    with bootstrap.container() as wired:
        migrate.upgrade(wired.engine, revision)
        count = load_municipalities(wired.engine)
        current = migrate.current(wired.engine)
        settings = wired.settings
        tightened = data_dir.tighten(
            settings.home, crl_directory=settings.crl_directory,
            files=data_dir.sqlite_files(settings.resolved_database_url))
    console = Console()
    console.print(f"database at revision {current}; {count} municipalities")
    if tightened:
        console.print(f"made {len(tightened)} files and directories private (0600/0700)")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Migrate down (for development; production rolls forward)."""
    from mynumbercard.adapters.db import migrate  # noqa: PLC0415 - alembic: slow to import
    with bootstrap.container() as wired:
        migrate.downgrade(wired.engine, revision)
        current = migrate.current(wired.engine)
    Console().print(f"database at revision {current}")


@app.command()
def grant(role: str = typer.Argument(..., help="The PostgreSQL role the application runs as.")
          ) -> None:
    """PostgreSQL: let ROLE (not the tables' owner) read and write the register, but only
    insert into and read the audit log. Run as the owner after each upgrade."""
    with bootstrap.container() as wired:
        grant_application_role(wired.engine, role)
    Console().print(f"{role} may now run the application; the audit log is append-only to it")
