"""ID-photo check speed: `check_photo` on camera-sized JPEGs (issue 6: ≤ 60 ms after decoding).

Builds N well-framed 3000x3850 portrait JPEGs from the real photos of the evaluation set
(tests/photo_eval; quality 92), then, pinned to one core with onnxruntime on 1 intra-op
thread, reports:

- model load: building the CenterFace session (onnx edit + onnxruntime), once per process;
- total: `check_photo(data)`, bytes in, report out;
- decode: reading the header and decoding to the working size (part of the total);
- after decode: everything else (`checks.analyse`: face detection, person segmentation,
  framing, background, exposure, sharpness) on the decoded working image;
- old after decode: the same without the segmentation model (the geometric person outline of
  the first version, still the fallback), timed in the same loop: new / old is the cost of
  the model, comparable across loads;
- baseline: a fixed numpy workload timed in the same run, so that figures taken while other
  processes share the machine can be compared as a ratio.

Run from the repository root: `python bench/bench_photo.py [--photos N] [--repeat R]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

from mynumbercard.adapters.photo import check_photo, checks
from mynumbercard.adapters.photo.face import Detector, detector
from mynumbercard.adapters.photo.framing import face_defects
from mynumbercard.adapters.photo.segment import Segmenter
from mynumbercard.generators import photos
from mynumbercard.generators.photo_evaluation import EvaluationSet

EVAL_SET = Path(__file__).parents[1] / "tests" / "photo_eval"


def baseline_ms() -> float:
    """A fixed CPU workload: a 256x256 float32 matrix product and a 512x512 sum of squares."""
    rng = np.random.default_rng(0)
    a = rng.random((256, 256), dtype=np.float32)
    b = rng.random((512, 512), dtype=np.float32)
    t0 = time.perf_counter()
    for _ in range(4):
        a @ a
        float((b * b).sum())
    return (time.perf_counter() - t0) * 1000


def old_analyse(photo: checks.DecodedPhoto) -> None:
    """The check before the segmentation model: the person outline from the face box."""
    faces = detector().detect(photo.rgb)
    _, head = face_defects(faces, photo.grey, original_height=photo.height)
    checks.pixel_defects(photo, head)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--width", type=int, default=3000)
    parser.add_argument("--height", type=int, default=3850)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    loads = []
    for _ in range(3):
        t0 = time.perf_counter()
        Detector(threads=1)
        loads.append((time.perf_counter() - t0) * 1000)
    print(f"model load (onnx edit + onnxruntime session): {min(loads):.0f}-{max(loads):.0f} ms")
    loads = []
    for _ in range(3):
        t0 = time.perf_counter()
        Segmenter(threads=1)
        loads.append((time.perf_counter() - t0) * 1000)
    print(f"segmentation model load (LiteRT): {min(loads):.0f}-{max(loads):.0f} ms")

    started = time.perf_counter()
    evaluation_set = EvaluationSet(EVAL_SET)
    persons = list(evaluation_set.persons().values())[:4]  # the astronaut's suit: see docs
    jpegs = [
        photos.encode(
            evaluation_set.good(persons[seed % len(persons)], seed, (args.width, args.height))
        )
        for seed in range(args.photos)
    ]
    print(
        f"generated {len(jpegs)} {args.width}x{args.height} JPEGs "
        f"(mean {statistics.mean(map(len, jpegs)) / 1e6:.2f} MB) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    check_photo(jpegs[0])  # warm up imports and caches

    totals: list[float] = []
    decodes: list[float] = []
    afters: list[float] = []
    olds: list[float] = []
    baselines: list[float] = []
    for _ in range(args.repeat):
        for data in jpegs:
            t0 = time.perf_counter()
            report = check_photo(data)
            t1 = time.perf_counter()
            if not report.ok:
                raise SystemExit(f"a good photo failed: {report}")
            header = checks.open_header(data)
            decoded = checks.decode(data, header)
            t2 = time.perf_counter()
            checks.analyse(decoded)
            t3 = time.perf_counter()
            old_analyse(decoded)
            olds.append((time.perf_counter() - t3) * 1000)
            baselines.append(baseline_ms())
            totals.append((t1 - t0) * 1000)
            decodes.append((t2 - t1) * 1000)
            afters.append((t3 - t2) * 1000)

    print(f"{len(totals)} checks, one core")
    series = (
        ("total", totals),
        ("decode", decodes),
        ("after decode", afters),
        ("old after", olds),
        ("baseline", baselines),
    )
    for name, values in series:
        print(
            f"  {name:<13} p50 {percentile(values, 0.5):7.2f} ms   "
            f"p99 {percentile(values, 0.99):7.2f} ms   max {max(values):7.2f} ms"
        )
    ratio = percentile(afters, 0.5) / percentile(baselines, 0.5)
    print(f"  after decode / baseline (p50): {ratio:.2f}")
    for q in (0.5, 0.99):
        new, old = percentile(afters, q), percentile(olds, q)
        old_total = percentile([d + o for d, o in zip(decodes, olds, strict=True)], q)
        print(f"  new / old, p{round(q * 100)}: after decode {new / old:.2f}, "
              f"total {percentile(totals, q) / old_total:.2f} (old total {old_total:.2f} ms)")


if __name__ == "__main__":
    main()
