"""What the in-process benchmarks share: a throwaway data directory on a set clock, the
relying party's signed requests, and timing one call at a time."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from mynumbercard.domain.relying_party import sign_request
from mynumbercard.services.relying_parties import SignedRequest


def bench_home(prefix: str, clock: str) -> Path:
    """A new data directory and a clock that runs from `clock`; argv[2], when given, is
    the database URL (else SQLite in the directory)."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update({"MYNUMBERCARD_HOME": str(home),
                       "MYNUMBERCARD_CA_PASSPHRASE": "bench passphrase",
                       "MYNUMBERCARD_CLOCK": clock, "MYNUMBERCARD_CLOCK_RUNS": "1"})
    if len(sys.argv) > 2:
        os.environ["MYNUMBERCARD_DATABASE_URL"] = sys.argv[2]
    return home


class Signer:
    """A relying party's signed POSTs, each with a new nonce (the service refuses one
    seen before)."""

    def __init__(self, key_id: str, secret_hex: str, clock: Callable[[], datetime]) -> None:
        self.key_id, self.secret, self.clock = key_id, bytes.fromhex(secret_hex), clock
        self._nonces: Iterator[int] = iter(range(10**9))

    def post(self, path: str, body: bytes = b"") -> SignedRequest:
        stamp, nonce = int(self.clock().timestamp()), f"bench-nonce-{next(self._nonces):08d}"
        return SignedRequest(self.key_id, str(stamp), nonce, sign_request(
            self.secret, timestamp=stamp, nonce=nonce, method="POST", path=path, body=body),
            "POST", path, body)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"{len(samples) / sum(samples):8.1f}/s  p50 {statistics.median(samples) * 1000:6.1f}"
            f" ms  p99 {p99 * 1000:6.1f} ms")


def timed(count: int, work: Callable[[int], object]) -> list[float]:
    samples = []
    for index in range(count):
        started = time.perf_counter()
        work(index)
        samples.append(time.perf_counter() - started)
    return samples
