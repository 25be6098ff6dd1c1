"""`crl publish` end to end: N revoked certificates in PostgreSQL to signed CRL files.

    python bench/bench_crl_publish.py [N]     # default 1,000,000 revoked certificates

Starts a throwaway PostgreSQL cluster, makes a CA (file keys), writes N revoked
certificate rows with COPY (the rows only: a CRL never reads the certificate itself),
then times `publish_crls` for every shard of both CAs, and checks the CRLs hold N
entries in all.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from cryptography import x509
from sqlalchemy import text

from mynumbercard.adapters import ca_setup
from mynumbercard.adapters.crl_files import FileCrlSink
from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.adapters.db.repositories import SqlUnitOfWork
from mynumbercard.services.crls import publish_crls

from pgcluster import PgCluster

REASONS = ("keyCompromise", "superseded", "affiliationChanged", "cessationOfOperation",
           "certificateHold")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    work = Path(tempfile.mkdtemp(prefix="bench-crl-"))
    now = datetime.now(UTC).replace(microsecond=0)
    config = ca_setup.CaConfig(directory=work / "ca", passphrase="bench", crl_shards=64,
                               base_url="http://127.0.0.1:8000")
    ca_setup.initialise(config, now=now - timedelta(days=1))
    authority = ca_setup.open_authority(config)
    cluster = PgCluster.start()
    try:
        engine = make_engine(cluster.url)
        migrate.upgrade(engine)
        load_municipalities(engine)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO residents (family_name, given_name, family_name_kana, "
                "given_name_kana, birth_date, sex, municipality_code, postal_code, address, "
                "nationality, residence_status, status, created_at, updated_at) VALUES "
                "('山田','花子','ヤマダ','ハナコ','1990-01-01','female','13101','1000001','x',"
                "'JP','national','active', now(), now())"))
            conn.execute(text(
                "INSERT INTO cards (card_number, resident_id, status, issued_on, expires_on, "
                "created_at, updated_at) VALUES ('BENCH', 1, 'active', :d, :e, now(), now())"),
                {"d": date(2026, 1, 1), "e": date(2035, 1, 1)})
        started = time.perf_counter()
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            with cursor.copy(  # type: ignore[attr-defined]
                    "COPY certificates (serial, kind, card_id, status, not_before, not_after, "
                    "shard, revoked_at, revocation_reason, der, created_at, updated_at) "
                    "FROM STDIN") as copy:
                for i in range(count):
                    serial = secrets.randbits(127) | 1
                    reason = REASONS[i % len(REASONS)]
                    status = "suspended" if reason == "certificateHold" else "revoked"
                    copy.write_row((format(serial, "x"), "sign" if i % 2 else "auth", 1,
                                    status, now - timedelta(days=30), now + timedelta(days=900),
                                    serial % 64, now - timedelta(minutes=i % 5000), reason,
                                    b"-", now, now))
            raw.commit()
        finally:
            raw.close()
        with engine.connect() as conn:
            conn.execute(text("ANALYZE certificates"))
        print(f"{count:,} revoked rows written in {time.perf_counter() - started:.1f} s")
        sink = FileCrlSink(work / "crl")
        started = time.perf_counter()
        paths = publish_crls(lambda: SqlUnitOfWork(engine), authority, sink, now=now)
        seconds = time.perf_counter() - started
        entries = sum(len(x509.load_der_x509_crl(Path(p).read_bytes())) for p in paths)
        biggest = max(Path(p).stat().st_size for p in paths)
        print(f"crl publish: {len(paths)} CRLs, {entries:,} entries in {seconds:.1f} s "
              f"({entries / seconds:,.0f} entries/s); largest file {biggest / 1024:.0f} KiB")
        if entries != count:
            sys.exit(f"expected {count:,} entries, found {entries:,}")
        engine.dispose()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
