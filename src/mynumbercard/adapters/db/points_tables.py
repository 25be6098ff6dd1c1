"""The tables of My Number Points (migration 0028); on `tables.metadata`."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from mynumbercard.adapters.db.tables import BigId, Timestamp, metadata

point_campaigns = Table(
    "point_campaigns",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(60), nullable=False, unique=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("rate_percent", Integer, nullable=False),
    Column("cap", Integer, nullable=False),
    Column("charges", Boolean, nullable=False),
    Column("purchases", Boolean, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("created_by", String(80), nullable=False),
)

point_enrolments = Table(
    "point_enrolments",
    metadata,
    # One per person (unique resident), whatever card they hold later.
    Column("enrolment_id", String(20), primary_key=True),
    Column("resident_id", BigId, ForeignKey("residents.id"), nullable=False, unique=True),
    Column("service", String(20), ForeignKey("relying_parties.key_id"), nullable=False),
    Column("enrolled_at", Timestamp, nullable=False),
    Column("enrolled_by", String(80), nullable=False),
)

point_reports = Table(
    "point_reports",
    metadata,
    # The primary key settles a repeated report: counted once.
    Column("service", String(20), primary_key=True),
    Column("report_id", String(64), primary_key=True),
    Column("enrolment_id", String(20), nullable=False),
    Column("campaign_id", BigId, ForeignKey("point_campaigns.id"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("amount", Integer, nullable=False),
    Column("occurred_at", Timestamp, nullable=False),
    Column("received_at", Timestamp, nullable=False),
    Column("granted", Integer, nullable=False),
    CheckConstraint("kind IN ('charge', 'purchase')", name="kind"),
    Index("ix_point_reports_campaign_id_service", "campaign_id", "service"),
)

point_balances = Table(
    "point_balances",
    metadata,
    # Locked (FOR UPDATE) while a report's grant is computed: the cap holds under races.
    Column("campaign_id", BigId, ForeignKey("point_campaigns.id"), primary_key=True),
    Column("resident_id", BigId, primary_key=True),
    Column("granted", Integer, nullable=False),
)

point_sign_ins = Table(
    "point_sign_ins",
    metadata,
    # The holder's points page (migration 0032): the code the page shows, the hash of the
    # browser's cookie, the challenge the card signs; the person once signed.
    Column("code", String(9), primary_key=True),
    Column("browser_hash", String(64), nullable=False, unique=True),
    Column("challenge", String(64), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False, index=True),
    Column("resident_id", BigId, nullable=True),
    Column("signed_at", Timestamp, nullable=True),
)
