"""The one place that wires settings to adapters and services."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from mynumbercard.adapters import ca_setup, data_dir, pcsc_reader
from mynumbercard.adapters.api_keys import SealedSecrets
from mynumbercard.adapters.audit_anchor import FileAnchor
from mynumbercard.adapters.ca_setup import CaConfig, Prompt
from mynumbercard.adapters.card_terminal import (
    ApduTerminal,
    CardManagementKey,
    file_terminal,
)
from mynumbercard.adapters.card_vault import FileCardVault, SimulatedVault
from mynumbercard.adapters.certificate_authority import AuditHeadChecker, JpkiAuthority
from mynumbercard.adapters.crl_files import FileCrlSink
from mynumbercard.adapters.db.audit_chain import SqlAuditChain
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.ocsp_reader import OcspFeed
from mynumbercard.adapters.db.repositories import RolledBackUnitOfWork, SqlUnitOfWork
from mynumbercard.adapters.holiday_calendar import japan
from mynumbercard.adapters.kiosk_checks import KioskAnswerChecker
from mynumbercard.adapters.kiosk_client import (
    HttpKioskService,
    KioskService,
    LocalKioskService,
    PartyKey,
)
from mynumbercard.adapters.municipalities import MunicipalityDirectory, directory
from mynumbercard.adapters.ocsp_answers import current_target
from mynumbercard.adapters.ocsp_follow import AnswerFollower, build_from_database
from mynumbercard.adapters.passwords import Argon2Hasher
from mynumbercard.adapters.pending_photos import PendingPhotos
from mynumbercard.adapters.photo_store import FilePhotoStore
from mynumbercard.adapters.pki import CaHierarchy
from mynumbercard.adapters.points_client import (
    HttpPointsService,
    LocalPointsService,
    PointsService,
)
from mynumbercard.adapters.postal_codes import PostalLookup
from mynumbercard.adapters.postal_codes import lookup as postal_lookup
from mynumbercard.adapters.rate_limits import RateLimits
from mynumbercard.adapters.rate_limits import storage as rate_limit_storage
from mynumbercard.adapters.smtp_mail import SmtpServer, SmtpTransport
from mynumbercard.adapters.totp import TotpCodes, load_key
from mynumbercard.chip import Chip
from mynumbercard.config import Settings
from mynumbercard.domain.certificate import JST, CertKind
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.services.ocsp import UnknownAnswers
from mynumbercard.services.pki_ports import CardTerminal
from mynumbercard.services.points_intake import ReportIntake, settle_group
from mynumbercard.services.ports import OcspWritten, UnitOfWork
from mynumbercard.services.staff_ports import PasswordHasher

if TYPE_CHECKING:  # imported when first used: the server prints no letters (reportlab),
    # and a command that checks no photo starts without numpy and the face model
    from mynumbercard.adapters.document_signing import DocumentAuthority, SignedDocumentPrinter
    from mynumbercard.adapters.documents import PdfLetterPrinter
    from mynumbercard.adapters.letter_files import LetterDirectory
    from mynumbercard.adapters.photo_inspector import PhotoChecker
    from mynumbercard.adapters.photo_overlay import PhotoOverlay


def settings() -> Settings:
    """Read afresh from the environment each time: cheap, and never stale in tests."""
    return Settings()


def engine(config: Settings | None = None) -> Engine:
    config = config or settings()
    return make_engine(config.resolved_database_url, echo=config.sql_echo)


def utc_now() -> datetime:
    return datetime.now(UTC)


_terminal_prompt: Prompt | None = None


def allow_prompts(prompt: Prompt | None) -> None:
    """The CLI, run from a terminal, may ask for the CA passphrase; the server never."""
    global _terminal_prompt  # noqa: PLW0603 - one process-wide fact, set by the entry point
    _terminal_prompt = prompt


class SetClock:
    """The clock of tests and demos (MYNUMBERCARD_CLOCK): frozen at a moment, or started
    there and running on."""

    def __init__(self, at: datetime, *, runs: bool = False) -> None:
        self.at, self._runs, self._started = at, runs, time.monotonic()

    def __call__(self) -> datetime:
        if not self._runs:
            return self.at
        return self.at + timedelta(seconds=time.monotonic() - self._started)


def make_clock(config: Settings) -> Callable[[], datetime]:
    """The real clock, or the set one; a set clock in production is refused, so that no
    forgotten test setting can move a real register's dates."""
    if config.clock is None or not config.clock.strip():
        return utc_now
    if config.production:
        raise InvalidInput("MYNUMBERCARD_CLOCK is set, and this is a production "
                           "configuration (MYNUMBERCARD_ENV=production, or PostgreSQL without "
                           "MYNUMBERCARD_ALLOW_SET_CLOCK=1): unset it")
    text = config.clock.strip()
    try:
        at = (datetime.combine(date.fromisoformat(text), dt_time(9), tzinfo=JST)
              if len(text) == 10 else datetime.fromisoformat(text))
    except ValueError:
        raise InvalidInput(f"MYNUMBERCARD_CLOCK: {text!r} is not an ISO 8601 time with its "
                           "offset (2026-11-30T09:00:00+09:00) nor a day (2026-11-30)") from None
    if at.tzinfo is None:
        raise InvalidInput("MYNUMBERCARD_CLOCK needs its offset, e.g. +09:00")
    return SetClock(at.astimezone(UTC), runs=config.clock_runs)


def make_hasher(config: Settings) -> PasswordHasher:
    """argon2id at RFC 9106's cost; at its lowest for a test suite, never in production."""
    if not config.test_cheap_password_hashes:
        return Argon2Hasher()
    if config.production:
        raise InvalidInput("MYNUMBERCARD_TEST_CHEAP_PASSWORD_HASHES is set, and this is a "
                           "production configuration: unset it")
    return Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1)


@dataclass
class Container:
    """Everything an entry point needs, wired once per process."""

    settings: Settings
    engine: Engine
    hasher: PasswordHasher = field(default_factory=Argon2Hasher)
    clock: Callable[[], datetime] = utc_now
    prompt: Prompt | None = field(default_factory=lambda: _terminal_prompt)
    # Set only inside `simulation()`: the one connection whose transaction is rolled back.
    shared_connection: Connection | None = None

    def uow(self) -> UnitOfWork:
        if self.shared_connection is not None:
            return RolledBackUnitOfWork(self.shared_connection)
        return SqlUnitOfWork(self.engine, publish=self._publish_ocsp)

    @cached_property
    def ocsp_answers(self) -> AnswerFollower:
        """This machine's OCSP answer store, followed from the database (docs/pki.md)."""
        hierarchy = self.authority.hierarchy
        prefixes = {kind: hierarchy.issuer_key_hash(kind) for kind in CertKind}
        return AnswerFollower(self.settings.ocsp_store_directory, OcspFeed(self.engine),
                              prefixes)

    def build_ocsp_store(self) -> dict[str, int]:
        """A new answer store for this machine from every answer in the database,
        switched to once complete (`ocsp build-store`)."""
        hierarchy = self.authority.hierarchy
        prefixes = {kind: hierarchy.issuer_key_hash(kind) for kind in CertKind}
        return build_from_database(self.settings.ocsp_store_directory, OcspFeed(self.engine),
                                   prefixes)

    def has_ocsp_store(self) -> bool:
        """Whether this machine has an answer store (complete or not: the follower says)."""
        return current_target(self.settings.ocsp_store_directory) is not None

    def _publish_ocsp(self, written: Sequence[OcspWritten]) -> None:
        """After a commit: the answers re-signed go into this machine's store at once."""
        if current_target(self.settings.ocsp_store_directory) is not None:
            self.ocsp_answers.publish(written)

    @property
    def simulating(self) -> bool:
        return self.shared_connection is not None

    @contextmanager
    def simulation(self) -> Iterator[Container]:
        """This container, with every unit of work a savepoint of one transaction that is
        rolled back at the end (`--simulate`, `?simulate=true`): the use cases run as
        they would, see their own writes, and leave the database as it was. The vault
        destroys nothing meanwhile; letters go where the caller says (a temporary
        directory)."""
        with self.engine.connect() as connection:
            outer = connection.begin()
            try:
                yield replace(self, shared_connection=connection)
            finally:
                outer.rollback()

    @property
    def audit_chain(self) -> SqlAuditChain:
        return SqlAuditChain(self.engine)

    @property
    def audit_anchor(self) -> FileAnchor:
        return FileAnchor(self.settings.audit_anchor_path)

    @property
    def municipalities(self) -> MunicipalityDirectory:
        return directory()

    @property
    def postal(self) -> PostalLookup:
        """Postal codes and addresses to municipalities (the office finder)."""
        return postal_lookup()

    @property
    def holidays(self) -> Collection[date]:
        """Japan's public and substitute holidays (the offices' calendar)."""
        return japan()

    @property
    def deadlines(self) -> Collection[date]:
        """Deadlines of the crowding forecast's seasons beyond the yearly ones."""
        return self.settings.crowding_deadlines

    @property
    def ca_config(self) -> CaConfig:
        s = self.settings
        return CaConfig(
            directory=s.ca_directory,
            passphrase=s.ca_passphrase.get_secret_value() if s.ca_passphrase else None,
            base_url=s.public_base_url.rstrip("/"),
            crl_shards=s.crl_shards,
            pkcs11_module=s.pkcs11_module,
            pkcs11_token=s.pkcs11_token,
            pkcs11_pin=s.pkcs11_pin.get_secret_value() if s.pkcs11_pin else None,
            passphrase_file=s.ca_passphrase_file,
            prompt=self.prompt,
        )

    @cached_property
    def authority(self) -> JpkiAuthority:
        """The CA, opened on first use (its keys are loaded lazily by the hierarchy)."""
        return ca_setup.open_authority(self.ca_config)

    def management_key(self) -> CardManagementKey:
        return ca_setup.management_key(self.ca_config)

    def create_ca(self, *, now: datetime) -> CaHierarchy:
        """A new hierarchy and card-management key; an existing CA is refused."""
        return ca_setup.initialise(self.ca_config, now=now)

    def ca_hierarchy(self) -> CaHierarchy:
        """The CA's certificates (keys opened only when used)."""
        return CaHierarchy.open(self.ca_config.directory, keys=ca_setup.key_store(self.ca_config))

    def audit_head_checker(self) -> AuditHeadChecker:
        """Checks the audit chain's signed head, without opening any key."""
        return ca_setup.audit_head_checker(self.ca_config)

    @cached_property
    def rate_limits(self) -> RateLimits:
        return RateLimits(rate_limit_storage(self.settings.rate_limit_storage, self.engine))

    @cached_property
    def one_time_codes(self) -> TotpCodes:
        key = self.settings.totp_key
        return TotpCodes(load_key(key.get_secret_value() if key else None, self.settings.home))

    @cached_property
    def party_secrets(self) -> SealedSecrets:
        """The relying parties' HMAC secrets, sealed under the TOTP sealing key."""
        key = self.settings.totp_key
        return SealedSecrets(load_key(key.get_secret_value() if key else None,
                                      self.settings.home))

    @cached_property
    def point_reports(self) -> ReportIntake:
        """The payment services' single reports, settled together as they arrive
        (group commit, services/points_intake.py): one queue per process."""
        return ReportIntake(partial(settle_group, self.uow, self.party_secrets))

    @cached_property
    def kiosk_checker(self) -> KioskAnswerChecker:
        """Checks a card's answer with the user-authentication CA's certificate alone (no
        key, no passphrase: the web server need not open the CA to check a card)."""
        return KioskAnswerChecker(ca_setup.issuing_certificate(self.ca_config, CertKind.AUTH))

    @property
    def documents_ca_directory(self) -> Path:
        """The municipalities' organisational CA: apart from the JPKI CA's directory."""
        return self.settings.home / "documents-ca"

    @cached_property
    def document_authority(self) -> DocumentAuthority:
        from mynumbercard.adapters.document_signing import (  # noqa: PLC0415 - pyHanko
            DocumentAuthority,
        )
        config = self.ca_config
        return DocumentAuthority(self.documents_ca_directory,
                                 lambda: ca_setup.document_passphrase(config))

    def documents_root_pem(self, now: datetime) -> bytes | None:
        """The documents' root (made on first use with the CA passphrase); None where no
        passphrase is configured (a CA kept in an HSM alone: the organisational CA's keys
        are files under the passphrase, docs/services.md)."""
        try:
            return self.document_authority.root_pem(now)
        except ca_setup.NoPassphrase:
            return None

    @cached_property
    def document_printer(self) -> SignedDocumentPrinter:
        """The kiosk's documents: rendered (reportlab) and PAdES-signed (pyHanko)."""
        from mynumbercard.adapters.document_signing import (  # noqa: PLC0415
            SignedDocumentPrinter,
        )
        return SignedDocumentPrinter(self.document_authority)

    def kiosk_service(self, *, url: str | None, credential: Path) -> KioskService:
        """The issuing service as a kiosk reaches it: over HTTP at `url`, or in this
        process; either way as the operator whose key is in `credential`."""
        key = PartyKey.load(credential)
        set_clock = self.clock if isinstance(self.clock, SetClock) else None
        if url is not None:
            return HttpKioskService(url, key, clock=set_clock)
        return LocalKioskService(key, self.uow, self.party_secrets, self.kiosk_checker,
                                 lambda: self.document_printer, self.verify_url, self.clock)

    def points_service(self, *, url: str | None) -> PointsService:
        """The issuing service as the holder's card program reaches it: the public holder
        routes at `url`, or the same use cases in this process."""
        if url is not None:
            return HttpPointsService(url)
        return LocalPointsService(self.uow, self.kiosk_checker, self.clock)

    @property
    def verify_url(self) -> str:
        return self.settings.public_base_url.rstrip("/") + "/verify"

    @cached_property
    def unknown_answers(self) -> UnknownAnswers:
        return UnknownAnswers()

    @property
    def vault(self) -> FileCardVault:
        vault = FileCardVault(self.settings.vault_directory, self.management_key)
        return SimulatedVault(vault) if self.simulating else vault

    def vault_in(self, directory: Path) -> FileCardVault:
        """A safe in another directory (a simulated production writes its chips there)."""
        return FileCardVault(directory, self.management_key)

    @property
    def photos(self) -> FilePhotoStore:
        return FilePhotoStore(self.settings.photo_directory)

    def email_transport(self) -> SmtpTransport:
        """The outgoing mail server (MYNUMBERCARD_SMTP_*); refused while none is set."""
        s = self.settings
        if not s.smtp_host:
            raise InvalidInput("no mail server is set: MYNUMBERCARD_SMTP_HOST (and _PORT, "
                               "_STARTTLS, _USERNAME, _PASSWORD, MYNUMBERCARD_MAIL_FROM)")
        return SmtpTransport(SmtpServer(
            host=s.smtp_host, port=s.smtp_port, sender=s.mail_from, starttls=s.smtp_starttls,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            timeout=s.smtp_timeout))

    @property
    def photo_inspector(self) -> PhotoChecker:
        from mynumbercard.adapters.photo_inspector import PhotoChecker  # noqa: PLC0415
        return PhotoChecker()

    @property
    def photo_overlay(self) -> PhotoOverlay:
        """The photo with its problems drawn, for the /apply page."""
        from mynumbercard.adapters.photo_overlay import PhotoOverlay  # noqa: PLC0415
        return PhotoOverlay()

    @property
    def pending_photos(self) -> PendingPhotos:
        """Checked photos waiting for the applicant's confirmation (the /apply page)."""
        return PendingPhotos(self.settings.home / "pending-photos")

    def ca(self) -> JpkiAuthority:
        """The CA as a callable, for use cases that open it only when they need it."""
        return self.authority

    def ca_public(self) -> JpkiAuthority:
        """The CA's certificates alone (no passphrase, no key): what a page may show."""
        return ca_setup.public_authority(self.ca_config)

    @property
    def crl_sink(self) -> FileCrlSink:
        return FileCrlSink(self.settings.crl_directory)

    @cached_property
    def letter_printer(self) -> PdfLetterPrinter:
        """The PDF letters (its font registered once per process)."""
        from mynumbercard.adapters.documents import PdfLetterPrinter  # noqa: PLC0415
        return PdfLetterPrinter()

    def letters_to(self, directory: Path | None = None) -> LetterDirectory:
        """Letter files into `directory` (default: the outgoing mail's, under the home)."""
        from mynumbercard.adapters.letter_files import LetterDirectory  # noqa: PLC0415
        return LetterDirectory(directory or self.settings.home / "mail")

    def card_terminal(self, card_file: Path) -> ApduTerminal:
        """The counter's terminal driving the card file directly (no reader)."""
        return file_terminal(card_file, self.management_key())

    def counter_terminal(self, *, file: Path | None, reader: str | None
                         ) -> AbstractContextManager[CardTerminal]:
        """The counter's terminal on the card in a PC/SC ``reader``, or on the card file
        ``file`` driven directly (exactly one of them)."""
        return pcsc_reader.counter_terminal(file=file, reader=reader,
                                            management_key=self.management_key())

    def new_card(self, card_file: Path, *, card_id: str, face: dict[str, str]) -> ApduTerminal:
        """A new chip personalised under the card-management key, in the terminal."""
        management = self.management_key()
        Chip.personalise(card_file, card_id=card_id,
                         management_public_key_pem=management.public_key_pem, card_face=face)
        return file_terminal(card_file, management)

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.dispose()  # close pooled connections now, not at garbage collection


def container(config: Settings | None = None) -> Container:
    data_dir.private_umask()  # what the CLI and the server write is their user's only
    config = config or settings()
    clock, hasher = make_clock(config), make_hasher(config)
    return Container(settings=config, engine=engine(config), clock=clock, hasher=hasher)
