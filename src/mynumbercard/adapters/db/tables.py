"""The schema, as SQLAlchemy Core tables (the migrations in ``migrations/`` create it).

Sized for 125 million residents: BIGINT keys, every look-up path indexed, no column
holding a PIN, a password or a private key.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# Named constraints, so that migrations (and SQLite batch mode) can refer to them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite wants INTEGER PRIMARY KEY for its rowid alias; PostgreSQL gets BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class _SqliteUtc(TypeDecorator[datetime]):
    """SQLite keeps a moment as text without its zone and compares the text: every
    moment bound (written or compared) goes in as UTC, so that a period given in Japan
    time (a day from 00:00 JST) does not miss its first nine hours."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value


Timestamp = DateTime(timezone=True).with_variant(_SqliteUtc(timezone=True), "sqlite")


def key_text(length: int) -> TypeEngine[str]:
    """A folded search key: compared code point by code point on PostgreSQL."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")

municipalities = Table(
    "municipalities",
    metadata,
    Column("code", String(5), primary_key=True),
    Column("name", String(40), nullable=False),
    Column("kana", String(80), nullable=False),
    Column("prefecture", String(8), nullable=False),
    Column("prefecture_kana", String(16), nullable=False),
    Column("designated_city_code", String(5), nullable=True),
)

residents = Table(
    "residents",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("individual_number", String(12), nullable=True, unique=True),
    Column("number_assigned_on", Date, nullable=True),
    Column("number_notice_kind", String(32), nullable=True),
    Column("family_name", String(40), nullable=False),
    Column("given_name", String(40), nullable=False),
    Column("family_name_kana", String(80), nullable=False),
    Column("given_name_kana", String(80), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(8), nullable=False),
    Column(
        "municipality_code",
        String(5),
        ForeignKey("municipalities.code"),
        nullable=False,
    ),
    Column("postal_code", String(7), nullable=False),
    Column("address", String(200), nullable=False),
    Column("nationality", String(2), nullable=False),
    Column("residence_status", String(40), nullable=False),
    Column("period_of_stay_until", Date, nullable=True),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    # The former surname (旧氏) shown with the name, as the holder asked at a change of name.
    Column("former_family_name", String(40), nullable=True),
    Column("former_family_name_kana", String(80), nullable=True),
    # Folded search keys (domain/search_key.py), kept in sync on every write; binary
    # ("C") order on PostgreSQL, so that a prefix (LIKE 'x%') is an index range.
    Column("name_key", key_text(120), nullable=False, server_default=""),
    Column("kana_key", key_text(120), nullable=False, server_default=""),
    Column("address_key", key_text(200), nullable=False, server_default=""),
    CheckConstraint("status IN ('active', 'deceased', 'emigrated')", name="status"),
    CheckConstraint("sex IN ('male', 'female')", name="sex"),
    CheckConstraint(
        "(residence_status = 'limited_stay') = (period_of_stay_until IS NOT NULL)",
        name="period_of_stay",
    ),
    # A clerk lists the residents of one municipality; the birthday cohorts of later
    # jobs start from the birth date.
    Index(None, "municipality_code", "status"),
    Index(None, "birth_date"),
    # A clerk's search: a name or kana prefix with a birth date; an address prefix in a
    # postal code (migration 0013).
    Index(None, "municipality_code", "birth_date", "kana_key"),
    Index(None, "postal_code", "address_key"),
    # The whole country's: both keys under the birth date (migration 0026).
    Index(None, "birth_date", "kana_key"),
    Index(None, "birth_date", "name_key"),
)

resident_events = Table(
    "resident_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("resident_id", BigId, ForeignKey("residents.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("from_municipality", String(5), nullable=True),
    Column("to_municipality", String(5), nullable=True),
    Column("recorded_at", Timestamp, nullable=False),
)

resident_stays = Table(
    "resident_stays",
    metadata,
    # A foreign resident's periods of stay, one row at registration and one at each
    # extension; `card_id` the card whose validity was extended to it (at the holder's
    # application at the office), so that the validity check judges each card by its own stay.
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("resident_id", BigId, ForeignKey("residents.id"), nullable=False),
    Column("until", Date, nullable=False),
    Column("granted_on", Date, nullable=False),
    Column("card_id", BigId, ForeignKey("cards.id"), nullable=True),
    Column("card_extended_on", Date, nullable=True),
    Column("recorded_at", Timestamp, nullable=False),
    CheckConstraint("(card_id IS NULL) = (card_extended_on IS NULL)", name="card_extension"),
    Index(None, "resident_id", "granted_on"),
)

staff = Table(
    "staff",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),  # argon2id, never the password
    Column("role", String(16), nullable=False),
    Column("municipality_code", String(5), ForeignKey("municipalities.code"), nullable=True),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", Timestamp, nullable=False),
    # A service account (cron): the command groups it may run, and the SHA-256 of its
    # long-lived credential; both NULL for a person.
    Column("scopes", String(200), nullable=True),
    Column("credential_hash", String(64), nullable=True, unique=True),
    CheckConstraint("role IN ('clerk', 'operator', 'auditor', 'admin', 'booth')",
                    name="role"),
    CheckConstraint("role <> 'clerk' OR municipality_code IS NOT NULL", name="clerk_municipality"),
    CheckConstraint("(scopes IS NULL) = (credential_hash IS NULL)", name="service_scopes"),
)

sessions = Table(
    "sessions",
    metadata,
    # SHA-256 of the bearer token: a stolen database yields no usable token.
    Column("token_hash", String(64), primary_key=True),
    Column("staff_id", BigId, ForeignKey("staff.id"), nullable=False, index=True),
    Column("issued_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    Column("revoked_at", Timestamp, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", Timestamp, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(64), nullable=False),  # e.g. resident:move
    Column("subject", String(80), nullable=False),  # e.g. resident:123 (never a number or name)
    Column("details", JSON, nullable=True),
    Index(None, "subject", "at"),
    Index(None, "at"),
    Index("ix_audit_log_actor_id", "actor", "id"),  # the auditor's filters, newest first
    Index("ix_audit_log_action_id", "action", "id"),
)

audit_seals = Table(
    "audit_seals",
    metadata,
    # The hash chain over the audit log (domain/audit_chain.py): seal `seq` covers the
    # ids first_id..last_id; `entries` holds each record's id and SHA-256, in id order.
    # The primary key settles two sealers racing for the same seq.
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("first_id", BigInteger, nullable=False),
    Column("last_id", BigInteger, nullable=False),
    Column("records", Integer, nullable=False),
    Column("entries", LargeBinary, nullable=False),
    Column("previous_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("sealed_at", Timestamp, nullable=False),
)

# -- The card and its JPKI certificates ------------------------------------------------

cards = Table(
    "cards",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("card_number", String(32), nullable=False, unique=True),  # the chip's card id
    Column("resident_id", BigId, ForeignKey("residents.id"), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("expires_on", Date, nullable=False),
    # The day the application was received: the rules' minor test depends on it, and the
    # wrong-validity check recomputes from it. NULL for cards made before it was kept.
    Column("applied_on", Date, nullable=True),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    CheckConstraint(
        "status IN ('produced', 'destroyed', 'active', 'lost', 'returned', 'invalidated', "
        "'lapsed')",
        name="status"),
    # A day's expiry cohort (validity notices, expiry sweeps) is a range scan.
    Index(None, "expires_on"),
)

certificates = Table(
    "certificates",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("serial", String(40), nullable=False),  # lower-case hex, no leading zeros
    Column("kind", String(4), nullable=False),  # sign | auth
    Column("card_id", BigId, ForeignKey("cards.id"), nullable=False, index=True),
    Column("status", String(16), nullable=False),  # active | suspended | revoked
    Column("not_before", Timestamp, nullable=False),
    Column("not_after", Timestamp, nullable=False),
    Column("shard", Integer, nullable=False),
    Column("revoked_at", Timestamp, nullable=True),
    Column("revocation_reason", String(32), nullable=True),
    # The last certificateHold lifted (a lost card found): delta CRLs list it with
    # removeFromCRL when it falls after their base.
    Column("released_at", Timestamp, nullable=True),
    # NULL only for certificates loaded from another system (or by the synthetic
    # generator) whose bodies are archived elsewhere: their dates and status are here.
    Column("der", LargeBinary, nullable=True),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    CheckConstraint("kind IN ('sign', 'auth')", name="kind"),
    CheckConstraint("status IN ('active', 'suspended', 'revoked')", name="status"),
    CheckConstraint("(status = 'active') = (revoked_at IS NULL)", name="revoked_at"),
    # One serial space per issuing CA.
    Index(None, "kind", "serial", unique=True),
    # A CRL shard lists the suspended and revoked certificates of one CA and shard that
    # have not expired: a range scan of this index.
    Index(None, "kind", "shard", "status", "not_after"),
    # Expiry notices and sweeps take a day's cohort.
    Index(None, "not_after"),
)

certificate_events = Table(
    "certificate_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("certificate_id", BigId, ForeignKey("certificates.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # issued | suspended | resumed | revoked
    Column("reason", String(32), nullable=True),
    Column("at", Timestamp, nullable=False),
    Column("actor", String(80), nullable=False),
)

card_loss_reports = Table(
    "card_loss_reports",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("card_id", BigId, ForeignKey("cards.id"), nullable=False, index=True),
    Column("via", String(12), nullable=False),  # call_centre | counter
    Column("reported_at", Timestamp, nullable=False),
    Column("reported_by", String(80), nullable=False),
    Column("status", String(12), nullable=False),  # open | found | confirmed
    Column("closed_at", Timestamp, nullable=True),
    Column("closed_by", String(80), nullable=True),
    Column("version", Integer, nullable=False, server_default="0"),
    CheckConstraint("via IN ('call_centre', 'counter')", name="via"),
    CheckConstraint("status IN ('open', 'found', 'confirmed')", name="status"),
    # One open report per card: two reports at once settle in the database.
    Index("uq_card_loss_reports_open", "card_id", unique=True,
          sqlite_where=Column("status") == "open",
          postgresql_where=Column("status") == "open"),
)

ocsp_responses = Table(
    "ocsp_responses",
    metadata,
    # Produced ahead of time and re-signed at once on every status change, so serving
    # is a primary-key look-up and no private-key operation happens per request.
    Column("kind", String(4), primary_key=True),
    Column("serial", String(40), primary_key=True),
    Column("der", LargeBinary, nullable=False),
    Column("this_update", Timestamp, nullable=False),
    Column("next_update", Timestamp, nullable=False, index=True),
)

ocsp_changes = Table(
    "ocsp_changes",
    metadata,
    # The change feed: a row per response written, so every responder's answer store
    # follows the database within the second without a rebuild (docs/pki.md). Pruned
    # by `ocsp refresh` after a day; a store further behind is rebuilt.
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(4), nullable=False),
    Column("serial", String(40), nullable=False),
    Column("at", Timestamp, nullable=False, index=True),
    sqlite_autoincrement=True,  # ids never reused, even once the feed is pruned empty
)

crl_numbers = Table(
    "crl_numbers",
    metadata,
    # The last CRL number per CA and shard (full and delta share one increasing
    # sequence, RFC 5280 5.2.3) and the number of the last full CRL (a delta's base).
    Column("kind", String(4), primary_key=True),
    Column("shard", Integer, primary_key=True),
    Column("number", BigInteger, nullable=False),
    Column("base_number", BigInteger, nullable=False),
    Column("base_this_update", Timestamp, nullable=False),
)

# -- Applications, production, shipping, pick-up ----------------------------------------

application_forms = Table(
    "application_forms",
    metadata,
    # The 23-digit Application ID printed on the paper form and in its QR code. A new
    # form (after a move, or a lost form) kills the resident's previous one.
    Column("application_id", String(23), primary_key=True),
    Column("resident_id", BigId, ForeignKey("residents.id"), nullable=False),
    Column("reason", String(16), nullable=False),
    Column("issued_at", Timestamp, nullable=False),
    Column("dead_at", Timestamp, nullable=True),
    CheckConstraint("reason IN ('first', 'moved', 'lost', 'renewal', 'reissue')",
                    name="reason"),
    Index(None, "resident_id"),
    # At most one live form per resident.
    Index("uq_application_forms_live", "resident_id", unique=True,
          sqlite_where=Column("dead_at").is_(None),
          postgresql_where=Column("dead_at").is_(None)),
)

production_runs = Table(
    "production_runs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("produced_on", Date, nullable=False),  # the cards' issue date
    Column("cards", Integer, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("municipality_code", String(5), ForeignKey("municipalities.code"), nullable=False),
    Column("cards", Integer, nullable=False),
    Column("shipped_at", Timestamp, nullable=False),
    Column("received_at", Timestamp, nullable=True),
    Column("received_by", String(80), nullable=True),
    Index(None, "municipality_code", "received_at"),
)

applications = Table(
    "applications",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("application_id", String(23), ForeignKey("application_forms.application_id"),
           nullable=False, unique=True),
    Column("resident_id", BigId, ForeignKey("residents.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("status", String(20), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("submissions", Integer, nullable=False),
    Column("want_signature_certificate", Boolean, nullable=False),
    Column("want_auth_certificate", Boolean, nullable=False),
    Column("photo_digest", String(64), nullable=False),  # SHA-256 of the stored photo
    Column("photo_findings", JSON, nullable=True),
    Column("deficiency_reason", String(24), nullable=True),
    Column("deficiency_message", String(400), nullable=True),
    Column("card_id", BigId, ForeignKey("cards.id"), nullable=True, unique=True),
    Column("production_run_id", BigId, ForeignKey("production_runs.id"), nullable=True),
    Column("shipment_id", BigId, ForeignKey("shipments.id"), nullable=True, index=True),
    Column("office_code", String(5), ForeignKey("municipalities.code"), nullable=True),
    # The holder's municipality of today, kept in step with residents.municipality_code
    # by SqlResidents (migration 0016): a municipality's queue before shipping.
    Column("holder_municipality_code", String(5), nullable=True),
    Column("pick_up_deadline", Date, nullable=True),
    Column("pin_form_number", String(10), nullable=True),  # the sealed PIN form mailed
    Column("notice_printed_at", Timestamp, nullable=True),
    Column("reminder_printed_at", Timestamp, nullable=True),
    Column("arrived_on", Date, nullable=True),
    Column("void_reason", String(20), nullable=True),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    CheckConstraint("channel IN ('mail', 'pc', 'smartphone', 'photo_booth')", name="channel"),
    CheckConstraint("kind IN ('first', 'renewal', 'reissue')", name="kind"),
    CheckConstraint(
        "status IN ('received', 'in_review', 'deficient', 'approved', 'in_production', "
        "'shipped', 'ready_for_pick_up', 'handed_over', 'voided')", name="status"),
    # The batch steps take one status at a time, oldest first: a range scan.
    Index(None, "status", "id"),
    # The review queue: one status, oldest received first, keyset-paged (migration 0013).
    Index(None, "status", "received_on", "id"),
    # ... a municipality's applications before shipping, by the holder's municipality,
    Index(None, "status", "holder_municipality_code", "received_on", "id"),
    # ... and a municipality's cards once shipped, by the office they went to.
    Index(None, "office_code", "status", "received_on", "id"),
    # The counter's list of cards waiting at its office.
    Index(None, "office_code", "status"),
)

application_events = Table(
    "application_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("application_ref", BigId, ForeignKey("applications.id"), nullable=False,
           index=True),
    Column("kind", String(16), nullable=False),  # received | transition | office_changed
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("details", JSON, nullable=True),
    Column("actor", String(80), nullable=False),
    Column("at", Timestamp, nullable=False),
)

# -- Outgoing mail and batch jobs -------------------------------------------------------

outgoing_mail = Table(
    "outgoing_mail",
    metadata,
    # One row per letter: queued by a job, printed and handed to the mail when mailing is
    # not suspended, oldest expiry first. `letter_key` makes a letter impossible to queue
    # twice (e.g. validity_card:<card id>:<expiry date>).
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("letter_key", String(80), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("resident_id", BigId, ForeignKey("residents.id"), nullable=False, index=True),
    Column("card_id", BigId, ForeignKey("cards.id"), nullable=True),
    Column("municipality_code", String(5), nullable=False),
    Column("due_on", Date, nullable=False),  # the expiry the letter is about: the backlog order
    Column("application_id", String(23), nullable=True),  # a renewal form's ID, if any
    Column("details", JSON, nullable=True),
    Column("status", String(8), nullable=False),  # queued -> printing -> sent
    Column("queued_at", Timestamp, nullable=False),
    Column("sent_at", Timestamp, nullable=True),
    Column("batch", String(80), nullable=True),  # the print file it went out in
    CheckConstraint("status IN ('queued', 'printing', 'sent')", name="status"),
    Index(None, "status", "due_on", "id"),
)

email_outbox = Table(
    "email_outbox",
    metadata,
    # One row per e-mail, queued in the transaction of the event that causes it (migration
    # 0022); sent by the e-mail job, retried with backoff while the server is away.
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("message_key", String(80), nullable=False, unique=True),  # one per key, ever
    Column("recipient", String(254), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(8), nullable=False),  # queued -> sent | rejected
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Timestamp, nullable=False),  # also a send's lease
    Column("last_error", String(200), nullable=True),
    Column("queued_at", Timestamp, nullable=False),
    Column("sent_at", Timestamp, nullable=True),
    CheckConstraint("status IN ('queued', 'sent', 'rejected')", name="status"),
    Index(None, "status", "next_attempt_at", "id"),
)

notice_addresses = Table(
    "notice_addresses",
    metadata,
    # The e-mail address an online applicant gave for the notices of that application.
    Column("application_id", String(23), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("given_at", Timestamp, nullable=False),
)

mail_control = Table(
    "mail_control",
    metadata,
    # One row: is mailing suspended (as in the 2020 emergency), since when, why.
    Column("id", Integer, primary_key=True),
    Column("suspended", Boolean, nullable=False),
    Column("reason", String(200), nullable=True),
    Column("changed_at", Timestamp, nullable=False),
    Column("changed_by", String(80), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

job_chunks = Table(
    "job_chunks",
    metadata,
    # A batch job's work split into id ranges; workers claim pending chunks (SKIP LOCKED
    # on PostgreSQL) and mark each done in the transaction that does its work, so a run
    # killed half-way resumes where it stopped and does nothing twice.
    Column("job", String(40), primary_key=True),
    Column("run_key", String(40), primary_key=True),
    Column("lo", BigInteger, primary_key=True),
    Column("hi", BigInteger, nullable=False),  # inclusive
    Column("done_at", Timestamp, nullable=True),
    Column("rows", Integer, nullable=True),
    # Its state for the console (migration 0031): started (committed before its work, so
    # it shows as running until done), and the last failure with its error; a failed
    # chunk stays pending, and the next start takes it again.
    Column("started_at", Timestamp, nullable=True),
    Column("failed_at", Timestamp, nullable=True),
    Column("error", String(400), nullable=True),
    Index(None, "job", "run_key", "done_at"),
)

# -- The wrong-validity check ------------------------------------------------------------

validity_findings = Table(
    "validity_findings",
    metadata,
    # One row per card or certificate whose stored expiry differs from the rules, per
    # audit run; the operator's report counts them by municipality and cause.
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_key", String(40), nullable=False),
    Column("subject", String(12), nullable=False),  # card | certificate
    Column("subject_id", BigInteger, nullable=False),
    Column("card_id", BigId, ForeignKey("cards.id"), nullable=False, index=True),
    Column("municipality_code", String(5), nullable=False),
    Column("stored_on", Date, nullable=False),
    Column("correct_on", Date, nullable=False),
    Column("cause", String(24), nullable=False),
    Column("found_at", Timestamp, nullable=False),
    CheckConstraint("subject IN ('card', 'certificate')", name="subject"),
    Index(None, "run_key", "subject", "subject_id", unique=True),
    Index(None, "run_key", "municipality_code", "cause"),
)

correction_cases = Table(
    "correction_cases",
    metadata,
    # A card whose validity must be corrected: opened by the validity check, the holder contacted,
    # then corrected (re-issued with the right date) or dismissed; the card keeps working.
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("card_id", BigId, ForeignKey("cards.id"), nullable=False),
    Column("resident_id", BigId, ForeignKey("residents.id"), nullable=False),
    Column("municipality_code", String(5), nullable=False),
    Column("status", String(12), nullable=False),
    Column("subject", String(12), nullable=False),  # card | certificate: what was wrong
    Column("wrong_on", Date, nullable=False),
    Column("correct_on", Date, nullable=False),
    Column("cause", String(24), nullable=False),
    Column("opened_at", Timestamp, nullable=False),
    Column("closed_at", Timestamp, nullable=True),
    Column("version", Integer, nullable=False, server_default="0"),
    CheckConstraint("status IN ('open', 'contacted', 'corrected', 'dismissed')",
                    name="status"),
    # At most one case in progress per card.
    Index("uq_correction_cases_open_card", "card_id", unique=True,
          sqlite_where=Column("status").in_(["open", "contacted"]),
          postgresql_where=Column("status").in_(["open", "contacted"])),
    Index(None, "status", "id"),
    # A clerk's list: the cases of one municipality.
    Index(None, "municipality_code", "status", "id"),
)

# -- Certificate renewal: cards left at the office, expiry passages ---------------------

CUSTODY_OPEN = ("left_at_office", "renewed", "mailed", "returned_undelivered")

certificate_custody = Table(
    "certificate_custody",
    metadata,
    # A card left at the office for certificate renewal and returned by restricted-
    # delivery post (docs/renewal.md). `version` settles concurrent steps.
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("card_id", BigId, ForeignKey("cards.id"), nullable=False, index=True),
    Column("resident_id", BigId, ForeignKey("residents.id"), nullable=False),
    Column("office_code", String(5), nullable=False),
    Column("status", String(24), nullable=False),
    Column("kinds", String(16), nullable=False),  # "auth", "sign" or "auth,sign"
    Column("left_on", Date, nullable=False),
    Column("tracking_number", String(32), nullable=True),
    Column("mailings", Integer, nullable=False, server_default="0"),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    CheckConstraint(
        "status IN ('left_at_office', 'renewed', 'mailed', 'delivered', "
        "'returned_undelivered', 'collected_at_office', 'cancelled')", name="status"),
    # The batch renewal's work list, and an office's list, are range scans.
    Index(None, "status", "office_code", "id"),
    # At most one open custody per card.
    Index("uq_certificate_custody_open", "card_id", unique=True,
          sqlite_where=Column("status").in_(CUSTODY_OPEN),
          postgresql_where=Column("status").in_(CUSTODY_OPEN)),
)

certificate_custody_events = Table(
    "certificate_custody_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("custody_id", BigId, ForeignKey("certificate_custody.id"), nullable=False,
           index=True),
    Column("from_status", String(24), nullable=True),
    Column("to_status", String(24), nullable=False),
    Column("details", JSON, nullable=True),
    Column("at", Timestamp, nullable=False),
    Column("actor", String(80), nullable=False),
)

expiry_passages = Table(
    "expiry_passages",
    metadata,
    # One row per card or certificate the expiry job saw pass its date: the job's record
    # (its OCSP answer was replaced then), and what makes a second run do nothing.
    Column("subject", String(12), primary_key=True),  # card | certificate
    Column("subject_id", BigInteger, primary_key=True),
    Column("expired_on", Date, nullable=False),  # the first day it was no longer valid
    Column("recorded_at", Timestamp, nullable=False),
    CheckConstraint("subject IN ('card', 'certificate')", name="subject"),
    Index(None, "expired_on"),
)

staff_sign_in = Table(
    "staff_sign_in",
    metadata,
    # What guards a staff account's sign-in: recent failures, a lock, the second factor.
    Column("staff_id", BigId, ForeignKey("staff.id"), primary_key=True),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("failures_since", Timestamp, nullable=True),
    Column("locked_until", Timestamp, nullable=True),
    Column("totp_secret", LargeBinary, nullable=True),  # sealed (AES-GCM), never in clear
    Column("totp_last_step", BigInteger, nullable=True),  # a code is good once
)

rate_limits = Table(
    "rate_limits",
    metadata,
    # Fixed-window counters shared by every server process (adapters/db/rate_limit_storage).
    Column("name", String(128), primary_key=True),  # rule and a hash of the subject
    Column("hits", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),  # end of the window, Unix ms
    Index(None, "expires_ms"),
)

# -- Moving house between municipalities (docs/register.md) -----------------------------

MOVING_OPEN = ("moving_out",)

moving_notifications = Table(
    "moving_notifications",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("resident_id", BigId, ForeignKey("residents.id"), nullable=False, index=True),
    Column("origin", String(5), ForeignKey("municipalities.code"), nullable=False),
    Column("destination", String(5), ForeignKey("municipalities.code"), nullable=False),
    Column("planned_on", Date, nullable=False),
    Column("notified_on", Date, nullable=False),
    # The moving-out certificate's number: the destination finds the move by it alone.
    Column("reference", String(12), nullable=False, unique=True),
    Column("card_number", String(32), nullable=True),  # the special case (art. 24-2)
    Column("status", String(12), nullable=False),
    Column("moved_in_on", Date, nullable=True),
    Column("moving_in_notified_on", Date, nullable=True),
    Column("card_continued_on", Date, nullable=True),
    Column("card_lapsed", String(16), nullable=True),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    CheckConstraint("status IN ('moving_out', 'moved_in', 'cancelled')", name="status"),
    CheckConstraint("card_lapsed IN ('no_moving_in', 'no_continuation')", name="card_lapsed"),
    # One open move per resident; the card at the destination's counter finds its move.
    Index("uq_moving_notifications_open", "resident_id", unique=True,
          sqlite_where=Column("status").in_(MOVING_OPEN),
          postgresql_where=Column("status").in_(MOVING_OPEN)),
    Index(None, "card_number"),
    # The daily lapse check reads the moves still waiting for a moving-in or continuation.
    Index(None, "status", "planned_on"),
)

# -- Offices, their calendars and appointments (docs/offices.md) ------------------------

offices = Table(
    "offices",
    metadata,
    # `13101` the main office of Chiyoda, `13101-02` a branch.
    Column("code", String(8), primary_key=True),
    Column("municipality_code", String(5), ForeignKey("municipalities.code"), nullable=False,
           index=True),
    Column("name", String(60), nullable=False),
    Column("postal_code", String(7), nullable=False),
    Column("address", String(200), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("counters", Integer, nullable=False),
    Column("per_counter", Integer, nullable=False),
    Column("slot_minutes", Integer, nullable=False),
    Column("rules", JSON, nullable=False),  # the weekly rules, read whole with the office
    Column("version", Integer, nullable=False, server_default="0"),
    Column("updated_at", Timestamp, nullable=False),
    # Above this expected wait the counter proposes the custody hand-off (none: never).
    Column("handoff_wait_minutes", Integer, nullable=True),
)

office_days = Table(
    "office_days",
    metadata,
    # A day unlike the weekly rules: closed (no windows) or open in its own windows.
    Column("office_code", String(8), ForeignKey("offices.code"), primary_key=True),
    Column("on", Date, primary_key=True),
    Column("windows", JSON, nullable=False),
    Column("note", String(200), nullable=False, server_default=""),
)

appointment_slots = Table(
    "appointment_slots",
    metadata,
    # One counter per booked slot: a booking is `UPDATE … SET taken = taken + 1 WHERE
    # taken < :capacity`, so the last place goes to one request only.
    Column("office_code", String(8), primary_key=True),
    Column("starts_at", Timestamp, primary_key=True),
    Column("taken", Integer, nullable=False, server_default="0"),
    CheckConstraint("taken >= 0", name="taken"),
)

APPOINTMENT_ACTIVE = ("booked", "arrived", "in_service")

appointments = Table(
    "appointments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("reference", String(10), nullable=False, unique=True),
    Column("office_code", String(8), ForeignKey("offices.code"), nullable=False),
    Column("starts_at", Timestamp, nullable=False),
    Column("purpose", String(24), nullable=False),
    Column("resident_id", BigId, ForeignKey("residents.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("email", String(254), nullable=True),
    Column("arrived_at", Timestamp, nullable=True),
    Column("started_at", Timestamp, nullable=True),
    Column("ended_at", Timestamp, nullable=True),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    CheckConstraint("purpose IN ('pick_up', 'certificate_renewal', 'pin_unlock', 'loss', "
                    "'other')", name="purpose"),
    CheckConstraint("status IN ('booked', 'arrived', 'in_service', 'done', 'no_show', "
                    "'cancelled', 'office_closed')", name="status"),
    # A clerk's day list, and the bookings of a day the office closes.
    Index(None, "office_code", "starts_at"),
    # One active booking per resident and purpose, settled in the database.
    Index("uq_appointments_active", "resident_id", "purpose", unique=True,
          sqlite_where=Column("status").in_(APPOINTMENT_ACTIVE),
          postgresql_where=Column("status").in_(APPOINTMENT_ACTIVE)),
)

walk_ins = Table(
    "walk_ins",
    metadata,
    # A resident at the counter without a booking, as the clerk records them.
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("office_code", String(8), ForeignKey("offices.code"), nullable=False),
    Column("purpose", String(24), nullable=False),
    Column("status", String(16), nullable=False),
    Column("arrived_at", Timestamp, nullable=False),
    Column("started_at", Timestamp, nullable=True),
    Column("ended_at", Timestamp, nullable=True),
    Column("version", Integer, nullable=False, server_default="0"),
    CheckConstraint("purpose IN ('pick_up', 'certificate_renewal', 'pin_unlock', 'loss', "
                    "'other')", name="purpose"),
    CheckConstraint("status IN ('waiting', 'in_service', 'done', 'left')", name="status"),
    # Who waits at an office now.
    Index(None, "office_code", "status", "arrived_at"),
)

office_hours_seen = Table(
    "office_hours_seen",
    metadata,
    # What the desk saw in one hour (Japan time) of one day: the crowding forecast reads
    # at most a year of these rows per office instead of every visit. Each mark adds to
    # its row in the mark's transaction (INSERT … ON CONFLICT DO NOTHING, then UPDATE).
    Column("office_code", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("hour", SmallInteger, primary_key=True),
    Column("arrivals", Integer, nullable=False, server_default="0"),
    Column("waits", Integer, nullable=False, server_default="0"),
    Column("wait_seconds", BigInteger, nullable=False, server_default="0"),
    Column("served", Integer, nullable=False, server_default="0"),
    Column("service_seconds", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("hour >= 0 AND hour < 24", name="hour"),
)
# Relying parties and the kiosk, on the same metadata (a module of their own).
# The counter tasks (the pages ask the clerk's terminal), on the same metadata.
from mynumbercard.adapters.db import counter_task_tables as _counter_task_tables  # noqa: E402, F401
from mynumbercard.adapters.db import kiosk_tables as _kiosk_tables  # noqa: E402, F401

# My Number Points, on the same metadata.
from mynumbercard.adapters.db import points_tables as _points_tables  # noqa: E402, F401
