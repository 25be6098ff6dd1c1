"""In-memory fakes of the ports, for use-case tests without a database."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Self

from mynumbercard.adapters.municipalities import directory
from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.domain.municipality import Municipality
from mynumbercard.domain.resident import NewResident, Resident, ResidentEvent
from mynumbercard.domain.sign_in import SignInState
from mynumbercard.domain.staff import Role
from mynumbercard.domain.stay import Stay
from mynumbercard.services.email_ports import Email
from mynumbercard.services.mail_ports import NewLetter
from mynumbercard.services.ports import AuditRecord
from mynumbercard.services.staff_ports import EXTEND_STEP, NewStaffAccount, StaffAccount


class FakeMunicipalities:
    def get(self, code: str) -> Municipality:
        return directory().get(code)


class FakeResidents:
    def __init__(self) -> None:
        self.rows: dict[int, Resident] = {}
        self.events: list[tuple[int, ResidentEvent]] = []

    def add(self, resident: NewResident, *, now: datetime) -> Resident:
        stored = resident.stored(len(self.rows) + 1)
        self.save_events(stored)
        self.rows[stored.id] = copy.deepcopy(stored)
        return stored

    def save_events(self, resident: Resident) -> None:
        self.events += [(resident.id, e) for e in resident.events]
        resident.events.clear()

    def get(self, resident_id: int) -> Resident:
        if resident_id not in self.rows:
            raise NotFound(f"no resident with id {resident_id}")
        return copy.deepcopy(self.rows[resident_id])

    def find_by_number(self, number: str) -> Resident | None:
        return next((copy.deepcopy(r) for r in self.rows.values()
                     if r.individual_number == number), None)

    def number_taken(self, number: str) -> bool:
        return self.find_by_number(number) is not None

    def save(self, resident: Resident, *, now: datetime) -> None:
        if self.rows[resident.id].version != resident.version:
            raise Conflict("changed meanwhile")
        resident.version += 1
        self.save_events(resident)
        self.rows[resident.id] = copy.deepcopy(resident)

    def list_in(self, municipality_code: str, *, limit: int, after_id: int) -> Sequence[Resident]:
        return [r for i, r in sorted(self.rows.items())
                if r.municipality_code == municipality_code and i > after_id][:limit]


class FakeStaff:
    def __init__(self) -> None:
        self.rows: dict[int, StaffAccount] = {}

    def add(self, account: NewStaffAccount, *, now: datetime) -> StaffAccount:
        stored = account.stored(len(self.rows) + 1)
        self.rows[stored.id] = stored
        return stored

    def find_by_username(self, username: str) -> StaffAccount | None:
        return next((a for a in self.rows.values() if a.username == username), None)

    def get(self, staff_id: int) -> StaffAccount:
        return self.rows[staff_id]

    def find_by_credential(self, credential_hash: str) -> StaffAccount | None:
        return next((a for a in self.rows.values() if a.credential_hash == credential_hash),
                    None)

    def list_all(self) -> list[StaffAccount]:
        return sorted(self.rows.values(), key=lambda a: a.username)

    def has_active_admin(self) -> bool:
        return any(a.role.value == "admin" and a.active and a.scopes is None
                   for a in self.rows.values())

    def set_active(self, staff_id: int, active: bool) -> None:
        self.rows[staff_id] = replace(self.rows[staff_id], active=active)

    def set_password_hash(self, staff_id: int, password_hash: str) -> None:
        self.rows[staff_id] = replace(self.rows[staff_id], password_hash=password_hash)

    def set_role(self, staff_id: int, role: Role, municipality_code: str | None) -> None:
        self.rows[staff_id] = replace(self.rows[staff_id], role=role,
                                      municipality_code=municipality_code)


class FakeSessions:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[int, datetime, datetime | None]] = {}
        self.issued: dict[str, datetime] = {}

    def add(self, *, token_hash: str, staff_id: int, issued_at: datetime,
            expires_at: datetime) -> None:
        self.rows[token_hash] = (staff_id, expires_at, None)
        self.issued[token_hash] = issued_at

    def extend(self, token_hash: str, *, now: datetime, idle: timedelta,
               longest: timedelta) -> None:
        staff_id = self.active_staff_id(token_hash, now=now)
        if staff_id is not None:
            until = min(now + idle, self.issued[token_hash] + longest)
            if until - self.rows[token_hash][1] >= EXTEND_STEP:
                self.rows[token_hash] = (staff_id, until, None)

    def active_staff_id(self, token_hash: str, *, now: datetime) -> int | None:
        staff_id, expires_at, revoked_at = self.rows.get(token_hash, (0, now, now))
        return staff_id if expires_at > now and revoked_at is None else None

    def revoke(self, token_hash: str, *, now: datetime) -> int | None:
        staff_id = self.active_staff_id(token_hash, now=now)
        if staff_id is not None:
            _, expires_at, _ = self.rows[token_hash]
            self.rows[token_hash] = (staff_id, expires_at, now)
        return staff_id

    def revoke_all(self, staff_id: int, *, now: datetime) -> int:
        live = [h for h, (who, _, _) in self.rows.items()
                if who == staff_id and self.active_staff_id(h, now=now) is not None]
        for token_hash in live:
            self.revoke(token_hash, now=now)
        return len(live)


class FakeSignInGuards:
    def __init__(self) -> None:
        self.rows: dict[int, SignInState] = {}

    def for_update(self, staff_id: int) -> SignInState:
        return self.rows.setdefault(staff_id, SignInState(staff_id))

    def save(self, state: SignInState) -> None:
        self.rows[state.staff_id] = state


class FakeAuditLog:
    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def record(self, record: AuditRecord) -> None:
        self.records.append(record)

    def record_many(self, records: Sequence[AuditRecord]) -> None:
        self.records.extend(records)

    def list(self, *, subject: str | None, limit: int, before_id: int | None,
             person: str | None = None, action: str | None = None,
             since: datetime | None = None,
             until: datetime | None = None) -> Sequence[tuple[int, AuditRecord]]:
        numbered = list(enumerate(self.records, start=1))[::-1]
        return [(i, r) for i, r in numbered
                if (subject is None or r.subject == subject)
                and (before_id is None or i < before_id)
                and (person is None or r.actor == person)
                and (action is None or r.action.value == action)
                and (since is None or r.at >= since)
                and (until is None or r.at < until)][:limit]


class FakeCards:
    """No cards: the register's use cases on their own."""

    def of_resident(self, resident_id: int) -> list[object]:
        return []


class FakeApplications:
    """No applications: the register's use cases only ask for a resident's open ones."""

    def open_of_resident(self, resident_id: int) -> list[object]:
        return []


class FakeMoves:
    """No moves in flight: the register's unit tests do not move anyone."""

    def open_of_resident(self, resident_id: int) -> None:
        return None


class FakeStays:
    """Periods of stay, in a list."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, Stay]] = []

    def add(self, resident_id: int, stay: Stay, *, now: datetime) -> int:
        self.rows.append((resident_id, stay))
        return len(self.rows)

    def of_resident(self, resident_id: int) -> list[Stay]:
        return [s for r, s in self.rows if r == resident_id]

    def extend_card(self, stay_id: int, *, card_id: int, on: date) -> None:
        resident_id, stay = self.rows[stay_id - 1]
        self.rows[stay_id - 1] = (resident_id, replace(stay, card_id=card_id,
                                                       card_extended_on=on))


class FakeMail:
    """The outgoing mail's queue, as the register's use cases fill it."""

    def __init__(self) -> None:
        self.queued: dict[str, NewLetter] = {}

    def enqueue(self, letters: Sequence[NewLetter], *, now: datetime) -> int:
        new = [x for x in letters if x.letter_key not in self.queued]
        self.queued.update((x.letter_key, x) for x in new)
        return len(new)


class FakeEmailOutbox:
    """The e-mail outbox, as the application use cases fill it."""

    def __init__(self) -> None:
        self.queued: dict[str, Email] = {}
        self.addresses: dict[str, str] = {}

    def enqueue(self, email: Email, *, now: datetime) -> bool:
        if email.key in self.queued:
            return False
        self.queued[email.key] = email
        return True

    def set_address(self, application_id: str, email: str, *, now: datetime) -> None:
        self.addresses[application_id] = email

    def address(self, application_id: str) -> str | None:
        return self.addresses.get(application_id)


class FakeTransaction:
    """A use case's transaction as a fake: the factory is itself (`uow()`), and
    `commits` counts the committed ones."""

    commits: int

    def __call__(self) -> Self:
        return self

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def commit(self) -> None:
        self.commits += 1


class FakeUnitOfWork(FakeTransaction):
    """Shares its stores across transactions; `commit` marks that a use case committed.

    Writes land in the stores at once, as a fake may: the tests check what was
    committed through `commits`, and the rollback path through the real database.
    """

    def __init__(self) -> None:
        self.municipalities = FakeMunicipalities()
        self.residents = FakeResidents()
        self.staff = FakeStaff()
        self.sessions = FakeSessions()
        self.sign_in = FakeSignInGuards()
        self.audit = FakeAuditLog()
        self.cards = FakeCards()
        self.applications = FakeApplications()
        self.moves = FakeMoves()
        self.stays = FakeStays()
        self.mail = FakeMail()
        self.email = FakeEmailOutbox()
        self.commits = 0


class PlainHasher:
    """Stands in for argon2 (slow by design) in unit tests."""

    def hash(self, password: str) -> str:
        return "plain$" + password[::-1]

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == self.hash(password)
