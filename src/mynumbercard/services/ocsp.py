"""OCSP: signed `unknown` answers on demand, the daily refresh of the responses produced
ahead of time, and the job that produces every missing one (the responder itself is
`web/ocsp.py`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import jobs
from mynumbercard.services.certificates import (
    OCSP_VALIDITY,
    ocsp_next_update,
    sign_ocsp,
    store_ocsp,
)
from mynumbercard.services.mail_ports import Chunk
from mynumbercard.services.pki_ports import CertificateAuthority
from mynumbercard.services.ports import AuditRecord, UnitOfWork

UowFactory = Callable[[], UnitOfWork]
REFRESH_HORIZON = timedelta(days=1)
UNKNOWN_VALIDITY = timedelta(hours=1)
FEED_RETENTION = timedelta(days=1)  # an answer store further behind is rebuilt
PRODUCE_JOB = "ocsp-produce"


class UnknownAnswers:
    """Signed `unknown` answers for serials we never issued, kept for an hour.

    Only a serial nobody issued costs a signature, once an hour at most per serial, and
    the cache is bounded so a flood of random serials cannot grow it without end."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._answers: OrderedDict[tuple[CertKind, int], tuple[datetime, bytes]] = OrderedDict()
        self._lock = Lock()

    def get(self, ca: CertificateAuthority, kind: CertKind, serial: int, now: datetime) -> bytes:
        key = (kind, serial)
        with self._lock:
            cached = self._answers.get(key)
            if cached and cached[0] > now:
                self._answers.move_to_end(key)
                return cached[1]
        der = ca.ocsp_unknown(kind=kind, serial=serial, this_update=now,
                              next_update=now + UNKNOWN_VALIDITY)
        with self._lock:
            self._answers[key] = (now + UNKNOWN_VALIDITY, der)
            while len(self._answers) > self._capacity:
                self._answers.popitem(last=False)
        return der


def refresh_responses(uow_factory: UowFactory, ca: CertificateAuthority, *, now: datetime,
                      horizon: timedelta = REFRESH_HORIZON, batch: int = 1000,
                      everything: bool = False) -> int:
    """Re-sign every response whose nextUpdate falls within `horizon` (or, with
    `everything`, every response signed before `now`: after an OCSP signer renewal), in
    batches of one transaction each (resumable: a crash loses at most one batch)."""
    done = 0
    before = now + (OCSP_VALIDITY + horizon if everything else horizon)
    while True:
        with uow_factory() as uow:
            due = uow.ocsp.due(before=before, limit=batch,
                               signed_before=now if everything else None)
            for kind, serial in due:
                found = uow.certificates.find(serial, kind)
                if not found:
                    continue
                uow.ocsp.put(kind=kind, serial=serial, der=sign_ocsp(ca, found[0], now),
                             this_update=now, next_update=ocsp_next_update(found[0], now))
            if done == 0:  # once a run: the change feed keeps a day
                uow.ocsp.prune_changes(before=now - FEED_RETENTION)
            uow.commit()
        done += len(due)
        if len(due) < batch:
            return done


@dataclass(frozen=True, slots=True)
class ProduceRun:
    run_key: str
    produced: int  # answers signed by this worker


def produce_run_key(uow_factory: UowFactory, now: datetime) -> str:
    """The day and the register's highest certificate id: run again the same day on
    the same register, the job resumes; once certificates were added, it runs anew."""
    with uow_factory() as uow:
        bounds = uow.ocsp.certificate_bounds()
    return f"{now.date().isoformat()}:{bounds[1] if bounds else 0}"


def produce_missing(uow_factory: UowFactory, ca: CertificateAuthority, *, actor: Actor,
                    now: datetime, run_key: str | None = None, chunk_rows: int = 2000,
                    on_chunk: Callable[[int], None] | None = None) -> ProduceRun:
    """Sign the answer of every unexpired certificate that has none (loaded in bulk, or
    from another system), a chunk of certificate ids per transaction; any number of
    workers may run it at once (services/jobs.py)."""
    actor.require(Permission.CERTIFICATE_REVOKE)
    key = run_key or produce_run_key(uow_factory, now)
    plan_produce(uow_factory, key, chunk_rows=chunk_rows)

    def work(uow: UnitOfWork, chunk: Chunk) -> int:
        missing = uow.ocsp.without_response(chunk.lo, chunk.hi, alive_at=now)
        for certificate in missing:
            store_ocsp(uow, ca, certificate, now)
        if missing:
            uow.audit.record(AuditRecord(now, actor.name, "ocsp:produce",
                                         f"job:{PRODUCE_JOB}:{key}:{chunk.lo}",
                                         {"answers": len(missing)}))
        return len(missing)

    return ProduceRun(key, jobs.run(uow_factory, PRODUCE_JOB, key, work, now=now,
                                    on_chunk=on_chunk))


def plan_produce(uow_factory: UowFactory, run_key: str, *, chunk_rows: int = 2000
                 ) -> tuple[int, int]:
    """The run's chunks (certificate id ranges), once; (done, total) chunks."""
    return jobs.plan_ranges(uow_factory, PRODUCE_JOB, run_key,
                            lambda uow: uow.ocsp.certificate_bounds(), chunk_rows=chunk_rows)


def produce_progress(uow_factory: UowFactory, run_key: str) -> tuple[int, int]:
    """(done, total) chunks of a produce run."""
    with uow_factory() as uow:
        return uow.jobs.progress(PRODUCE_JOB, run_key)
