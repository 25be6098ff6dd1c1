"""ID-photo check speed: `check_photo` on camera-sized JPEGs (issue 6: ≤ 60 ms after decoding).

Generates N synthetic 3000x4000 portrait JPEGs (quality 92, about 1 MB each, varied by seed),
then times, on one core, for each photo:

- total: `check_photo(data)`, bytes in, report out (header, decode at reduced scale, checks);
- decode: reading the header and decoding to the working size (part of the total);
- after decode: the pixel checks alone on the decoded working image (`pixel_defects`).

Run: `python bench/bench_photo.py [--photos N] [--repeat R]`. No face model yet, so no model
load time to report; the next slices add it as a separate figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from mynumbercard.adapters.photo import check_photo, checks, synthetic


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--width", type=int, default=3000)
    parser.add_argument("--height", type=int, default=4000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    started = time.perf_counter()
    photos = [
        synthetic.encode(synthetic.portrait(args.width, args.height, seed=seed))
        for seed in range(args.photos)
    ]
    print(
        f"generated {len(photos)} {args.width}x{args.height} JPEGs "
        f"(mean {statistics.mean(map(len, photos)) / 1e6:.2f} MB) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    check_photo(photos[0])  # warm up imports and caches

    totals: list[float] = []
    decodes: list[float] = []
    afters: list[float] = []
    for _ in range(args.repeat):
        for data in photos:
            t0 = time.perf_counter()
            report = check_photo(data)
            t1 = time.perf_counter()
            if not report.ok:
                raise SystemExit(f"a good photo failed: {report}")
            header = checks.open_header(data)
            decoded = checks.decode(data, header)
            t2 = time.perf_counter()
            checks.pixel_defects(decoded)
            t3 = time.perf_counter()
            totals.append((t1 - t0) * 1000)
            decodes.append((t2 - t1) * 1000)
            afters.append((t3 - t2) * 1000)

    print(f"{len(totals)} checks, one core")
    for name, values in (("total", totals), ("decode", decodes), ("after decode", afters)):
        print(
            f"  {name:<13} p50 {percentile(values, 0.5):7.2f} ms   "
            f"p99 {percentile(values, 0.99):7.2f} ms   max {max(values):7.2f} ms"
        )


if __name__ == "__main__":
    main()
