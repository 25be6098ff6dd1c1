"""The resident register: a resident's status, the verbs that change it, their events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from mynumbercard.domain import bounds
from mynumbercard.domain.errors import InvalidDates, InvalidInput, InvalidTransition
from mynumbercard.domain.municipality import Municipality


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class ResidentStatus(StrEnum):
    ACTIVE = "active"  # on the register of a municipality
    DECEASED = "deceased"
    EMIGRATED = "emigrated"  # moved abroad: off the register, the number stays theirs


class ResidenceStatus(StrEnum):
    """What bounds a resident's stay, as far as the card's validity cares."""

    NATIONAL = "national"
    PERMANENT_RESIDENT = "permanent_resident"
    SPECIAL_PERMANENT_RESIDENT = "special_permanent_resident"
    HIGHLY_SKILLED_PROFESSIONAL_II = "highly_skilled_professional_ii"
    LIMITED_STAY = "limited_stay"  # any status with a period of stay

    @property
    def has_period_of_stay(self) -> bool:
        return self is ResidenceStatus.LIMITED_STAY


class EventKind(StrEnum):
    REGISTERED = "registered"
    NUMBER_ASSIGNED = "number_assigned"
    MOVED = "moved"
    DIED = "died"
    EMIGRATED = "emigrated"
    ADDRESS_CORRECTED = "address_corrected"  # a wrong address written right: not a move
    NAME_CHANGED = "name_changed"
    STAY_EXTENDED = "stay_extended"


ALLOWED_TRANSITIONS: dict[ResidentStatus, frozenset[ResidentStatus]] = {
    ResidentStatus.ACTIVE: frozenset({ResidentStatus.DECEASED, ResidentStatus.EMIGRATED}),
    ResidentStatus.EMIGRATED: frozenset({ResidentStatus.ACTIVE, ResidentStatus.DECEASED}),
    ResidentStatus.DECEASED: frozenset(),
}


_NAME_CHECKS = ((bounds.check_name, "family_name"), (bounds.check_name, "given_name"),
                (bounds.check_kana, "family_name_kana"), (bounds.check_kana, "given_name_kana"))


@dataclass(frozen=True, slots=True)
class ResidentEvent:
    kind: EventKind
    occurred_on: date
    from_municipality: str | None = None
    to_municipality: str | None = None


@dataclass(frozen=True, slots=True, repr=False)
class NewResident:
    """A person to enter on the register (a birth, an arrival), not stored yet: it has no
    id; `ResidentRepository.add` returns the stored `Resident` with its first events."""

    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: date
    sex: Sex
    municipality_code: str
    postal_code: str
    address: str
    registered_on: date
    individual_number: str
    nationality: str = "JP"
    residence_status: ResidenceStatus = ResidenceStatus.NATIONAL
    period_of_stay_until: date | None = None

    def __repr__(self) -> str:  # personal data stays out of logs and tracebacks
        return "NewResident(...)"

    def stored(self, resident_id: int) -> Resident:
        """The resident with its id: registered, and its number assigned, that day."""
        resident = Resident(
            id=resident_id, family_name=self.family_name, given_name=self.given_name,
            family_name_kana=self.family_name_kana, given_name_kana=self.given_name_kana,
            birth_date=self.birth_date, sex=self.sex, municipality_code=self.municipality_code,
            postal_code=self.postal_code, address=self.address, nationality=self.nationality,
            residence_status=self.residence_status,
            period_of_stay_until=self.period_of_stay_until)
        resident.register(on=self.registered_on)
        resident.assign_number(self.individual_number, on=self.registered_on)
        return resident


@dataclass(slots=True)
class Resident:
    """A person on the register (stored: it has its id). Names, numbers and addresses
    never go to logs."""

    id: int
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: date
    sex: Sex
    municipality_code: str
    postal_code: str
    address: str  # the part after the municipality's name
    nationality: str = "JP"  # ISO 3166-1 alpha-2
    residence_status: ResidenceStatus = ResidenceStatus.NATIONAL
    period_of_stay_until: date | None = None
    status: ResidentStatus = ResidentStatus.ACTIVE
    individual_number: str | None = None
    number_assigned_on: date | None = None
    version: int = 0
    # The former surname (旧氏) the holder asked to be shown with the name (旧氏併記).
    former_family_name: str | None = None
    former_family_name_kana: str | None = None
    events: list[ResidentEvent] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:  # personal data stays out of logs and tracebacks
        return f"Resident(id={self.id!r}, status={self.status.value})"

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    @property
    def name_as_shown(self) -> str:
        """The name as the card and letters show it: with the former surname in brackets
        (旧氏併記, e.g. `山田［佐藤］ 花子`) when the holder asked for it."""
        if self.former_family_name:
            return f"{self.family_name}［{self.former_family_name}］ {self.given_name}"
        return self.full_name

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}"

    def full_address(self, town: Municipality) -> str:
        """The address as written on the card and on letters: prefecture, municipality,
        then the rest (`address` keeps only the rest)."""
        return town.prefecture + town.name + self.address

    def __post_init__(self) -> None:
        if self.residence_status.has_period_of_stay and self.period_of_stay_until is None:
            raise InvalidInput("a limited stay needs its end date (period_of_stay_until)")
        if not self.residence_status.has_period_of_stay and self.period_of_stay_until is not None:
            raise InvalidInput("only a limited stay has a period of stay")
        if self.residence_status is ResidenceStatus.NATIONAL and self.nationality != "JP":
            raise InvalidInput("a foreign national needs a residence status")

    def _change_status(self, new: ResidentStatus) -> None:
        if new not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(
                f"a resident who is {self.status.value} cannot become {new.value}"
            )
        self.status = new

    def _require_active(self, doing: str) -> None:
        if self.status is not ResidentStatus.ACTIVE:
            raise InvalidTransition(f"cannot {doing}: the resident is {self.status.value}")

    def _not_before_birth(self, on: date) -> None:
        if on < self.birth_date:
            raise InvalidDates("the date is before the resident's birth date")

    def register(self, *, on: date) -> None:
        """Entered on the register: at birth, or on arrival from overseas."""
        self._not_before_birth(on)
        self.events.append(ResidentEvent(EventKind.REGISTERED, on, None, self.municipality_code))

    def move(self, *, to_municipality: str, postal_code: str, address: str, on: date) -> None:
        """Record a move (転居 or 転入): the register follows the resident."""
        self._require_active("move")
        self._not_before_birth(on)
        origin = self.municipality_code
        self.municipality_code = to_municipality
        self.postal_code, self.address = postal_code, address
        self.events.append(ResidentEvent(EventKind.MOVED, on, origin, to_municipality))

    def die(self, *, on: date) -> None:
        self._not_before_birth(on)
        self._change_status(ResidentStatus.DECEASED)
        self.events.append(ResidentEvent(EventKind.DIED, on, self.municipality_code))

    def emigrate(self, *, on: date) -> None:
        self._not_before_birth(on)
        self._change_status(ResidentStatus.EMIGRATED)
        self.events.append(ResidentEvent(EventKind.EMIGRATED, on, self.municipality_code))

    def assign_number(self, number: str, *, on: date) -> None:
        """Numbers are assigned once and never change here (a leak-driven change is separate)."""
        if self.individual_number is not None:
            raise InvalidTransition("the resident already has an Individual Number")
        self._require_active("assign a number")
        self._not_before_birth(on)
        self.individual_number, self.number_assigned_on = number, on
        self.events.append(ResidentEvent(EventKind.NUMBER_ASSIGNED, on, self.municipality_code))

    def correct_address(self, *, postal_code: str, address: str, on: date) -> None:
        """A wrong address written right (職権修正 or a correction asked by the resident):
        the resident did not move, so nothing about the municipality changes."""
        self._require_active("correct the address")
        self._not_before_birth(on)
        if not (len(postal_code) == 7 and postal_code.isascii() and postal_code.isdigit()):
            raise InvalidInput("postal_code: seven ASCII digits, e.g. 1000001")
        bounds.check_address(address, field="address")
        if (postal_code, address) == (self.postal_code, self.address):
            raise InvalidInput("the corrected address is the address already recorded")
        self.postal_code, self.address = postal_code, address
        self.events.append(ResidentEvent(EventKind.ADDRESS_CORRECTED, on, self.municipality_code,
                                         self.municipality_code))

    def change_name(self, *, family_name: str, given_name: str, family_name_kana: str,
                    given_name_kana: str, on: date, show_former_surname: bool) -> None:
        """A change of name (marriage, divorce, adoption, ...). With `show_former_surname`
        the surname before the change is recorded as the former surname (旧氏) and shown
        with the name; without it a former surname already recorded stays."""
        self._require_active("change the name")
        self._not_before_birth(on)
        new = (family_name, given_name, family_name_kana, given_name_kana)
        for (check, field_name), value in zip(_NAME_CHECKS, new, strict=True):
            check(value, field=field_name)
        old = (self.family_name, self.given_name, self.family_name_kana, self.given_name_kana)
        if new == old:
            raise InvalidInput("the new name is the name already recorded")
        if show_former_surname:
            if family_name == self.family_name:
                raise InvalidInput("the surname does not change: there is no former surname "
                                   "to show")
            self.former_family_name = self.family_name
            self.former_family_name_kana = self.family_name_kana
        (self.family_name, self.given_name, self.family_name_kana,
         self.given_name_kana) = new
        self.events.append(ResidentEvent(EventKind.NAME_CHANGED, on, self.municipality_code,
                                         self.municipality_code))

    def extend_stay(self, *, until: date, on: date) -> None:
        """A new period of stay granted (出入国管理及び難民認定法 art. 21): the register
        records the new end of stay, from the day it was granted."""
        self._require_active("extend the stay")
        self._not_before_birth(on)
        if self.period_of_stay_until is None:
            raise InvalidInput("only a resident with a limited stay has a period of stay to "
                               "extend")
        if until <= self.period_of_stay_until:
            raise InvalidDates(f"the new period of stay must end after the current one "
                               f"({self.period_of_stay_until})")
        if on > until:
            raise InvalidDates("the extension is granted after the new period of stay ends")
        self.period_of_stay_until = until
        self.events.append(ResidentEvent(EventKind.STAY_EXTENDED, on, self.municipality_code,
                                         self.municipality_code))
