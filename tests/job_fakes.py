"""In-memory fakes of the batch jobs' ports (`job_ports.py`, `expiry_ports.py`,
`mail_ports.py`, the CRL numbers and the OCSP answers of `ports.py`), for the jobs' use
cases without a database. The SQL (SKIP LOCKED, the ledger's upserts, the cohorts'
queries) is tested against the real thing in tests/integration/."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from application_fakes import FakeApplicationStore
from mynumbercard.domain.card import Card
from mynumbercard.domain.certificate import Certificate, CertKind
from mynumbercard.domain.correction import CaseStatus, CorrectionCase, NewCorrectionCase
from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.services.job_ports import Chunk, ChunkState, RunSummary
from mynumbercard.services.mail_ports import CohortCard, CohortCertificates
from mynumbercard.services.pki_ports import Revoked
from mynumbercard.services.ports import CrlState
from mynumbercard.services.validity_check_ports import CheckedCard, CheckedCertificate, Finding

from fakes import FakeAuditLog, FakeMail, FakeMunicipalities, FakeTransaction


class FakeJobChunks:
    """The chunk table: (job, run key) → {lo: (hi, rows done or None)}."""

    def __init__(self) -> None:
        self.runs: dict[tuple[str, str], dict[int, tuple[int, int | None]]] = {}
        # (job, run key, lo) → (started at, failed at, error)
        self.states: dict[tuple[str, str, int], tuple[datetime | None, datetime | None,
                                                      str | None]] = {}
        self.done_at: dict[tuple[str, str, int], datetime] = {}

    def planned(self, job: str, run_key: str) -> bool:
        return (job, run_key) in self.runs

    def plan(self, job: str, run_key: str, ranges: Sequence[tuple[int, int]]) -> None:
        if ranges:
            chunks = self.runs.setdefault((job, run_key), {})
            for lo, hi in ranges:
                chunks.setdefault(lo, (hi, None))

    def claim(self, job: str, run_key: str, *, now: datetime | None = None) -> Chunk | None:
        def running(lo: int) -> bool:
            started, failed, _ = self.states.get((job, run_key, lo), (None, None, None))
            return started is not None and failed is None and (now is None or started >= now)
        pending = sorted((running(lo), lo, hi) for lo, (hi, rows)
                         in self.runs.get((job, run_key), {}).items() if rows is None)
        return Chunk(job, run_key, *pending[0][1:]) if pending else None

    def start(self, chunk: Chunk, *, now: datetime) -> None:
        key = (chunk.job, chunk.run_key, chunk.lo)
        self.states[key] = (now, None, self.states.get(key, (None, None, None))[2])

    def lock(self, chunk: Chunk) -> bool:
        return self.runs[(chunk.job, chunk.run_key)][chunk.lo][1] is None

    def failed(self, chunk: Chunk, *, error: str, now: datetime) -> None:
        key = (chunk.job, chunk.run_key, chunk.lo)
        self.states[key] = (self.states.get(key, (None, None, None))[0], now, error)

    def done(self, chunk: Chunk, *, rows: int, now: datetime) -> None:
        self.runs[(chunk.job, chunk.run_key)][chunk.lo] = (chunk.hi, rows)
        self.done_at[(chunk.job, chunk.run_key, chunk.lo)] = now

    def progress(self, job: str, run_key: str) -> tuple[int, int]:
        chunks = self.runs.get((job, run_key), {})
        return sum(1 for _, rows in chunks.values() if rows is not None), len(chunks)

    def unfinished(self, job: str) -> Sequence[str]:
        return sorted(key for (name, key), chunks in self.runs.items()
                      if name == job and any(rows is None for _, rows in chunks.values()))

    def summaries(self, *, limit: int) -> Sequence[RunSummary]:
        summaries = [RunSummary(job, key, len(chunks),
                                sum(1 for _, rows in chunks.values() if rows is not None),
                                sum(rows or 0 for _, rows in chunks.values()), None)
                     for (job, key), chunks in self.runs.items()]
        summaries.sort(key=lambda r: r.job)
        summaries.sort(key=lambda r: r.run_key, reverse=True)
        summaries.sort(key=lambda r: r.done == r.chunks)  # unfinished first
        return summaries[:limit]

    def chunks(self, job: str, run_key: str, *, limit: int) -> Sequence[ChunkState]:
        found = self.runs.get((job, run_key), {})
        return [ChunkState(lo, hi, self.done_at.get((job, run_key, lo)), rows,
                           *self.states.get((job, run_key, lo), (None, None, None)))
                for lo, (hi, rows) in sorted(found.items())][:limit]


class JobsFakeUnit(FakeTransaction):
    """A transaction with the chunk table; `commits` counts the committed ones."""

    def __init__(self) -> None:
        self.jobs = FakeJobChunks()
        self.audit = FakeAuditLog()
        self.commits = 0


class FakeExpiryLedger:
    """Cards and certificates as the test gives them; the passages recorded."""

    def __init__(self, cards: Sequence[Card] = (),
                 certificates: Sequence[Certificate] = ()) -> None:
        self.cards = {c.id: c for c in cards}
        self.certificates = {c.id: c for c in certificates}
        self.passages: dict[tuple[str, int], date] = {}

    def cards_due(self, *, first: date, last: date, after_id: int,
                  limit: int) -> Sequence[Card]:
        return [c for i, c in sorted(self.cards.items())
                if first <= c.expires_on <= last and i > after_id][:limit]

    def certificates_due(self, *, start: datetime, end: datetime, after_id: int,
                         limit: int) -> Sequence[Certificate]:
        return [c for i, c in sorted(self.certificates.items())
                if start <= c.not_after < end and i > after_id][:limit]

    def record(self, subject: str, passages: Mapping[int, date], *,
               now: datetime) -> set[int]:
        new = {i for i in passages if (subject, i) not in self.passages}
        self.passages.update(((subject, i), passages[i]) for i in new)
        return new


class FakeOcspAnswers:
    """The answers written: (kind, serial) → DER."""

    def __init__(self) -> None:
        self.answers: dict[tuple[CertKind, int], bytes] = {}

    def put(self, *, kind: CertKind, serial: int, der: bytes, this_update: datetime,
            next_update: datetime) -> None:
        self.answers[(kind, serial)] = der


class ExpiryFakeUnit(JobsFakeUnit):
    """An `expiry.ExpiryUnit` in memory."""

    def __init__(self, ledger: FakeExpiryLedger) -> None:
        super().__init__()
        self.expiries = ledger
        self.ocsp = FakeOcspAnswers()


class FakeCrlNumbers:
    def __init__(self) -> None:
        self.states: dict[tuple[CertKind, int], CrlState] = {}

    def get(self, kind: CertKind, shard: int) -> CrlState | None:
        return self.states.get((kind, shard))

    def put(self, kind: CertKind, shard: int, state: CrlState) -> None:
        self.states[(kind, shard)] = state


class FakeRevokedCertificates:
    """Revoked certificates of each (kind, shard), with the moment each changed."""

    def __init__(self) -> None:
        self.entries: dict[tuple[CertKind, int], list[Revoked]] = {}

    def revoked_in(self, kind: CertKind, shard: int, *, alive_at: datetime,
                   since: datetime | None) -> Iterable[Revoked]:
        return [r for r in self.entries.get((kind, shard), [])
                if since is None or r.revoked_at > since]


class CrlFakeUnit(JobsFakeUnit):
    """A `crls.CrlUnit` in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.crl_numbers = FakeCrlNumbers()
        self.certificates = FakeRevokedCertificates()


class FakeCohorts:
    """The day's cohorts as the test gives them."""

    def __init__(self, cards: Sequence[CohortCard] = (),
                 certificates: Sequence[CohortCertificates] = ()) -> None:
        self.card_rows = list(cards)
        self.certificate_rows = list(certificates)

    def card_ids(self, first: date, last: date) -> Sequence[int]:
        return sorted(c.card_id for c in self.card_rows if first <= c.expires_on <= last)

    def cards(self, first: date, last: date, lo: int, hi: int) -> Sequence[CohortCard]:
        return [c for c in sorted(self.card_rows, key=lambda c: c.card_id)
                if first <= c.expires_on <= last and lo <= c.card_id <= hi]

    def certificate_card_ids(self, first: date, last: date) -> Sequence[int]:
        return sorted(c.card_id for c in self.certificate_rows
                      if first <= c.expires_on <= last)

    def certificates(self, first: date, last: date, lo: int, hi: int
                     ) -> Sequence[CohortCertificates]:
        return [c for c in sorted(self.certificate_rows, key=lambda c: c.card_id)
                if first <= c.expires_on <= last and lo <= c.card_id <= hi]


class FakeKeyedMail(FakeMail):
    """The outgoing mail, asked which letters it holds already."""

    def existing(self, keys: Sequence[str]) -> set[str]:
        return {k for k in keys if k in self.queued}


class ValidityNoticesFakeUnit(JobsFakeUnit):
    """A `validity_notices.ValidityNoticesUnit` in memory."""

    def __init__(self, cohorts: FakeCohorts) -> None:
        super().__init__()
        self.cohorts = cohorts
        self.applications = FakeApplicationStore()
        self.mail = FakeKeyedMail()


class FakeValidityChecks:
    """The cards and certificates the check reads (as the test gives them), its findings
    and its correction cases."""

    def __init__(self, cards: Sequence[CheckedCard] = (),
                 certificates: Sequence[CheckedCertificate] = ()) -> None:
        self.card_rows = {c.card_id: c for c in cards}
        self.certificate_rows = list(certificates)
        self.findings: dict[str, list[Finding]] = {}
        self.case_rows: dict[int, CorrectionCase] = {}
        self.contacted: list[int] = []

    def id_bounds(self) -> tuple[int, int] | None:
        return (min(self.card_rows), max(self.card_rows)) if self.card_rows else None

    def cards(self, lo: int, hi: int) -> Sequence[CheckedCard]:
        return [c for i, c in sorted(self.card_rows.items()) if lo <= i <= hi]

    def certificates(self, lo: int, hi: int) -> Sequence[CheckedCertificate]:
        return [c for c in self.certificate_rows if lo <= c.card_id <= hi]

    def add_findings(self, run_key: str, findings: Sequence[Finding], *,
                     now: datetime) -> None:
        self.findings.setdefault(run_key, []).extend(findings)

    def open_cases(self, cases: Sequence[NewCorrectionCase], *, now: datetime
                   ) -> list[CorrectionCase]:
        busy = {c.card_id for c in self.case_rows.values()
                if c.status in (CaseStatus.OPEN, CaseStatus.CONTACTED)}
        opened = []
        for case in cases:
            if case.card_id not in busy:
                stored = case.stored(len(self.case_rows) + 1)
                self.case_rows[stored.id] = stored
                opened.append(copy.copy(stored))
        return opened

    def report(self, run_key: str) -> Sequence[tuple[str, str, str, int]]:
        counted = Counter((f.municipality_code, f.subject, f.cause)
                          for f in self.findings.get(run_key, []))
        return [(*key, n) for key, n in sorted(counted.items())]

    def latest_run(self) -> str | None:
        return max(self.findings, default=None)

    def get_case(self, case_id: int, *, lock: bool = False) -> CorrectionCase:
        if case_id not in self.case_rows:
            raise NotFound(f"no correction case {case_id}")
        return copy.copy(self.case_rows[case_id])

    def save_case(self, case: CorrectionCase, *, now: datetime) -> None:
        if self.case_rows[case.id].version != case.version:
            raise Conflict("the case changed meanwhile")
        case.version += 1
        self.case_rows[case.id] = copy.copy(case)

    def cases(self, status: CaseStatus | None, *, limit: int, after_id: int = 0,
              municipality_code: str | None = None) -> Sequence[CorrectionCase]:
        return [copy.copy(c) for i, c in sorted(self.case_rows.items())
                if i > after_id and (status is None or c.status is status)
                and municipality_code in (None, c.municipality_code)][:limit]

    def in_progress_of_cards(self, card_ids: Sequence[int]) -> Sequence[CorrectionCase]:
        return [copy.copy(c) for _, c in sorted(self.case_rows.items())
                if c.card_id in card_ids
                and c.status in {CaseStatus.OPEN, CaseStatus.CONTACTED}]

    def mark_contacted(self, case_ids: Sequence[int], *, now: datetime) -> None:
        for case_id in case_ids:
            self.case_rows[case_id].contacted()
            self.contacted.append(case_id)

    def dismissed(self, card_ids: Sequence[int]) -> set[tuple[int, str, date]]:
        return {(c.card_id, c.subject, c.wrong_on) for c in self.case_rows.values()
                if c.card_id in card_ids and c.status is CaseStatus.DISMISSED}


class CheckFakeUnit(JobsFakeUnit):
    """A `validity_check.CheckUnit` in memory."""

    def __init__(self, checks: FakeValidityChecks) -> None:
        super().__init__()
        self.validity_checks = checks
        self.mail = FakeMail()
        self.municipalities = FakeMunicipalities()
