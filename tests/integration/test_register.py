"""The register's use cases on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
import threading
from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from mynumbercard.adapters.db.repositories import SqlUnitOfWork
from mynumbercard.adapters.db.tables import audit_log, residents
from mynumbercard.bootstrap import Container
from mynumbercard.domain import individual_number
from mynumbercard.domain.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    UnknownMunicipality,
)
from mynumbercard.domain.resident import ResidentStatus, Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import register

CHIYODA, MINATO = "13101", "13103"
SAPPORO_CHUO, SAPPORO_KITA = "01101", "01102"
clerk = Actor("clerk-chiyoda", Role.CLERK, CHIYODA)


def _newborn(container: Container, *, municipality: str = CHIYODA, actor: Actor = clerk,
             born: date = date(2026, 11, 1), registered_on: date = date(2026, 11, 10)):
    return register.register_resident(
        container.uow, actor=actor, now=container.clock(), family_name="山田",
        given_name="花子", family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=born,
        sex=Sex.FEMALE, municipality_code=municipality, postal_code="1000001",
        address="千代田1番1号", registered_on=registered_on, rng=random.Random(7),
    )


def test_a_newborn_gets_a_valid_number_and_an_individual_number_notice(container: Container):
    resident = _newborn(container)
    assert resident.id is not None
    assert individual_number.check(resident.individual_number or "").valid
    with container.engine.connect() as conn:
        row = conn.execute(select(residents).where(residents.c.id == resident.id)).one()
        assert row.number_notice_kind == "individual_number_notice"
        assert row.status == "active"
        audit = conn.execute(select(audit_log)).all()
    assert [(a.actor, a.action, a.subject) for a in audit] == [
        ("clerk-chiyoda", "resident:register", f"resident:{resident.id}")
    ]
    with SqlUnitOfWork(container.engine) as uow:
        assert [kind for kind, _ in uow.residents.events_of(resident.id)] == [
            "registered", "number_assigned"
        ]


def test_numbers_assigned_before_may_2020_came_with_a_notification_card(container: Container):
    resident = _newborn(container, born=date(2019, 4, 1), registered_on=date(2019, 4, 10))
    with container.engine.connect() as conn:
        kind = conn.scalar(select(residents.c.number_notice_kind)
                           .where(residents.c.id == resident.id))
    assert kind == "notification_card"


def test_a_clerk_acts_only_in_their_own_municipality(container: Container):
    with pytest.raises(PermissionDenied):
        _newborn(container, municipality=MINATO)
    resident = _newborn(container)
    other = Actor("clerk-minato", Role.CLERK, MINATO)
    with pytest.raises(NotFound, match=f"no resident with id {resident.id}$"):
        register.get_resident(container.uow, actor=other, resident_id=resident.id or 0,
                              now=container.clock())
    with pytest.raises(NotFound):
        register.record_death(container.uow, actor=other, resident_id=resident.id or 0,
                              died_on=date(2026, 11, 20), now=container.clock())
    auditor = Actor("auditor", Role.AUDITOR)
    assert register.get_resident(container.uow, actor=auditor, resident_id=resident.id or 0,
                                 now=container.clock()).id == resident.id
    with pytest.raises(PermissionDenied):
        register.record_death(container.uow, actor=auditor, resident_id=resident.id or 0,
                              died_on=date(2026, 11, 20), now=container.clock())


def test_a_move_changes_the_register_and_is_audited(container: Container):
    resident = _newborn(container)
    moved = register.move_resident(
        container.uow, actor=Actor("clerk-chiyoda", Role.CLERK, CHIYODA),
        resident_id=resident.id or 0, to_municipality=CHIYODA, postal_code="1000002",
        address="千代田2番2号", moved_on=date(2026, 11, 20), now=container.clock(),
    )
    assert moved.municipality_code == CHIYODA
    stored = register.get_resident(container.uow, actor=Actor("a", Role.ADMIN),
                                   resident_id=resident.id or 0, now=container.clock())
    assert (stored.municipality_code, stored.address) == (CHIYODA, "千代田2番2号")
    with container.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action, audit_log.c.details)
                               .where(audit_log.c.action != "resident:read")
                               .order_by(audit_log.c.id)).all()
    assert actions[-1][0] == "resident:move"
    assert actions[-1][1] == {"origin": CHIYODA, "destination": CHIYODA, "on": "2026-11-20"}


def test_unknown_municipality_and_bad_transitions_change_nothing(container: Container):
    resident = _newborn(container)
    admin = Actor("admin", Role.ADMIN)
    with pytest.raises(UnknownMunicipality):
        register.move_resident(container.uow, actor=admin, resident_id=resident.id or 0,
                               to_municipality="99999", postal_code="1000001", address="x",
                               moved_on=date(2026, 11, 20), now=container.clock())
    register.record_death(container.uow, actor=admin, resident_id=resident.id or 0,
                          died_on=date(2026, 11, 21), now=container.clock())
    with pytest.raises(InvalidTransition):
        register.move_resident(container.uow, actor=admin, resident_id=resident.id or 0,
                               to_municipality=CHIYODA, postal_code="1000001", address="x",
                               moved_on=date(2026, 11, 22), now=container.clock())
    stored = register.get_resident(container.uow, actor=admin, resident_id=resident.id or 0,
                                   now=container.clock())
    assert (stored.status, stored.municipality_code) == (ResidentStatus.DECEASED, CHIYODA)
    with container.engine.connect() as conn:
        assert conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars().all() \
            == ["resident:register", "resident:die", "resident:read"]


def test_the_audit_log_is_append_only(container: Container):
    _newborn(container)
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), container.engine.begin() as conn:
            conn.execute(text(statement))
    with container.engine.connect() as conn:
        assert conn.scalar(select(audit_log.c.actor)) == "clerk-chiyoda"


def test_a_stale_write_is_refused(container: Container):
    resident = _newborn(container)
    with SqlUnitOfWork(container.engine) as uow:
        first = uow.residents.get(resident.id or 0)
    with SqlUnitOfWork(container.engine) as uow:
        second = uow.residents.get(resident.id or 0)
    with SqlUnitOfWork(container.engine) as uow:
        first.die(on=date(2026, 11, 21))
        uow.residents.save(first, now=container.clock())
        uow.commit()
    second.emigrate(on=date(2026, 11, 22))
    with SqlUnitOfWork(container.engine) as uow, pytest.raises(Conflict):
        uow.residents.save(second, now=container.clock())


def test_two_clerks_changing_one_resident_at_once_exactly_one_wins(container: Container):
    """Two real concurrent transactions; the database lets exactly one write land.

    On PostgreSQL both read the same version (a barrier holds them after the read) and
    the conditional UPDATE settles it; SQLite takes its write lock at BEGIN, so the
    second transaction waits and then sees the first one's result.
    """
    resident = _newborn(container)
    both_read = threading.Barrier(2, timeout=10)
    overlap = container.engine.dialect.name == "postgresql"
    outcomes: list[str] = []

    def die(day: int) -> None:
        try:
            with SqlUnitOfWork(container.engine) as uow:
                loaded = uow.residents.get(resident.id or 0)
                if overlap:
                    both_read.wait()
                loaded.die(on=date(2026, 11, day))
                uow.residents.save(loaded, now=container.clock())
                uow.commit()
                outcomes.append("saved")
        except (Conflict, InvalidTransition) as refused:
            outcomes.append(type(refused).__name__)

    threads = [threading.Thread(target=die, args=(day,)) for day in (21, 22)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("saved") == 1
    assert len(outcomes) == 2
    if overlap:
        assert "Conflict" in outcomes
