"""In-memory fakes for the OCSP jobs (`services/ocsp.py`): the answer store over the
certificates the test gives. The SQL (the change feed, the due index, the id spans) is
tested in integration/test_ocsp_store.py and test_certificates.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from custody_fakes import CardCertificates
from job_fakes import JobsFakeUnit
from mynumbercard.domain.certificate import Certificate, CertKind


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    der: bytes
    this_update: datetime
    next_update: datetime


class FakeOcspStore:
    """Answers by (kind, serial), each of one of `certificates`' rows."""

    def __init__(self, certificates: CardCertificates) -> None:
        self.certificates = certificates
        self.answers: dict[tuple[CertKind, int], StoredAnswer] = {}

    def put(self, *, kind: CertKind, serial: int, der: bytes, this_update: datetime,
            next_update: datetime) -> None:
        self.answers[(kind, serial)] = StoredAnswer(der, this_update, next_update)

    def prune_changes(self, *, before: datetime) -> int:
        return 0  # no change feed kept here

    def certificate_bounds(self) -> tuple[int, int] | None:
        ids = [c.id for c in self.certificates.rows]
        return (min(ids), max(ids)) if ids else None

    def without_response(self, lo: int, hi: int, *, alive_at: datetime
                         ) -> Sequence[Certificate]:
        return [c for c in sorted(self.certificates.rows, key=lambda c: c.id)
                if lo <= c.id <= hi and c.not_after > alive_at
                and (c.kind, c.serial) not in self.answers]

    def get(self, *, kind: CertKind, serial: int) -> bytes | None:
        answer = self.answers.get((kind, serial))
        return answer.der if answer else None

    def _due(self, before: datetime, signed_before: datetime | None) -> list[Certificate]:
        return [c for c in sorted(self.certificates.rows, key=lambda c: c.id)
                if (a := self.answers.get((c.kind, c.serial))) is not None
                and a.next_update < before
                and (signed_before is None or a.this_update < signed_before)]

    def due(self, *, before: datetime, limit: int, signed_before: datetime | None = None,
            within: tuple[int, int] | None = None) -> Sequence[tuple[CertKind, int]]:
        return [(c.kind, c.serial) for c in self._due(before, signed_before)
                if within is None or within[0] <= c.id <= within[1]][:limit]

    def due_certificate_ids(self, *, before: datetime,
                            signed_before: datetime | None = None) -> Sequence[int]:
        return [c.id for c in self._due(before, signed_before)]


class OcspFakeUnit(JobsFakeUnit):
    """An `ocsp.OcspUnit` in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.certificates = CardCertificates()
        self.ocsp = FakeOcspStore(self.certificates)
