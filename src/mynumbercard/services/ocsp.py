"""OCSP: signed `unknown` answers on demand, and the daily refresh of the responses
produced ahead of time (the responder itself is `web/ocsp.py`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from threading import Lock

from mynumbercard.domain.certificate import CertKind
from mynumbercard.services.certificates import OCSP_VALIDITY, ocsp_next_update, sign_ocsp
from mynumbercard.services.pki_ports import CertificateAuthority
from mynumbercard.services.ports import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
REFRESH_HORIZON = timedelta(days=1)
UNKNOWN_VALIDITY = timedelta(hours=1)


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
            uow.commit()
        done += len(due)
        if len(due) < batch:
            return done
