"""The operators' console's SQL on SQLite and PostgreSQL: a chunk's states (started,
failed with its error, done) as the runs' summary and a run's chunks show them, the
claim order, and the mail backlog by day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from mynumbercard.bootstrap import Container
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import register
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.mail_ports import LetterKind, NewLetter

T0 = datetime(2026, 11, 29, 15, tzinfo=UTC)


def test_a_runs_chunks_pending_running_failed_and_done(container: Container):
    with container.uow() as uow:
        uow.jobs.plan("mail", "r1", [(1, 10), (11, 20), (21, 30), (31, 40)])
        uow.jobs.start(Chunk("mail", "r1", 11, 20), now=T0)
        uow.jobs.start(Chunk("mail", "r1", 21, 30), now=T0)
        uow.jobs.failed(Chunk("mail", "r1", 21, 30), error="Conflict: changed", now=T0)
        uow.jobs.start(Chunk("mail", "r1", 31, 40), now=T0)
        uow.jobs.done(Chunk("mail", "r1", 31, 40), rows=9, now=T0)
        uow.commit()
    with container.uow() as uow:
        (summary,) = uow.jobs.summaries(limit=10)
        found = uow.jobs.chunks("mail", "r1", limit=10)
        assert (summary.chunks, summary.done, summary.running, summary.failed) == (4, 1, 1, 1)
        assert [(c.state.value, c.error) for c in found] == [
            ("pending", None), ("running", None), ("failed", "Conflict: changed"),
            ("done", None)]
        assert found[1].started_at == T0
        # Not started and failed chunks first, then the one this start is working on;
        # at a later start, all of them in order.
        assert uow.jobs.claim("mail", "r1", now=T0) == Chunk("mail", "r1", 1, 10)
        assert uow.jobs.lock(Chunk("mail", "r1", 11, 20))
        assert not uow.jobs.lock(Chunk("mail", "r1", 31, 40))  # done
    with container.uow() as uow:
        uow.jobs.start(Chunk("mail", "r1", 1, 10), now=T0)
        uow.jobs.start(Chunk("mail", "r1", 21, 30), now=T0)  # a failed one taken again
        uow.commit()
    with container.uow() as uow:
        assert uow.jobs.claim("mail", "r1", now=T0) == Chunk("mail", "r1", 1, 10)
        assert uow.jobs.claim("mail", "r1", now=T0 + timedelta(hours=1)) == Chunk(
            "mail", "r1", 1, 10)
        found = uow.jobs.chunks("mail", "r1", limit=10)
        assert (found[2].state.value, found[2].error) == ("running", "Conflict: changed")


def test_the_mail_backlog_by_day_oldest_first(container: Container):
    with container.uow() as uow:
        assert list(uow.console.mail_backlog(limit=10)) == []
        assert list(uow.console.crls()) == []
        assert uow.console.production_run(1) is None
    resident = register.register_resident(
        container.uow, actor=Actor("setup", Role.ADMIN), now=T0, family_name="山田",
        given_name="花子", family_name_kana="ヤマダ", given_name_kana="ハナコ",
        birth_date=date(1990, 6, 1), sex=Sex.FEMALE, municipality_code="13101",
        postal_code="1000001", address="千代田1番1号", registered_on=date(1990, 6, 1))
    with container.uow() as uow:
        uow.mail.enqueue([NewLetter(f"k{n}", kind, resident.id or 0, "13101", due)
                          for n, (kind, due) in enumerate([
                              (LetterKind.VALIDITY_CARD, date(2027, 2, 1)),
                              (LetterKind.VALIDITY_CARD, date(2027, 1, 1)),
                              (LetterKind.NUMBER_NOTICE, date(2027, 1, 1)),
                              (LetterKind.VALIDITY_CARD, date(2027, 1, 1))])], now=T0)
        uow.commit()
    with container.uow() as uow:
        assert [(b.due_on, b.kind, b.letters) for b in uow.console.mail_backlog(limit=10)] == [
            (date(2027, 1, 1), "number_notice", 1), (date(2027, 1, 1), "validity_card", 2),
            (date(2027, 2, 1), "validity_card", 1)]
        assert len(uow.console.mail_backlog(limit=1)) == 1
