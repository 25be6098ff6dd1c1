"""The validity jobs at scale on PostgreSQL: a day's letters, printing, the audit.

    python bench/bench_validity_jobs.py --count 1000000 [--days 10]   # its own cluster
    python bench/bench_validity_jobs.py --keep /var/tmp/register10m   # a register kept by
                                                    # bench/bench_validity_register.py

Measures, each with 1 and 2 worker processes (2 cores here):
1. queueing a day's validity letters (`queue_validity_notices`, cards and certificates,
   with the renewal forms): letters per second;
2. printing them (`mail.dispatch`, batches of 100 letters per PDF): letters per second,
   against the same run's baseline of rendering alone (no database), one process;
3. the wrong-validity audit over every card (`check_validity`): cards per second,
   against the same run's baseline of reading the same rows with one SELECT;
and projects them to 100 million cards (the audit) and a country's day (33,000 cards).
The days and run keys differ between the 1- and 2-worker runs, so nothing is reused.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import func, select, text

from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.repositories import SqlUnitOfWork
from mynumbercard.adapters.db.tables import outgoing_mail
from mynumbercard.adapters.documents import PdfLetterPrinter
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.generators.bulk import generate_register
from mynumbercard.services import mail, validity_check, validity_notices
from mynumbercard.services.letters import ValidityKind, ValidityNotice

from pgcluster import PgCluster

AGENCY = Actor("bench", Role.ADMIN)
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
COUNTRY_CARDS, COUNTRY_DAY = 100_000_000, 33_000


def _uow(url: str) -> Callable[[], SqlUnitOfWork]:
    engine = make_engine(url)
    return lambda: SqlUnitOfWork(engine)


def _queue(url: str, days: list[date]) -> int:
    letters = 0
    for day in days:
        done = validity_notices.queue_validity_notices(_uow(url), actor=AGENCY, on=day,
                                                       now=NOW, catch_up_days=0)
        letters += done.card_letters + done.certificate_letters
    return letters


def _send(url: str, out: str) -> int:
    def sink(name: str, pdf: bytes) -> str:
        (Path(out) / name).write_bytes(pdf)
        return name
    return mail.dispatch(_uow(url), PdfLetterPrinter(), sink, actor=AGENCY, now=NOW,
                         base_url="https://example.jp").letters


def _audit(url: str, key: str) -> int:
    return validity_check.check_validity(_uow(url), actor=AGENCY, now=NOW, run_key=key,
                                         chunk_rows=5000).cards


def _parallel(workers: int, target: Callable[..., int], *args: Any) -> tuple[int, float]:
    start = time.perf_counter()
    if workers == 1:
        done = target(*args)
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            done = sum(pool.starmap(target, [args] * workers))
    return done, time.perf_counter() - start


def _render_baseline(n: int = 500) -> float:
    notice = ValidityNotice(
        kind=ValidityKind.CARD, holder_name="山田 花子", holder_name_kana="ヤマダ ハナコ",
        postal_code="1000001", address="東京都千代田区千代田1番1号", expires_on=date(2027, 2, 25),
        renewal_from=date(2026, 11, 25), notice_date=TODAY, what_to_do=("更新してください",),
        office_name="千代田区役所", office_address="東京都千代田区", office_phone="03",
        office_hours=("平日 8:30〜17:15",), reference="L0000000001",
        application_id="12345678901234567890123", application_url="https://example.jp/apply")
    printer = PdfLetterPrinter()
    start = time.perf_counter()
    for _ in range(n // 100):
        printer.validity_notices([notice] * 100)
    return n / (time.perf_counter() - start)


def _scan_baseline(url: str) -> float:
    engine = make_engine(url)
    start = time.perf_counter()
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT count(*) FROM (SELECT c.id, c.expires_on, c.issued_on, c.applied_on, "
            "r.birth_date, r.period_of_stay_until FROM cards c JOIN residents r "
            "ON r.id = c.resident_id WHERE c.status IN ('produced','active','lost')) x"
        )).scalar() or 0
    engine.dispose()
    return rows / (time.perf_counter() - start)


def _days(first: int, n: int) -> list[date]:
    """Days from today: each a fresh cohort (the windows opening that day)."""
    return [TODAY + timedelta(days=first + i) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=10, help="days of cohorts per run")
    parser.add_argument("--keep", type=Path, default=None,
                        help="a cluster kept by bench_validity_register.py --keep")
    args = parser.parse_args()
    cluster: Any
    stop: Callable[[Any], None] = PgCluster.stop
    if args.keep is not None:
        from bench_validity_register import kept_cluster, stop_kept  # noqa: PLC0415

        cluster, url = kept_cluster(args.keep)
        stop = stop_kept  # leaves the kept directory in place
        migrate.upgrade(make_engine(url))  # the kept register may predate newer migrations
    else:
        cluster = PgCluster.start()
        admin = make_engine(cluster.url).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE bench"))
        admin.dispose()
        url = cluster.database_url("bench")
        engine = make_engine(url)
        migrate.upgrade(engine)
        start = time.perf_counter()
        made = generate_register(engine, count=args.count, seed=1, today=TODAY,
                                 with_cards=True)
        print(f"register: {args.count:,} residents with cards in "
              f"{time.perf_counter() - start:.1f} s ({made})")
        engine.dispose()
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            cards = conn.execute(text("SELECT count(*) FROM cards")).scalar() or 0
        print(f"cards: {cards:,}")
        for workers in (1, 2):
            days = _days(0 if workers == 1 else args.days, args.days)
            letters, seconds = _parallel(workers, _queue, url, days)
            print(f"queue {days[0]}..{days[-1]}: {letters:,} letters, {workers} worker(s): "
                  f"{seconds:.2f} s, {letters / seconds:,.0f} letters/s")
        render = _render_baseline()
        with tempfile.TemporaryDirectory() as out:
            with engine.begin() as conn:  # print half with one worker, half with two
                total = conn.execute(select(func.count()).select_from(outgoing_mail)).scalar()
            for workers in (1, 2):
                sent, seconds = _parallel(workers, _send, url, out)
                print(f"print: {sent:,} letters, {workers} worker(s): {seconds:.2f} s, "
                      f"{sent / seconds:,.0f} letters/s "
                      f"(baseline render only, 1 process: {render:,.0f}/s; "
                      f"ratio {sent / seconds / render:.2f})")
                if workers == 1:  # re-queue for the 2-worker run
                    with engine.begin() as conn:
                        conn.execute(outgoing_mail.update().values(status="queued",
                                                                   batch=None, sent_at=None))
            print(f"  ({total:,} letters queued in all)")
        scan = _scan_baseline(url)
        for workers in (1, 2):
            audited, seconds = _parallel(workers, _audit, url, f"bench-{workers}")
            rate = audited / seconds
            print(f"audit: {audited:,} cards, {workers} worker(s): {seconds:.1f} s, "
                  f"{rate:,.0f} cards/s (baseline SELECT of the same rows: {scan:,.0f}/s; "
                  f"ratio {rate / scan:.3f}); 100 M cards: {COUNTRY_CARDS / rate / 3600:.1f} h")
        answer = validity_check.report(_uow(url), run_key="bench-2")
        print(f"audit findings: {answer.findings:,} {answer.by_cause}")
        engine.dispose()
    finally:
        stop(cluster)


if __name__ == "__main__":
    main()
