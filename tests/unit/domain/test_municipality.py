"""Local-government codes (JIS X 0402), designated cities and the relocation rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain.errors import InvalidInput, InvalidLocalGovernmentCode
from mynumbercard.domain.municipality import (
    DESIGNATED_CITIES,
    Municipality,
    designated_city_of,
    local_government_check_digit,
    parse_local_government_code,
    relocation_decision,
    with_check_digit,
)

five_digits = st.text(alphabet="0123456789", min_size=5, max_size=5)


def reference_check_digit(code5: str) -> int:
    """JIS X 0402 as rules.md states it, coded separately."""
    total = 0
    for digit, weight in zip(code5, [6, 5, 4, 3, 2], strict=True):
        total += int(digit) * weight
    return (11 - total % 11) % 10


@pytest.mark.parametrize(
    ("code6", "place"),
    [
        ("011002", "Sapporo"),
        ("131016", "Chiyoda"),
        ("141011", "Yokohama Tsurumi-ku"),
        ("011011", "Sapporo Chuo-ku"),
        ("271004", "Osaka"),
        ("472018", "Naha"),
    ],
)
def test_check_digit_examples(code6: str, place: str) -> None:
    assert local_government_check_digit(code6[:5]) == int(code6[5]), place
    assert with_check_digit(code6[:5]) == code6
    assert parse_local_government_code(code6) == code6[:5]


@given(five_digits)
def test_check_digit_matches_the_reference(code5: str) -> None:
    assert local_government_check_digit(code5) == reference_check_digit(code5)


@given(five_digits)
def test_only_the_right_check_digit_is_accepted(code5: str) -> None:
    good = with_check_digit(code5)
    assert parse_local_government_code(good) == code5
    assert parse_local_government_code(code5) == code5  # the bare 5 digits are accepted
    for digit in "0123456789":
        if digit != good[5]:
            with pytest.raises(InvalidLocalGovernmentCode, match="wrong check digit"):
                parse_local_government_code(code5 + digit)


@pytest.mark.parametrize(
    "text", ["", "0110", "0110023", "01100a", "０１１００２", "01-100", "1310１6"]
)
def test_malformed_codes_are_refused(text: str) -> None:
    with pytest.raises(InvalidLocalGovernmentCode) as raised:
        parse_local_government_code(text)
    assert isinstance(raised.value, InvalidInput)


def test_check_digit_refuses_other_than_five_digits() -> None:
    for bad in ("0110", "011002", "0110a"):
        with pytest.raises(InvalidLocalGovernmentCode):
            local_government_check_digit(bad)


def test_surrounding_whitespace_is_tolerated_when_parsing() -> None:
    assert parse_local_government_code(" 131016\n") == "13101"


# --- designated cities ----------------------------------------------------------------


def test_the_twenty_designated_cities() -> None:
    assert len(DESIGNATED_CITIES) == 20
    assert len({c.code for c in DESIGNATED_CITIES}) == 20
    names = {c.name for c in DESIGNATED_CITIES}
    for name in ("札幌市", "横浜市", "大阪市", "熊本市", "相模原市", "浜松市"):
        assert name in names
    assert "東京都" not in {c.prefecture for c in DESIGNATED_CITIES}
    for city in DESIGNATED_CITIES:
        assert len(city.code) == 5
        assert city.code.isdigit()
        assert city.code[2:] in {"100", "130", "140", "150"}


@pytest.mark.parametrize(
    ("prefecture", "name", "city_code"),
    [
        ("北海道", "札幌市中央区", "01100"),
        ("神奈川県", "横浜市鶴見区", "14100"),
        ("神奈川県", "川崎市川崎区", "14130"),
        ("大阪府", "堺市堺区", "27140"),
        ("東京都", "千代田区", None),  # a special ward is a municipality of its own
        ("北海道", "札幌市", None),  # the city itself is not a ward
        ("北海道", "函館市", None),
        ("大阪府", "横浜市鶴見区", None),  # wrong prefecture
    ],
)
def test_designated_city_of(prefecture: str, name: str, city_code: str | None) -> None:
    city = designated_city_of(prefecture, name)
    assert (city.code if city else None) == city_code


# --- relocation before pick-up ------------------------------------------------------------

SAPPORO_CHUO = Municipality(
    "01101", "札幌市中央区", "サッポロシチュウオウク", "北海道", "ホッカイドウ", "01100"
)
SAPPORO_KITA = Municipality(
    "01102", "札幌市北区", "サッポロシキタク", "北海道", "ホッカイドウ", "01100"
)
YOKOHAMA_TSURUMI = Municipality(
    "14101", "横浜市鶴見区", "ヨコハマシツルミク", "神奈川県", "カナガワケン", "14100"
)
KAWASAKI_KAWASAKI = Municipality(
    "14131", "川崎市川崎区", "カワサキシカワサキク", "神奈川県", "カナガワケン", "14130"
)
CHIYODA = Municipality("13101", "千代田区", "チヨダク", "東京都", "トウキョウト")
CHUO_TOKYO = Municipality("13102", "中央区", "チュウオウク", "東京都", "トウキョウト")
HAKODATE = Municipality("01202", "函館市", "ハコダテシ", "北海道", "ホッカイドウ")

ALL = [
    SAPPORO_CHUO,
    SAPPORO_KITA,
    YOKOHAMA_TSURUMI,
    KAWASAKI_KAWASAKI,
    CHIYODA,
    CHUO_TOKYO,
    HAKODATE,
]


def test_code6_and_ward_flag() -> None:
    assert CHIYODA.code6 == "131016"
    assert YOKOHAMA_TSURUMI.code6 == "141011"
    assert SAPPORO_CHUO.is_designated_city_ward
    assert not CHIYODA.is_designated_city_ward


@pytest.mark.parametrize(
    ("origin", "destination", "voids"),
    [
        (SAPPORO_CHUO, SAPPORO_KITA, False),  # wards of one designated city
        (SAPPORO_CHUO, SAPPORO_CHUO, False),  # within one ward
        (CHIYODA, CHIYODA, False),
        (CHIYODA, CHUO_TOKYO, True),  # Tokyo's special wards are municipalities
        (YOKOHAMA_TSURUMI, KAWASAKI_KAWASAKI, True),  # two designated cities
        (SAPPORO_CHUO, HAKODATE, True),
        (HAKODATE, SAPPORO_KITA, True),
        (CHIYODA, YOKOHAMA_TSURUMI, True),
    ],
)
def test_relocation_rule(origin: Municipality, destination: Municipality, voids: bool) -> None:
    decision = relocation_decision(origin, destination)
    assert decision.voids_application is voids
    assert decision.reason
    if voids:
        assert "apply again" in decision.reason


@given(st.sampled_from(ALL), st.sampled_from(ALL))
def test_relocation_is_symmetric_and_follows_the_city(a: Municipality, b: Municipality) -> None:
    there = relocation_decision(a, b)
    assert there.voids_application == relocation_decision(b, a).voids_application
    same_city = a.designated_city_code is not None and (
        a.designated_city_code == b.designated_city_code
    )
    assert there.voids_application == (a.code != b.code and not same_city)
