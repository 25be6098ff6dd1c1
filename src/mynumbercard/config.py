"""Settings from environment variables (prefix ``MYNUMBERCARD_``)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MYNUMBERCARD_", extra="ignore")

    home: Path = Path("var")
    """The data directory: the SQLite database, CA keys, letters."""

    database_url: str | None = None
    """SQLAlchemy URL; default SQLite in the data directory."""

    token_minutes: int = 15
    """Lifetime of an API bearer token; a staff page session ends when left unused this
    long (the idle timeout; each page opened moves its end)."""

    page_session_hours: int = Field(default=10, ge=1, le=24)
    """The longest a staff page session lasts however much it is used (a working day)."""

    sql_echo: bool = False

    public_base_url: str = "http://127.0.0.1:8000"
    """Where relying parties reach /ocsp, /crl/... and /ca/...: written into certificates."""

    ca_passphrase: SecretStr | None = None
    """Encrypts the CA and card-management key files (prefer `ca_passphrase_file`)."""

    ca_passphrase_file: Path | None = None
    """A file holding that passphrase, outside the CA's directory, mode 0600 (`ca init`
    writes a random one there if it does not exist). Neither set: a prompt on a terminal."""

    crl_shards: int = 64
    # Rows per chunk of a batch job: one transaction each; what a crash can cost.
    job_chunk_rows: int = Field(default=500, ge=1, le=100_000)
    """CRL shards per issuing CA, fixed at `ca init` (100 million certificates / 64)."""

    ocsp_store: Path | None = None
    """The OCSP answer store's directory (LMDB, memory-mapped; one per machine, shared by
    its responder processes); default `$HOME/ocsp`. Built by `ocsp build-store`."""

    rate_limit_storage: str | None = None
    """A `limits` storage URI (redis://..., memcached://...) for the rate-limit counters.
    Unset: the database, shared by every process that uses it."""

    totp_key: SecretStr | None = None
    """Seals staff TOTP secrets (32 bytes, base64). Unset: a key file in <home>/secrets
    -- for one machine only; set it when several hosts share the database."""
    audit_anchor: Path | None = None
    """The audit chain's append-only anchor file; default `$HOME/audit/anchor`."""

    pkcs11_module: str | None = None
    """A PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so): CA keys live in the HSM."""

    pkcs11_token: str | None = None
    pkcs11_pin: SecretStr | None = None

    smtp_host: str | None = None
    """The outgoing mail server for the e-mail notices (`email send`). Unset: e-mail is
    queued but not sent."""

    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = Field(default=10.0, gt=0, le=120)
    mail_from: str = "noreply@mynumbercard.invalid"
    """The sender address of the e-mail notices."""

    env: str = "development"
    """`production` (MYNUMBERCARD_ENV) refuses a set clock, whatever else is set."""

    crowding_deadlines: list[date] = []
    """Deadlines beyond the yearly ones (15 March, 31 March, 28 December) whose weeks
    before fill the offices, e.g. a campaign's end: JSON, `["2027-09-30"]`."""

    clock: str | None = None
    """Tests and demos only: the time taken for now, ISO 8601 with its offset
    (`2026-11-30T09:00:00+09:00`) or a day (`2026-11-30`: 09:00 in Japan). Frozen, unless
    `clock_runs`. Refused at start-up in production (see `production`)."""

    clock_runs: bool = False
    """With `clock`: start at that time and run on, rather than stand still."""
    trusted_proxies: list[str] = []
    """Addresses or networks (`10.0.0.5`, `10.0.0.0/24`) of TLS-terminating proxies whose
    client-certificate header is believed (mutual TLS for relying parties: JSON list)."""

    client_cert_header: str = "X-Client-Cert"
    """The header in which a trusted proxy passes the client certificate on, URL-encoded
    PEM (nginx: `$ssl_client_escaped_cert`)."""

    vpcd_port: int = 35963
    """The port vsmartcard's virtual reader (vpcd) listens on: `kiosk issue --card FILE`
    puts the card file there for the one transaction when pcscd has that reader."""

    allow_set_clock: bool = False
    """A PostgreSQL database counts as production unless this says otherwise (a test or
    demo database on PostgreSQL)."""

    test_cheap_password_hashes: bool = False
    """Tests only: new staff password hashes at argon2id's lowest cost, not RFC 9106's
    (a test suite signs in hundreds of times). Refused in production, like `clock`."""

    @property
    def production(self) -> bool:
        """MYNUMBERCARD_ENV=production, or a PostgreSQL database without
        MYNUMBERCARD_ALLOW_SET_CLOCK: the configuration in which the clock is the real one."""
        if self.env.strip().lower() == "production":
            return True
        return self.resolved_database_url.startswith("postgresql") and not self.allow_set_clock

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'mynumbercard.sqlite3').resolve()}"

    @property
    def ca_directory(self) -> Path:
        return self.home / "ca"

    @property
    def ocsp_store_directory(self) -> Path:
        return self.ocsp_store or self.home / "ocsp"

    @property
    def crl_directory(self) -> Path:
        return self.home / "crl"

    @property
    def vault_directory(self) -> Path:
        """Produced cards (their chips) waiting at the offices."""
        return self.home / "vault"

    @property
    def photo_directory(self) -> Path:
        return self.home / "photos"

    @property
    def audit_anchor_path(self) -> Path:
        return self.audit_anchor or self.home / "audit" / "anchor"

    @property
    def token_lifetime(self) -> timedelta:
        return timedelta(minutes=self.token_minutes)
