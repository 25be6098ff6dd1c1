"""The expired card challenges pruned by the batch job (services/challenge_pruning.py):
the expired ones go, in chunks, each audited; the live ones stay and can still be
spent; an answer to a pruned challenge is refused as one to a spent challenge is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mynumbercard import batch_jobs
from mynumbercard.bootstrap import Container
from mynumbercard.domain.errors import PermissionDenied
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import batch, challenge_pruning
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.card_auth import CHALLENGE_LIFETIME

from conftest import FrozenClock

ADMIN = Actor("jobs-runner", Role.OPERATOR)
NOW = datetime(2026, 11, 30, 3, tzinfo=UTC)


def _add(wired: Container, name: str, *, issued: datetime, owner: str = "rp_kiosk") -> str:
    challenge = name.encode().hex().ljust(64, "0")
    with wired.uow() as uow:
        uow.kiosk.add_challenge(challenge, operator=owner, now=issued,
                                expires_at=issued + CHALLENGE_LIFETIME)
        uow.commit()
    return challenge


def _spend(wired: Container, challenge: str, *, owner: str = "rp_kiosk") -> bool:
    with wired.uow() as uow:
        spent = uow.kiosk.use_challenge(challenge, operator=owner, now=NOW)
        uow.commit()
    return spent


def test_expired_challenges_go_in_chunks_and_live_ones_stay(container: Container,
                                                              clock: FrozenClock) -> None:
    clock.now = NOW
    expired = [_add(container, f"old{i}", issued=NOW - timedelta(minutes=10 + i))
               for i in range(4)]
    expired.append(_add(container, "holder", issued=NOW - timedelta(hours=2), owner="holder"))
    # just expired (expiry 1 s ago), spent and expired: they go too
    expired.append(_add(container, "edge", issued=NOW - CHALLENGE_LIFETIME
                        - timedelta(seconds=1)))
    live = [_add(container, "live", issued=NOW),
            _add(container, "ending", issued=NOW - CHALLENGE_LIFETIME + timedelta(seconds=1)),
            _add(container, "points", issued=NOW - timedelta(minutes=1), owner="holder")]
    assert _spend(container, expired[0]) is False  # expired: already unusable

    steps = challenge_pruning.prune_steps(actor=ADMIN, now=NOW, run_key="run-1")
    started = batch.start(container.uow, steps, chunk_rows=4, now=NOW)
    assert started.planned == [batch.Progress(0, 2)]  # six expired, four a chunk
    assert challenge_pruning.pruned_of(started.outcome) == 6
    with container.uow() as uow:
        assert uow.kiosk.expired_challenges(before=NOW) == 0
        assert uow.kiosk.expired_challenges(before=NOW + timedelta(hours=1)) == 3
        records = [r for _, r in uow.audit.list(subject=None, limit=100, before_id=None)
                   if r.action is AuditAction.KIOSK_PRUNE_CHALLENGES]
    assert sorted(int(r.details["pruned"]) for r in records if r.details) == [2, 4]
    assert {r.actor for r in records} == {"jobs-runner"}
    assert _spend(container, live[0]) is True  # the live ones still serve, once
    assert _spend(container, live[1]) is True
    assert _spend(container, live[2], owner="holder") is True
    assert _spend(container, live[0]) is False  # spent: a second answer is replayed


def test_the_wired_job_finds_nothing_left_the_second_time(container: Container,
                                                          clock: FrozenClock) -> None:
    clock.now = NOW
    _add(container, "old", issued=NOW - timedelta(days=1))
    _add(container, "live", issued=NOW)
    order = batch_jobs.ChallengePrune(run_key=batch_jobs.queue_run_key(
        container, challenge_pruning.JOB), actor=ADMIN, now=NOW)
    ran = batch_jobs.start(container, order)
    assert challenge_pruning.pruned_of(ran.started.outcome) == 1
    again = batch_jobs.ChallengePrune(run_key=batch_jobs.queue_run_key(
        container, challenge_pruning.JOB), actor=ADMIN, now=NOW + timedelta(minutes=1))
    assert again.run_key != order.run_key  # the first run finished: a new one
    assert challenge_pruning.pruned_of(batch_jobs.start(container, again).started.outcome) == 0
    assert challenge_pruning.JOB in batch_jobs.RESUMABLE  # a console may resume a run


def test_a_clerk_may_not_run_the_job() -> None:
    with pytest.raises(PermissionDenied):
        challenge_pruning.prune_steps(actor=Actor("clerk", Role.CLERK, "13101"), now=NOW,
                                      run_key="run-1")


def test_numbered_chunks_cover_the_count() -> None:
    assert challenge_pruning.numbered_chunks(0, 500) == []
    assert challenge_pruning.numbered_chunks(5, 2) == [(1, 2), (3, 4), (5, 5)]
