"""The audit log's hash chain on SQLite and PostgreSQL: sealing, and `verify` naming the
first record changed, inserted or removed, whatever way the log was rewritten."""

from __future__ import annotations

import stat
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, text
from sqlalchemy.exc import DBAPIError

from audit_checks import T0
from audit_checks import write_records as _record
from mynumbercard.adapters.audit_anchor import FileAnchor
from mynumbercard.adapters.db.audit_chain import SqlAuditChain
from mynumbercard.adapters.db.repositories import SqlUnitOfWork
from mynumbercard.adapters.db.tables import audit_log
from mynumbercard.bootstrap import Container
from mynumbercard.domain.audit_chain import BreakKind
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.audit_chain import Verified, seal_log, verify_log


def _tamper(engine: Engine, *statements: str) -> None:
    """What someone with the database alone can do: past the triggers, as the owner
    (SQLite: drop them; PostgreSQL: a superuser's replica mode turns them off)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for name in ("audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace",
                         "audit_seals_no_update", "audit_seals_no_delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        for statement in statements:
            conn.execute(text(statement))


def _truncate(table: str, engine: Engine) -> str:
    verb = "TRUNCATE" if engine.dialect.name == "postgresql" else "DELETE FROM"
    return f"{verb} {table}"


@pytest.fixture
def chain(container: Container, tmp_path: Path) -> tuple[SqlAuditChain, FileAnchor]:
    return SqlAuditChain(container.engine), FileAnchor(tmp_path / "audit" / "anchor")


def _seal(chain: tuple[SqlAuditChain, FileAnchor], **kw: int) -> None:
    seal_log(*chain, now=T0 + timedelta(hours=1), wait_seconds=5, **kw)


def _verify(chain: tuple[SqlAuditChain, FileAnchor]) -> Verified:
    return verify_log(*chain)


def test_an_intact_log_verifies_and_the_anchor_file_has_every_seal(container: Container, chain):
    _record(container.engine, 25)
    _seal(chain, batch=10)
    _record(container.engine, 3, start=25)
    result = _verify(chain)
    assert result.intact, result.broken
    assert (result.seals, result.records, result.unsealed, result.anchored) == (3, 25, 3, 3)
    anchor = chain[1].path
    assert stat.S_IMODE(anchor.stat().st_mode) == 0o600
    assert [line.split()[:2] for line in anchor.read_text().splitlines()] == [
        ["1", "10"], ["2", "20"], ["3", "25"]]
    _seal(chain)
    assert _verify(chain).records == 28
    assert len(anchor.read_text().splitlines()) == 4


def test_sealing_twice_adds_nothing_and_two_sealers_at_once_make_one_chain(
        container: Container, chain):
    _record(container.engine, 40)
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def sealer() -> None:
        try:
            barrier.wait()
            _seal(chain, batch=7)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=sealer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    _seal(chain)
    result = _verify(chain)
    assert result.intact, result.broken
    assert (result.seals, result.records, result.anchored) == (6, 40, 6)


def test_the_database_refuses_to_rewrite_the_log_or_its_seals(container: Container, chain):
    _record(container.engine, 2)
    _seal(chain)
    engine = container.engine
    refused = [
        "UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
        "UPDATE audit_seals SET hash = 'x'", "DELETE FROM audit_seals",
        _truncate("audit_log", engine), _truncate("audit_seals", engine),
    ]
    if engine.dialect.name == "sqlite":  # REPLACE deletes without the DELETE trigger
        refused.append("INSERT OR REPLACE INTO audit_log (id, at, actor, action, subject) "
                       "VALUES (1, '2026-01-01 00:00:00', 'x', 'x', 'x')")
    for statement in refused:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert _verify(chain).intact


def test_a_changed_record_is_named(container: Container, chain):
    _record(container.engine, 30)
    _seal(chain, batch=10)
    _tamper(container.engine, "UPDATE audit_log SET actor = 'somebody else' WHERE id = 17")
    broken = _verify(chain).broken
    assert broken is not None
    assert (broken.kind, broken.record_id, broken.seal) == (BreakKind.CHANGED, 17, 2)
    assert broken.message == "record 17 was changed (seal 2)"


def test_a_changed_time_or_detail_is_named_too(container: Container, chain):
    _record(container.engine, 5)
    _seal(chain)
    _tamper(container.engine, "UPDATE audit_log SET details = NULL WHERE id = 4")
    broken = _verify(chain).broken
    assert broken is not None
    assert broken.record_id == 4


def test_a_removed_record_is_named(container: Container, chain):
    _record(container.engine, 30)
    _seal(chain, batch=10)
    _tamper(container.engine, "DELETE FROM audit_log WHERE id IN (12, 13)")
    broken = _verify(chain).broken
    assert broken is not None
    assert (broken.kind, broken.record_id) == (BreakKind.REMOVED, 12)
    assert "record 12 was removed" in broken.message


def test_a_record_inserted_into_a_sealed_stretch_is_named(container: Container, chain):
    # ids 1-3 and 5-6: 4 was drawn by a transaction that rolled back
    engine = container.engine
    with engine.begin() as conn:
        for i in (1, 2, 3, 5, 6):
            conn.execute(insert(audit_log).values(id=i, at=T0, actor="clerk", action="a:b",
                                                  subject=f"resident:{i}"))
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('audit_log', 'id'), 6)"))
    _seal(chain)
    assert _verify(chain).intact
    with engine.begin() as conn:  # an INSERT needs no tampering: the trigger allows it
        conn.execute(insert(audit_log).values(id=4, at=T0, actor="clerk", action="a:b",
                                              subject="resident:99"))
    broken = _verify(chain).broken
    assert broken is not None
    assert (broken.kind, broken.record_id) == (BreakKind.INSERTED, 4)
    assert broken.message.startswith("record 4 was inserted")


def test_a_truncated_log_is_named(container: Container, chain):
    _record(container.engine, 8)
    _seal(chain)
    _tamper(container.engine, _truncate("audit_log", container.engine))
    broken = _verify(chain).broken
    assert broken is not None
    assert (broken.kind, broken.record_id) == (BreakKind.REMOVED, 1)
    assert broken.message.startswith("the audit log is empty (truncated): record 1 was removed")


def test_a_rewritten_chain_does_not_match_the_anchor_file(container: Container, chain):
    _record(container.engine, 12)
    _seal(chain, batch=5)
    # change a record and re-seal everything from scratch: consistent inside the database
    _tamper(container.engine, "UPDATE audit_log SET subject = 'resident:0' WHERE id = 7",
            _truncate("audit_seals", container.engine))
    _seal(chain, batch=5)
    broken = _verify(chain).broken
    assert broken is not None
    assert (broken.kind, broken.seal) == (BreakKind.ANCHOR, 2)
    assert broken.message == "seal 2 (records 6-10) does not match the anchor file"


def test_seals_and_log_both_truncated_are_seen_from_the_anchor_file(container: Container,
                                                                     chain):
    _record(container.engine, 4)
    _seal(chain)
    _tamper(container.engine, _truncate("audit_log", container.engine),
            _truncate("audit_seals", container.engine))
    broken = _verify(chain).broken
    assert broken is not None
    assert (broken.kind, broken.seal) == (BreakKind.SEAL, 1)
    assert "seal 1 is missing from the database" in broken.message


def test_a_removed_or_changed_seal_is_named(container: Container, chain):
    _record(container.engine, 9)
    _seal(chain, batch=3)
    _tamper(container.engine, "DELETE FROM audit_seals WHERE seq = 2")
    broken = _verify(chain).broken
    assert broken is not None
    assert broken.message == "seal 2 is missing (the next is 3)"


def test_a_damaged_anchor_file_is_a_break(container: Container, chain):
    _record(container.engine, 2)
    _seal(chain)
    with chain[1].path.open("a") as anchor:
        anchor.write("1 2 " + "f" * 64 + "\n")
    broken = _verify(chain).broken
    assert broken is not None
    assert broken.kind is BreakKind.ANCHOR
    assert "two hashes for seal 1" in broken.message
    chain[1].path.write_text("1 2 " + "f" * 64 + "\n" + "x\n")
    assert "line 2 of the anchor file" in (_verify(chain).broken or pytest.fail("intact")).message


def test_verify_while_records_are_written_and_sealed_finds_nothing_wrong(
        container: Container, chain):
    _record(container.engine, 5)
    _seal(chain)
    stop = threading.Event()
    failures: list[BaseException] = []

    def live_system() -> None:
        start = 5
        try:
            while not stop.is_set():
                _record(container.engine, 3, start=start)
                start += 3
                _seal(chain, batch=2)
        except BaseException as exc:
            failures.append(exc)

    writer = threading.Thread(target=live_system)
    writer.start()
    try:
        results = [_verify(chain) for _ in range(15)]
    finally:
        stop.set()
        writer.join()
    assert failures == []
    assert [r.broken for r in results if not r.intact] == []
    assert results[-1].seals > results[0].seals


def test_records_under_the_old_action_names_stay_as_written_verify_and_read_as_today(
        container: Container, chain):
    """One vocabulary (services/audit_actions.py) renamed some actions; the records written
    before keep their names, so the chain over them still verifies, and they read as the
    actions of today."""
    old = ("letters:queue", "resident:death", "staff:sign-in-failed")
    with container.engine.begin() as conn:
        for i, action in enumerate(old):
            conn.execute(insert(audit_log).values(at=T0 + timedelta(seconds=i), actor="clerk",
                                                  action=action, subject=f"resident:{i}"))
    _record(container.engine, 2, start=10)
    _seal(chain)
    assert _verify(chain).intact
    with container.engine.connect() as conn:
        stored = conn.execute(text("SELECT action FROM audit_log ORDER BY id")).scalars().all()
    assert stored == [*old, "resident:move", "resident:move"]
    with SqlUnitOfWork(container.engine) as uow:
        read = [r.action for _, r in uow.audit.list(subject=None, limit=10, before_id=None)]
    assert read == [AuditAction.RESIDENT_MOVE, AuditAction.RESIDENT_MOVE,
                    AuditAction.STAFF_FAIL_SIGN_IN, AuditAction.RESIDENT_DIE,
                    AuditAction.LETTER_QUEUE]
