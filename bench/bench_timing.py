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
from typing import Any

from mynumbercard.domain.relying_party import sign_request
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.ports import AuditRecord
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


def machine() -> str:
    """The machine's load as the figures were taken (they are only comparable with the
    baseline taken in the same run)."""
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} (1 min) {five:.1f} (5 min) on {os.cpu_count()} cores"


def audited_transaction(uow_factory: Callable[[], Any], now: Callable[[], datetime]) -> None:
    """The baseline: one write transaction with one audit record and nothing else, the
    floor under every audited call (a connection, BEGIN IMMEDIATE, an INSERT, COMMIT)."""
    with uow_factory() as uow:
        uow.audit.record(AuditRecord(now(), "bench", AuditAction.SIMULATION_RUN,
                                     "bench:baseline", None))
        uow.commit()


class Report:
    """Lines of `name  rate  p50  p99  ×baseline` (the mean's ratio to the baseline's)."""

    def __init__(self, baseline: list[float],
                 name: str = "baseline: audited transaction") -> None:
        self.base = sum(baseline) / len(baseline)
        print(machine())
        self.line(name, baseline)

    def line(self, name: str, samples: list[float], per: int = 1) -> None:
        """`per`: items per sample (a batch's reports): rate and ratio per item."""
        mean = sum(samples) / len(samples) / per
        rate = f"{per * len(samples) / sum(samples):9.1f}/s" + (" per report" if per > 1
                                                                 else "")
        print(f"{name:34s}{rate}  p50 {statistics.median(samples) * 1000:7.2f} ms"
              f"  p99 {_p99(samples) * 1000:7.2f} ms  x{mean / self.base:6.2f} baseline")


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
