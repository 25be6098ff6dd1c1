"""The OCSP answer store at scale (docs/pki.md "The answer store"): size, build time,
look-ups and the change feed's writes for N million answers, without a database.

The answers are one real signed response (from a throwaway CA) with the serial of each
entry written into its CertID; the signatures of all but the first are therefore not
valid for their serials, which changes nothing the store measures (every response has
the same length as a real one, and is kept without its responder certificate as real
ones are). What is measured: `build` from a stream of entries (keys in random order, as
the database hands them out), the file's size, random look-ups in one process with the
pages in the page cache, and the writes a follower makes for a day's refresh.

Run: `python bench/bench_ocsp_store.py [--millions 1] [--dir DIR]`.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes

from mynumbercard.adapters.ocsp_answers import AnswerStore, Entry, build, key_of
from mynumbercard.adapters.pki import CaHierarchy, CertKind, FileKeyStore, OcspStatus

NOW = datetime.now(UTC).replace(microsecond=0)


def template(work: Path) -> tuple[bytes, bytes]:
    """A real response and the issuer's SHA-1 key hash."""
    keys = FileKeyStore(work / "keys", "bench passphrase")
    ca = CaHierarchy.initialise(work / "ca", keys=keys, now=NOW - timedelta(days=1),
                                base_url="http://bench.test", crl_shards=4)
    der = ca.ocsp_response(kind=CertKind.AUTH, serial=(1 << 126) | 12345,
                           status=OcspStatus.GOOD, revoked_at=None, reason=None,
                           this_update=NOW, next_update=NOW + timedelta(days=4),
                           hash_algorithm=hashes.SHA1())  # noqa: S303 - RFC 5019
    return der, ca.issuer_key_hash(CertKind.AUTH)


def entries(count: int, der: bytes, prefix: bytes, seed: int = 1) -> Iterator[Entry]:
    """`count` answers with random 127-bit serials, each written into the response."""
    rng = random.Random(seed)
    old = ((1 << 126) | 12345).to_bytes(16, "big")
    at = der.index(old)
    for _ in range(count):
        serial = rng.getrandbits(127) | (1 << 126)  # 16 octets, as new_serial's mostly are
        body = der[:at] + serial.to_bytes(16, "big") + der[at + 16:]
        yield Entry(prefix, serial, body, NOW, NOW + timedelta(days=4), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--millions", type=float, default=1.0)
    parser.add_argument("--dir", type=Path, default=None, help="where the store goes")
    parser.add_argument("--lookups", type=int, default=200_000)
    args = parser.parse_args()
    count = int(args.millions * 1_000_000)
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-ocsp-store-"))
    work.mkdir(parents=True, exist_ok=True)
    der, prefix = template(work)
    started = time.perf_counter()
    build(work / "store", entries(count, der, prefix), cursor=1)
    built = time.perf_counter() - started
    store = AnswerStore(work / "store")
    stats = store.stats()
    print(f"{count:,} answers ({len(der):,} bytes each in full): built in {built:.1f} s "
          f"({built / args.millions:.1f} s per million), {stats['bytes'] / 1e9:.2f} GB "
          f"({stats['bytes'] / count:.0f} bytes per answer, "
          f"{stats['bytes'] / args.millions / 1e9:.2f} GB per million)")
    sample = [e.serial for e in entries(min(count, args.lookups), der, prefix)]
    random.Random(2).shuffle(sample)
    keys = [key_of(prefix, s) for s in sample]
    for label in ("first pass (pages from disk or cache)", "second pass (page cache)"):
        started = time.perf_counter()
        for key in keys:
            found = store.answer(key)
            if found is None:
                raise SystemExit("an answer written was not found")
        spent = time.perf_counter() - started
        print(f"look-ups, {label}: {len(keys) / spent:,.0f}/s "
              f"({spent / len(keys) * 1e6:.1f} us each, with the certificate put back)")
    # A day's refresh re-signs about a third of the answers; the followers write them.
    changes = [Entry(prefix, s, der, NOW, NOW + timedelta(days=4), 2) for s in sample]
    started = time.perf_counter()
    for i in range(0, len(changes), 5000):  # the follower's batch
        store.write(changes[i:i + 5000], cursor=2 + i)
    spent = time.perf_counter() - started
    print(f"follower writes (batches of 5,000): {len(changes) / spent:,.0f} answers/s")
    store.close()
    print(f"resident memory of this process: {_rss_anon_mb():.0f} MB anonymous")
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)


def _rss_anon_mb() -> float:
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    main()
