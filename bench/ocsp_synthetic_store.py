"""bench_ocsp.py's data set at a million certificates and more (`--synthetic-store`).

Making a register of a million carded residents and producing its answers through
`ocsp produce` takes over an hour on the 2-CPU development machine (the produce job on
SQLite runs at about 230 answers a second; signing alone, with the machine shared, a few
hundred a second), so at that size the data set is made the short way, as
bench_ocsp_store.py makes its store: after `ca init`, N fresh 16-octet serials (as
`new_serial` makes them), 5 % revoked; two responses really signed by the CA's
delegated OCSP key (good, revoked), and each certificate's answer is the one of its
status with its own serial written into the CertID. The answers are right in status and
CertID and of a real answer's size, but their signatures verify only for the two
signed serials: nothing the responder does per request looks at them, and a relying
party is not simulated. They are written into the machine's answer store with the
store's own `build`. The certificates are not in the register: the responder answers
them from the store, as it answers every certificate. `openssl ocsp` gets the same
serials in its index file and signs every answer, as always.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

TEMPLATE_SERIAL = (1 << 126) | 12345


def build_synthetic(env: dict[str, str], work: Path, count: int, revoked_share: float,
                    mnc: Any) -> dict[str, Any]:
    """The data set (the same shape as `ocsp_realistic.build_dataset`'s)."""
    import pyotp  # noqa: PLC0415

    timings: dict[str, float] = {}
    mnc(env, "db", "upgrade")
    password = "bench-admin-password"  # a throwaway bench installation
    totp = pyotp.parse_uri(mnc(env, "staff", "add", "bench", "--bootstrap",
                               "--password-stdin", stdin=password + "\n").strip())
    mnc(env, "staff", "login", "bench", "--password-stdin",
        stdin=f"{password}\n{totp.now()}\n")
    mnc(env, "ca", "init")
    mnc(env, "ca", "export", str(work / "ca"))
    rng = random.Random(7)
    serials = [rng.getrandbits(127) | (1 << 126) for _ in range(count)]
    step = max(1, round(1 / revoked_share)) if revoked_share > 0 else 0
    revoked = set(range(0, count, step)) if step else set()
    now = datetime.now(UTC).replace(microsecond=0)
    this_update, next_update = now, now + timedelta(days=4)
    revoked_at = now - timedelta(days=1)
    not_after = now + timedelta(days=5 * 365)
    os.environ.update(env)
    from mynumbercard.adapters.db.ocsp_reader import OcspFeed  # noqa: PLC0415
    from mynumbercard.adapters.ocsp_answers import AnswerStore, Entry, build  # noqa: PLC0415
    from mynumbercard.bootstrap import container  # noqa: PLC0415
    from mynumbercard.domain.certificate import CertKind, RevocationReason  # noqa: PLC0415

    wired = container()
    authority = wired.authority
    prefix = authority.hierarchy.issuer_key_hash(CertKind.AUTH)
    cursor = OcspFeed(wired.engine).resume_point(now)
    good = authority.ocsp_good(kind=CertKind.AUTH, serial=TEMPLATE_SERIAL,
                               this_update=this_update, next_update=next_update)
    bad = authority.ocsp_revoked(kind=CertKind.AUTH, serial=TEMPLATE_SERIAL,
                                 revoked_at=revoked_at, reason=RevocationReason.KEY_COMPROMISE,
                                 this_update=this_update, next_update=next_update)
    old = TEMPLATE_SERIAL.to_bytes(16, "big")
    at_good, at_bad = good.index(old), bad.index(old)
    started = time.perf_counter()

    def entries() -> Iterator[Entry]:
        for i, serial in enumerate(serials):
            der, at = (bad, at_bad) if i in revoked else (good, at_good)
            body = der[:at] + serial.to_bytes(16, "big") + der[at + 16:]
            yield Entry(prefix, serial, body, this_update, next_update, cursor)

    directory = wired.settings.ocsp_store_directory
    build(directory, entries(), cursor=cursor)
    timings["build_store_s"] = time.perf_counter() - started
    store = AnswerStore(directory)
    stats = store.stats()
    store.close()
    rows = [{"serial": f"{serial:x}", "not_after": not_after.isoformat(),
             "revoked": i in revoked} for i, serial in enumerate(serials)]
    dataset = {"count": count, "rows": rows, "timings": timings,
               "produced": {"synthetic": count}, "store": stats,
               "revoked_at": revoked_at.isoformat()}
    (work / "dataset.json").write_text(json.dumps(dataset))
    return dataset
