"""The sharpness measure of the ID-photo check, studied on the TUNING data only.

Reads the first evaluation set and the widened evaluation's tuning split (docs/photo.md;
never the held-out split), and prints, for each photo whose blur is judged, whether it
carries the `blurred` defect and a few candidate measures on the face box. It prints the
margin of each measure (the sharpest blurred photo against the softest compliant one), so a
threshold can be set between them. With `--calibrate` it blurs every compliant tuning photo
by a Gaussian whose sigma is a share of the detected face's width and prints what the check's
measure reads at each share: the threshold is the highest reading at 1 % (docs/photo.md,
issue 18's fourth round). Run from the repository root:

    python bench/photo_sharpness_study.py [--cases | --calibrate]
"""

from __future__ import annotations

import argparse
import io
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from mynumbercard.adapters.photo import checks
from mynumbercard.adapters.photo.face import detector
from mynumbercard.adapters.photo.framing import face_defects
from mynumbercard.adapters.photo.header import read_header
from mynumbercard.adapters.photo.segment import segmenter
from mynumbercard.generators import photos
from mynumbercard.generators.photo_evaluation import Case, EvaluationSet
from mynumbercard.generators.photo_variations import cases as variation_cases
from mynumbercard.generators.photo_variations import splits

EVAL_SET = Path(__file__).parents[1] / "tests" / "photo_eval"
Grey = np.ndarray


def _tuning_cases() -> Iterator[Case]:
    base = EvaluationSet(EVAL_SET)
    yield from base.cases()
    yield from variation_cases(splits(EVAL_SET)["tuning"], EVAL_SET)
    # the unit tests' portrait (tests/unit/photo/test_checks.py), sharp and blurred
    good = base.good(base.persons()["obama_arms"], seed=0, size=(600, 800))
    yield Case("unit/portrait", photos.encode(good), frozenset())
    for fraction in (0.004, 0.008, 0.02):
        yield Case(f"unit/blurred{fraction}", photos.encode(photos.blurred(good, fraction)),
                   frozenset({"blurred"}))


def _region(case: Case) -> Grey | None:
    found = _face(case.data)
    return None if found is None else found[0]


def _face(data: bytes) -> tuple[Grey, float | None] | None:
    """The measured region, and the face box's width in the original photo's pixels."""
    header = read_header(data)
    if header is None:
        return None
    photo = checks.decode(data, header)
    faces = detector().detect(photo.rgb)
    _, head = face_defects(faces, photo.grey, original_height=photo.height,
                           person=lambda: segmenter().person(photo.rgb))
    if head is None:
        return checks.centre(photo.grey), None
    scale = photo.width / photo.rgb.shape[1]
    return checks.face_region(photo.grey, head), (head.face.x1 - head.face.x0) * scale


BLUR_SHARES = (0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02)  # sigma / the face's width


def calibrate() -> None:
    """The check's measure on every compliant tuning photo blurred by known amounts."""
    readings: dict[float, list[float]] = {share: [] for share in (0.0, *BLUR_SHARES)}
    for case in _tuning_cases():
        if case.expect or "blurred" in case.ignore:
            continue
        found = _face(case.data)
        if found is None or found[1] is None:
            continue
        region, face_width = found
        readings[0.0].append(checks.sharpness(region))
        with Image.open(io.BytesIO(case.data)) as opened:
            image = opened.convert("RGB")
        for share in BLUR_SHARES:
            blurred = photos.encode(image.filter(ImageFilter.GaussianBlur(share * face_width)))
            again = _face(blurred)
            if again is not None:
                readings[share].append(checks.sharpness(again[0]))
    for share, values in readings.items():
        values.sort()
        print(f"sigma {share:.2%} of the face's width: n={len(values)} min {values[0]:.3g} "
              f"median {values[len(values) // 2]:.3g} max {values[-1]:.3g}")
    print(f"threshold (check.MIN_SHARPNESS): {checks.MIN_SHARPNESS}; highest reading at "
          f"1 %: {readings[0.01][-1]:.3g}")


def _lap_var(region: Grey) -> float:
    return checks.laplacian_variance(region)


def _box3(region: Grey) -> Grey:
    padded = np.pad(region, 1, mode="edge")
    h, w = region.shape
    return sum(padded[dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)) / 9.0


def _at(width: int, region: Grey) -> Grey:
    """The region resampled to a fixed width (the face at one scale)."""
    h, w = region.shape
    image = Image.fromarray(region.astype(np.float32), "F")
    return np.asarray(image.resize((width, max(3, round(h * width / w))), Image.Resampling.BOX))


def _normalised(r: Grey) -> float:
    return _lap_var(r) / max(float(r.var()), 1e-6)


def _reblur(r: Grey) -> float:
    return 1.0 - _lap_var(_box3(r)) / max(_lap_var(r), 1e-6)


MEASURES: dict[str, Callable[[Grey], float]] = {
    "lap_var": _lap_var,
    "lap_var/var": _normalised,
    "lap_var/mean2": lambda r: _lap_var(r) / max(float(r.mean()) ** 2, 1e-6) * 1e4,
    "reblur": _reblur,
    "lap_var@96": lambda r: _lap_var(_at(96, r)),
    "lap_var/var@64": lambda r: _normalised(_at(64, r)),
    "lap_var/var@96": lambda r: _normalised(_at(96, r)),
    "lap_var/var@128": lambda r: _normalised(_at(128, r)),
    "lap_var/var@160": lambda r: _normalised(_at(160, r)),
    "check": checks.sharpness,
    "reblur@96": lambda r: _reblur(_at(96, r)),
    "face_w": lambda r: float(r.shape[1]),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", action="store_true", help="print every case")
    parser.add_argument("--calibrate", action="store_true",
                        help="the measure against blurs of known size (the threshold's basis)")
    args = parser.parse_args()
    if args.calibrate:
        calibrate()
        return
    rows: list[tuple[str, bool, dict[str, float]]] = []
    for case in _tuning_cases():
        if "blurred" in case.ignore:
            continue
        region = _region(case)
        if region is None:
            continue
        blurred = "blurred" in case.expect
        values = {name: f(region) for name, f in MEASURES.items()}
        rows.append((case.name, blurred, values))
        if args.cases:
            print(case.name, "BLURRED" if blurred else "-",
                  " ".join(f"{k}={v:.4g}" for k, v in values.items()))
    for name in MEASURES:
        sharp = sorted(v[name] for _, b, v in rows if not b)
        soft = sorted(v[name] for _, b, v in rows if b)
        low, high = sharp[0], soft[-1]
        middle = math.sqrt(low * high) if low > 0 and high > 0 else float("nan")
        ratio = low / high if high else float("inf")
        print(f"{name:>14}: not blurred n={len(sharp)} min {low:.4g} "
              f"(5th {sharp[len(sharp) // 20]:.4g}); blurred n={len(soft)} max {high:.4g}; "
              f"ratio {ratio:.2f}; geometric middle {middle:.4g}")


if __name__ == "__main__":
    main()
