"""The counter tasks' table (migrations 0030, 0035); on `tables.metadata`."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)

from mynumbercard.adapters.db.tables import BigId, Timestamp, metadata

OPEN = "status IN ('pending', 'taken')"

counter_tasks = Table(
    "counter_tasks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(12), nullable=False),
    Column("card_id", BigId, ForeignKey("cards.id"), nullable=False),
    Column("resident_id", BigId, ForeignKey("residents.id"), nullable=False),
    Column("municipality_code", String(6), nullable=False),
    Column("clerk", String(80), nullable=False),
    Column("details", Text, nullable=False),  # JSON: what the clerk checked, never a PIN
    Column("status", String(12), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("taken_at", Timestamp, nullable=True),
    Column("finished_at", Timestamp, nullable=True),
    Column("outcome", String(500), nullable=True),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("outcome_code", String(24), nullable=True),  # domain OutcomeCode, for the page
    CheckConstraint("kind IN ('hand_over', 'unlock', 'renew', 'correct', 'custody')",
                    name="kind"),
    CheckConstraint("status IN ('pending', 'taken', 'done', 'failed', 'cancelled')",
                    name="status"),
    # one open task per card: two pages cannot send the same card to two terminals
    Index("uq_counter_tasks_open_card", "card_id", unique=True,
          sqlite_where=text(OPEN), postgresql_where=text(OPEN)),
    Index("ix_counter_tasks_clerk_status", "clerk", "status", "id"),
    Index("ix_counter_tasks_resident_id", "resident_id"),
)
