"""What the application and issuance use cases need: repositories and outside systems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from mynumbercard.domain.application import Application, ApplicationStatus, NewApplication
from mynumbercard.domain.photo import PhotoFinding, PhotoMarks
from mynumbercard.services.pki_ports import CardTerminal

IdSpan = tuple[int, int]  # the first and last id of a batch job's chunk


class FormReason(StrEnum):
    FIRST = "first"
    MOVED = "moved"  # after a move: the old form named the old address
    LOST = "lost"  # the resident lost the form
    RENEWAL = "renewal"  # mailed with a validity notice
    REISSUE = "reissue"  # after a loss report


@dataclass(frozen=True, slots=True)
class ApplicationForm:
    application_id: str
    resident_id: int
    reason: FormReason
    issued_at: datetime
    dead_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    actor: str
    kind: str
    from_status: str | None
    to_status: str
    details: dict[str, Any] = field(default_factory=dict)


class ApplicationForms(Protocol):
    """The forms and their Application IDs: one live form per resident."""

    def add_form(self, form: ApplicationForm) -> None: ...
    def form(self, application_id: str) -> ApplicationForm | None: ...
    def live_form(self, resident_id: int) -> ApplicationForm | None: ...
    def kill_form(self, application_id: str, *, now: datetime) -> None: ...
    def replace_forms(self, forms: Sequence[ApplicationForm], *, now: datetime) -> None:
        """New forms for many residents at once, each killing that resident's live form."""
        ...


class Applications(Protocol):
    """The application aggregate: its state, its history, the look-ups of the counter."""

    def add(self, application: NewApplication, *, actor: str, now: datetime) -> Application:
        """Store a received application, with its first event."""
        ...
    def get(self, application_ref: int, *, lock: bool = False) -> Application: ...
    def by_application_id(self, application_id: str, *, lock: bool = False
                          ) -> Application | None: ...
    def by_card(self, card_id: int, *, lock: bool = False) -> Application | None: ...
    def open_of_resident(self, resident_id: int) -> Sequence[Application]: ...
    def save(self, application: Application, *, actor: str, now: datetime) -> None:
        """Write the changes and new events; Conflict if it changed meanwhile."""
        ...
    def history(self, application_ref: int) -> Sequence[HistoryEntry]: ...
    def at_office(self, office_code: str, status: ApplicationStatus, *, limit: int,
                  after_ref: int = 0) -> Sequence[Application]: ...


class FormsAndApplications(ApplicationForms, Applications, Protocol):
    """What the application use cases (`applications.py`) read and write."""


@dataclass(frozen=True, slots=True)
class PhotoVerdict:
    """The automatic ID-photo check: hard defects refuse the photo, soft ones warn."""

    accepted: bool
    findings: tuple[PhotoFinding, ...]


class PhotoInspector(Protocol):
    def inspect(self, data: bytes) -> PhotoVerdict: ...


class PhotoMarker(Protocol):
    def marks(self, data: bytes) -> PhotoMarks | None:
        """Where the check looked (faces, head, cut edges, background), None when the
        photo cannot be decoded."""
        ...


class PhotoStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store the photo; its SHA-256 hex digest names it."""
        ...
    def get(self, digest: str) -> bytes: ...


class CardVault(Protocol):
    """The office's safe and its reader: the cards the office holds, produced and not
    yet handed over. A card that leaves the office leaves no copy behind; a card in
    custody is in the counter terminal's reader, not here (docs/chip.md)."""

    def personalise(self, card_number: str, *, card_face: Mapping[str, str]) -> None: ...
    def holds(self, card_number: str) -> bool: ...
    def terminal(self, card_number: str) -> CardTerminal:
        """A card the office holds, in its reader, driven with the card-management key;
        Conflict for a card that is with its holder, NotFound for one it never had."""
        ...
    def release(self, card_number: str) -> bytes:
        """The card leaves the office (to the holder, or into the post): its card file,
        and the office's copy removed."""
        ...
    def destroy(self, card_number: str) -> None: ...
