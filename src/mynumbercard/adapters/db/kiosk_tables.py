"""The tables of relying parties and the kiosk (migration 0023); on `tables.metadata`."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
)

from mynumbercard.adapters.db.tables import BigId, Timestamp, metadata

relying_parties = Table(
    "relying_parties",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("key_id", String(20), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("sealed_secret", LargeBinary, nullable=False),  # AES-GCM: the HMAC key
    Column("active", Boolean, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("created_by", String(80), nullable=False),
    # Mutual TLS (migration 0032): SHA-256 of the client certificate's DER, hexadecimal;
    # set, the proxy must pass on this certificate with every call.
    Column("client_cert_sha256", String(64), nullable=True),
    CheckConstraint("kind IN ('kiosk-operator', 'payment-service')", name="kind"),
)

relying_party_nonces = Table(
    "relying_party_nonces",
    metadata,
    # A nonce seen within the clock-skew window: a second request with it is a replay.
    Column("key_id", String(20), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("seen_at", Timestamp, nullable=False),
    Index("ix_relying_party_nonces_key_id_seen_at", "key_id", "seen_at"),
)

kiosk_challenges = Table(
    "kiosk_challenges",
    metadata,
    Column("challenge", String(64), primary_key=True),  # 32 random bytes, hexadecimal
    Column("operator", String(20), nullable=False),  # the kiosk operator's key id
    Column("issued_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False, index=True),
    Column("used_at", Timestamp, nullable=True),
)

kiosk_offers = Table(
    "kiosk_offers",
    metadata,
    Column("municipality_code", String(6), primary_key=True),
    Column("document", String(30), primary_key=True),
    Column("fee", Integer, nullable=False),  # yen
    Column("domicile", Boolean, nullable=False),  # the domicile printed on request
    CheckConstraint("fee >= 0", name="fee"),
)

kiosk_maintenance = Table(
    "kiosk_maintenance",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("starts_at", Timestamp, nullable=False),
    Column("ends_at", Timestamp, nullable=False, index=True),
    Column("note", String(200), nullable=False),
    Column("announced_by", String(80), nullable=False),
)

kiosk_documents = Table(
    "kiosk_documents",
    metadata,
    # What /verify answers from, and the fees charged per operator (settlement).
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("verification_code", String(19), nullable=False, unique=True),
    Column("document", String(30), nullable=False),
    Column("municipality_code", String(6), nullable=False),
    Column("resident_id", BigId, nullable=False, index=True),
    Column("issued_at", Timestamp, nullable=False),
    Column("operator", String(20), nullable=False),
    Column("fee", Integer, nullable=False),
    Column("pdf_sha256", String(64), nullable=False),
    Index("ix_kiosk_documents_operator_issued_at", "operator", "issued_at"),
)

kiosk_pin_failures = Table(
    "kiosk_pin_failures",
    metadata,
    # A wrong or locked PIN as the card reported it at a kiosk: the console's view of
    # one card across kiosks (the count is the card's own).
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("serial", String(40), nullable=False, index=True),  # the auth certificate's
    Column("operator", String(20), nullable=False),
    Column("tries_left", Integer, nullable=False),
    Column("at", Timestamp, nullable=False),
)
