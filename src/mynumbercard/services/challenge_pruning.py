"""The card challenges pruned once they have expired (docs/services.md "The kiosk
transaction"): the kiosk's and the holders' (My Number Points) one-use challenges share
the kiosk's table and are good for 3 minutes; afterwards only their absence matters (an
answer to a pruned challenge is `replayed`, as one to a spent challenge is). A batch job
(services/batch.py): `mynumbercard jobs prune-challenges`, from cron, hourly or daily.

The rows have no integer id, so a run is planned as numbered chunks over how many
challenges had expired at its moment; each chunk deletes up to its size of the oldest
of them (skipping rows another worker has locked), with an audit record of how many."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import batch, jobs
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.jobs import JobsUnit
from mynumbercard.services.ports import AuditLog, AuditRecord

JOB = "challenge-prune"


class ExpiredChallenges(Protocol):
    def expired_challenges(self, *, before: datetime) -> int:
        """How many challenges expired before `before`."""
        ...

    def prune_challenges(self, *, before: datetime, limit: int) -> int:
        """Delete up to `limit` of the challenges expired before `before`, oldest first;
        how many went."""
        ...


class PruneUnit(JobsUnit, Protocol):
    @property
    def kiosk(self) -> ExpiredChallenges: ...
    @property
    def audit(self) -> AuditLog: ...


def numbered_chunks(count: int, chunk_rows: int) -> jobs.Ranges:
    """Chunks 1..count, `chunk_rows` a chunk: places in a queue, not row ids."""
    return [(first, min(first + chunk_rows - 1, count))
            for first in range(1, count + 1, chunk_rows)]


def prune_steps(*, actor: Actor, now: datetime, run_key: str) -> list[batch.Step[PruneUnit]]:
    """The job over the challenges expired before `now` (a live one is never touched)."""
    actor.require_role(Permission.PRODUCTION)  # the batch jobs' runners

    def plan(uow: PruneUnit, chunk_rows: int) -> jobs.Ranges:
        return numbered_chunks(uow.kiosk.expired_challenges(before=now), chunk_rows)

    def work(uow: PruneUnit, chunk: Chunk) -> int:
        pruned = uow.kiosk.prune_challenges(before=now, limit=chunk.hi - chunk.lo + 1)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.KIOSK_PRUNE_CHALLENGES,
                                     "kiosk-challenge:*", {"pruned": pruned}))
        return pruned

    return [batch.Step(batch.Job(JOB, plan, work), run_key)]


def pruned_of(outcome: batch.Outcome) -> int:
    """How many challenges a run's chunks deleted."""
    return outcome.rows[JOB]
