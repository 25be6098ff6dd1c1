"""Municipalities, their JIS X 0402 codes, the designated cities and the relocation rule."""

from __future__ import annotations

from dataclasses import dataclass

from mynumbercard.domain.errors import InvalidLocalGovernmentCode

_WEIGHTS = (6, 5, 4, 3, 2)


def local_government_check_digit(code5: str) -> int:
    """JIS X 0402 check digit: weights 6..2, then (11 - sum mod 11) mod 10."""
    if len(code5) != 5 or not code5.isascii() or not code5.isdigit():
        raise InvalidLocalGovernmentCode(f"a local-government code has 5 digits: {code5!r}")
    total = sum(int(d) * w for d, w in zip(code5, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def with_check_digit(code5: str) -> str:
    """The 6-digit form of a 5-digit code."""
    return code5 + str(local_government_check_digit(code5))


def parse_local_government_code(text: str) -> str:
    """Accept the 6-digit form (check digit verified) or the bare 5 digits; return 5 digits."""
    code = text.strip()
    if not code.isascii() or not code.isdigit() or len(code) not in (5, 6):
        raise InvalidLocalGovernmentCode(
            f"a municipality code is 5 digits, or 6 with its check digit: {text!r}"
        )
    if len(code) == 6:
        expected = local_government_check_digit(code[:5])
        if int(code[5]) != expected:
            raise InvalidLocalGovernmentCode(
                f"wrong check digit in local-government code {code}: expected {expected}"
            )
    return code[:5]


@dataclass(frozen=True, slots=True)
class DesignatedCity:
    code: str  # 5 digits, the city as a whole (its wards have their own codes)
    name: str
    kana: str
    prefecture: str


# The 20 designated cities (政令指定都市) under Local Autonomy Act art. 252-19, as of 2012
# (Kumamoto, the latest). A legal list, not postal data: it changes only by Cabinet Order.
DESIGNATED_CITIES: tuple[DesignatedCity, ...] = (
    DesignatedCity("01100", "札幌市", "サッポロシ", "北海道"),
    DesignatedCity("04100", "仙台市", "センダイシ", "宮城県"),
    DesignatedCity("11100", "さいたま市", "サイタマシ", "埼玉県"),
    DesignatedCity("12100", "千葉市", "チバシ", "千葉県"),
    DesignatedCity("14100", "横浜市", "ヨコハマシ", "神奈川県"),
    DesignatedCity("14130", "川崎市", "カワサキシ", "神奈川県"),
    DesignatedCity("14150", "相模原市", "サガミハラシ", "神奈川県"),
    DesignatedCity("15100", "新潟市", "ニイガタシ", "新潟県"),
    DesignatedCity("22100", "静岡市", "シズオカシ", "静岡県"),
    DesignatedCity("22130", "浜松市", "ハママツシ", "静岡県"),
    DesignatedCity("23100", "名古屋市", "ナゴヤシ", "愛知県"),
    DesignatedCity("26100", "京都市", "キョウトシ", "京都府"),
    DesignatedCity("27100", "大阪市", "オオサカシ", "大阪府"),
    DesignatedCity("27140", "堺市", "サカイシ", "大阪府"),
    DesignatedCity("28100", "神戸市", "コウベシ", "兵庫県"),
    DesignatedCity("33100", "岡山市", "オカヤマシ", "岡山県"),
    DesignatedCity("34100", "広島市", "ヒロシマシ", "広島県"),
    DesignatedCity("40100", "北九州市", "キタキュウシュウシ", "福岡県"),
    DesignatedCity("40130", "福岡市", "フクオカシ", "福岡県"),
    DesignatedCity("43100", "熊本市", "クマモトシ", "熊本県"),
)

_DESIGNATED_BY_NAME = {(c.prefecture, c.name): c for c in DESIGNATED_CITIES}


def designated_city_of(prefecture: str, city_name: str) -> DesignatedCity | None:
    """The designated city a ward such as 札幌市中央区 belongs to, if any."""
    if not city_name.endswith("区"):
        return None
    for (pref, name), city in _DESIGNATED_BY_NAME.items():
        if pref == prefecture and city_name.startswith(name) and len(city_name) > len(name):
            return city
    return None


@dataclass(frozen=True, slots=True)
class Municipality:
    """A municipality (市区町村) or a ward of a designated city, as the register knows it."""

    code: str  # 5 digits
    name: str
    kana: str
    prefecture: str
    prefecture_kana: str
    designated_city_code: str | None = None  # set for the wards of a designated city

    @property
    def code6(self) -> str:
        return with_check_digit(self.code)

    @property
    def is_designated_city_ward(self) -> bool:
        return self.designated_city_code is not None


@dataclass(frozen=True, slots=True)
class RelocationDecision:
    voids_application: bool
    reason: str


def relocation_decision(origin: Municipality, destination: Municipality) -> RelocationDecision:
    """Does a move before pick-up void the application?

    A move to another municipality voids it (re-apply at the new office); a move inside
    one municipality, or between wards of one designated city, does not. Tokyo's special
    wards are municipalities of their own, so a move between them voids.
    """
    if origin.code == destination.code:
        return RelocationDecision(False, "same municipality: the application stays valid")
    if (
        origin.designated_city_code is not None
        and origin.designated_city_code == destination.designated_city_code
    ):
        return RelocationDecision(
            False,
            "move between wards of one designated city: the card goes to the new ward's office",
        )
    return RelocationDecision(
        True,
        "move to another municipality before pick-up: the application is void; "
        "apply again at the new municipal office",
    )
