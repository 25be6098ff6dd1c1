"""OCSP: signed `unknown` answers on demand, the daily refresh of the responses produced
ahead of time, and the job that produces every missing one (the responder itself is
`web/ocsp.py`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from threading import Lock
from typing import Protocol

from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import batch
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.certificates import (
    OCSP_VALIDITY,
    ocsp_next_update,
    sign_ocsp,
    store_ocsp_in,
)
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.jobs import JobsUnit
from mynumbercard.services.pki_ports import CertificateAuthority
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    CertificateRepository,
    OcspStore,
)


class OcspUnit(JobsUnit, Protocol):
    """What the refresh and the production of answers read and write: the answer store
    with its change feed, the certificates signed for, the audit log."""

    @property
    def ocsp(self) -> OcspStore: ...
    @property
    def certificates(self) -> CertificateRepository: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], OcspUnit]
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


REFRESH, RESIGN = "ocsp-refresh", "ocsp-resign"


def refresh_job_name(*, everything: bool) -> str:
    return RESIGN if everything else REFRESH


def refresh_steps(ca: Callable[[], CertificateAuthority], *, now: datetime, run_key: str,
                  horizon: timedelta = REFRESH_HORIZON,
                  everything: bool = False) -> list[batch.Step[OcspUnit]]:
    """Re-sign every response whose nextUpdate falls within `horizon` (or, with
    `everything`, every response signed before `now`: after an OCSP signer renewal), as
    a batch job over the certificates whose response is due when it is planned."""
    before = now + (OCSP_VALIDITY + horizon if everything else horizon)
    signed_before = now if everything else None

    def ids(uow: OcspUnit) -> Sequence[int]:
        # planned once a run: the change feed keeps a day, older changes go now
        uow.ocsp.prune_changes(before=now - FEED_RETENTION)
        return uow.ocsp.due_certificate_ids(before=before, signed_before=signed_before)

    def work(uow: OcspUnit, chunk: Chunk) -> int:
        due = uow.ocsp.due(before=before, limit=chunk.hi - chunk.lo + 1,
                           signed_before=signed_before, within=(chunk.lo, chunk.hi))
        for kind, serial in due:
            found = uow.certificates.find(serial, kind)
            if found:
                uow.ocsp.put(kind=kind, serial=serial, der=sign_ocsp(ca(), found[0], now),
                             this_update=now, next_update=ocsp_next_update(found[0], now))
        return len(due)

    return [batch.Step(batch.Job(refresh_job_name(everything=everything), batch.by_ids(ids),
                                 work), run_key)]


def refresh_responses(uow_factory: UowFactory, ca: CertificateAuthority, *, now: datetime,
                      horizon: timedelta = REFRESH_HORIZON, chunk_rows: int = 1000,
                      everything: bool = False) -> int:
    """The refresh here, one worker (a run that stopped resumes); the count re-signed."""
    key = batch.resumed_or_new(uow_factory, refresh_job_name(everything=everything), now)
    started = batch.start(uow_factory, refresh_steps(lambda: ca, now=now, run_key=key,
                                                     horizon=horizon, everything=everything),
                          chunk_rows=chunk_rows, now=now)
    return started.outcome.rows[refresh_job_name(everything=everything)]


def produce_run_key(uow_factory: UowFactory, now: datetime) -> str:
    """The day and the register's highest certificate id: run again the same day on
    the same register, the job resumes; once certificates were added, it runs anew."""
    with uow_factory() as uow:
        bounds = uow.ocsp.certificate_bounds()
    return f"{now.date().isoformat()}:{bounds[1] if bounds else 0}"


def produce_steps(ca: Callable[[], CertificateAuthority], *, actor: Actor, now: datetime,
                  run_key: str) -> list[batch.Step[OcspUnit]]:
    """Sign the answer of every unexpired certificate that has none (loaded in bulk, or
    from another system), as a batch job over the certificate table's id span."""
    actor.require(Permission.CERTIFICATE_REVOKE)

    def work(uow: OcspUnit, chunk: Chunk) -> int:
        missing = uow.ocsp.without_response(chunk.lo, chunk.hi, alive_at=now)
        for certificate in missing:
            store_ocsp_in(uow, ca(), certificate, now)
        if missing:
            uow.audit.record(AuditRecord(now, actor.name, AuditAction.OCSP_PRODUCE,
                                         f"job:{PRODUCE_JOB}:{run_key}:{chunk.lo}",
                                         {"answers": len(missing)}))
        return len(missing)

    return [batch.Step(batch.Job(PRODUCE_JOB,
                                 batch.by_span(lambda uow: uow.ocsp.certificate_bounds()),
                                 work), run_key)]


def produce_missing(uow_factory: UowFactory, ca: CertificateAuthority, *, actor: Actor,
                    now: datetime, run_key: str | None = None, chunk_rows: int = 2000) -> int:
    """Every missing answer here, one worker (a run that stopped resumes); the count."""
    key = run_key or produce_run_key(uow_factory, now)
    started = batch.start(uow_factory, produce_steps(lambda: ca, actor=actor, now=now,
                                                     run_key=key),
                          chunk_rows=chunk_rows, now=now)
    return started.outcome.rows[PRODUCE_JOB]
