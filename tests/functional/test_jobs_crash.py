"""kill -9 in the middle of a batch job, then run it again: the validity-notice job gives
every card of the cohort exactly one letter, each with a live renewal form of its own
holder; the expiry job (chunked since the one batch idiom) records each card's passage
exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select

from mynumbercard.adapters.db.engine import READ_ONLY, make_engine
from mynumbercard.adapters.db.migrate import upgrade
from mynumbercard.adapters.db.tables import (
    application_forms,
    expiry_passages,
    job_chunks,
    outgoing_mail,
)
from mynumbercard.bootstrap import Container
from mynumbercard.config import Settings

from cli_checks import service_credential
from cohorts import cards_expiring
from conftest import FrozenClock

CARDS = 3000


VALIDITY_NOTICES = ("validity-notices", "--on", "2026-11-25", "--no-send", "--yes")
EXPIRE = ("expire", "--on", "2026-11-21", "--yes")  # the cards' last valid day: 11-20


def _job(env: dict[str, str], command: tuple[str, ...] = VALIDITY_NOTICES
         ) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from mynumbercard.cli.main import run; run()",
         "jobs", *command], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _kill_after_chunks(job: subprocess.Popen[bytes], engine: Engine, chunks: int) -> None:
    deadline = time.monotonic() + 120
    while _done_chunks(engine) < chunks:  # some chunks committed, most not
        assert job.poll() is None, job.stderr.read() if job.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.02)
    job.send_signal(signal.SIGKILL)
    job.communicate()  # reap it and close its pipes


def _cohort(database_url: str, tmp_path: Path, clock: FrozenClock, expiry: date, cards: int,
            *, chunk_rows: int) -> tuple[Engine, set[int], dict[str, str]]:
    """A migrated database with `cards` cards expiring on `expiry`, and the environment of
    a cron job (a service account) on it."""
    engine = make_engine(database_url)
    upgrade(engine)
    container = Container(settings=Settings(home=tmp_path, database_url=database_url),
                          engine=engine, clock=clock)
    card_ids = set(cards_expiring(container, [expiry] * cards))
    env = os.environ | {"MYNUMBERCARD_HOME": str(tmp_path), "MYNUMBERCARD_DATABASE_URL":
                        database_url, "MYNUMBERCARD_JOB_CHUNK_ROWS": str(chunk_rows),
                        "MYNUMBERCARD_CREDENTIAL_FILE": str(service_credential(
                            container, tmp_path / "cron.credential", "jobs"))}
    return engine, card_ids, env


def _done_chunks(engine: Engine) -> int:
    # A reader that never takes SQLite's write lock, so it does not slow the job down.
    with engine.connect().execution_options(**READ_ONLY) as conn:
        return int(conn.execute(select(func.count(job_chunks.c.done_at))).scalar() or 0)


def test_killed_mid_run_then_run_again_no_duplicate_and_no_missing_letter(
        database_url: str, tmp_path: Path, clock: FrozenClock) -> None:
    engine, card_ids, env = _cohort(database_url, tmp_path, clock, date(2027, 2, 25), CARDS,
                                    chunk_rows=10)
    _kill_after_chunks(_job(env), engine, 10)
    with engine.connect() as conn:
        partial = conn.execute(select(func.count()).select_from(outgoing_mail)).scalar()
    assert 0 < (partial or 0) < CARDS

    second = _job(env)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err.decode()
    summary = json.loads(out.decode().strip().splitlines()[-1])
    assert summary["card_letters"] == CARDS - partial

    with engine.connect() as conn:
        letters = conn.execute(select(outgoing_mail.c.card_id, outgoing_mail.c.resident_id,
                                      outgoing_mail.c.application_id)).all()
        live = dict(conn.execute(select(application_forms.c.application_id,
                                        application_forms.c.resident_id)
                                 .where(application_forms.c.dead_at.is_(None))).all())
        forms = conn.execute(select(func.count()).select_from(application_forms)).scalar()
    assert len(letters) == CARDS
    assert {card for card, _, _ in letters} == card_ids  # none missing, none twice
    assert all(live[application_id] == resident for _, resident, application_id in letters)
    assert forms == CARDS  # the killed chunk's forms went with its transaction
    engine.dispose()


def test_two_workers_share_a_cohort_without_overlap(database_url: str, tmp_path: Path,
                                                    clock: FrozenClock) -> None:
    engine, card_ids, env = _cohort(database_url, tmp_path, clock, date(2027, 2, 25), 800,
                                    chunk_rows=25)
    done = subprocess.run(
        [sys.executable, "-c", "from mynumbercard.cli.main import run; run()", "jobs",
         "validity-notices", "--on", "2026-11-25", "--workers", "2", "--no-send", "--yes"],
        env=env, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout.decode().strip().splitlines()[-1])["card_letters"] == 800
    with engine.connect() as conn:
        letters = conn.execute(select(outgoing_mail.c.card_id)).scalars().all()
        chunks_done = conn.execute(select(func.count()).select_from(job_chunks)
                               .where(job_chunks.c.done_at.is_not(None))).scalar()
    assert sorted(letters) == sorted(card_ids)
    assert chunks_done == 32  # 800 cards in chunks of 25, each done once
    engine.dispose()


def test_expiry_killed_mid_run_then_run_again_records_each_card_once(
        database_url: str, tmp_path: Path, clock: FrozenClock) -> None:
    engine, card_ids, env = _cohort(database_url, tmp_path, clock, date(2026, 11, 20), CARDS,
                                    chunk_rows=10)
    _kill_after_chunks(_job(env, EXPIRE), engine, 10)
    with engine.connect() as conn:
        partial = conn.execute(select(func.count()).select_from(expiry_passages)).scalar()
        pending = conn.execute(select(func.count()).select_from(job_chunks)
                               .where(job_chunks.c.done_at.is_(None))).scalar()
    assert 0 < (partial or 0) < CARDS
    assert pending  # the plan outlived the process: the next run resumes it

    second = _job(env, (*EXPIRE, "--workers", "2"))  # resumed by two processes
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err.decode()
    assert json.loads(out.decode().strip().splitlines()[-1])["cards"] == CARDS - partial
    with engine.connect() as conn:
        recorded = conn.execute(select(expiry_passages.c.subject_id, expiry_passages.c.expired_on)
                                .where(expiry_passages.c.subject == "card")).all()
        chunks = conn.execute(select(func.count(job_chunks.c.done_at), func.count())
                              .where(job_chunks.c.job == "expiry:cards")).one()
    assert sorted(card for card, _ in recorded) == sorted(card_ids)  # none missing, none twice
    assert {day for _, day in recorded} == {date(2026, 11, 21)}
    assert tuple(chunks) == (CARDS // 10, CARDS // 10)  # planned once, each chunk done once
    engine.dispose()
