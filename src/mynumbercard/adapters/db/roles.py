"""The database role the application runs as, on PostgreSQL.

Migrations run as the role that owns the tables (`db upgrade`); `serve`, the jobs and
the CLI run as another role, which may read and write the register but only INSERT
and SELECT the audit log and its seals. Not owning them, it cannot disable their
triggers, and without the privilege it cannot UPDATE, DELETE or TRUNCATE them.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

from mynumbercard.domain.errors import InvalidInput

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
APPEND_ONLY = ("audit_log", "audit_seals")


def grant_application_role(engine: Engine, role: str) -> None:
    """Give `role` what the application needs; re-run after each `db upgrade`."""
    if engine.dialect.name != "postgresql":
        raise InvalidInput("roles exist on PostgreSQL only (SQLite has no users)")
    if not _ROLE.fullmatch(role):
        raise InvalidInput("a role name is lower-case letters, digits and _ (at most 63)")
    quoted = engine.dialect.identifier_preparer.quote_identifier(role)
    append_only = ", ".join(APPEND_ONLY)
    with engine.begin() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
            raise InvalidInput(f"there is no role {role}: CREATE ROLE it first")
        for statement in (
            f"GRANT USAGE ON SCHEMA public TO {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {append_only} FROM {quoted}",
            f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {quoted}",
        ):
            conn.execute(text(statement))
