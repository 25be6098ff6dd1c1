"""The wrong-validity check (the seed's incident) and its correction cases.

`check_validity` recomputes every card's and every active certificate's expiry from the
rules and the stored dates (`domain/validity_check.py`), in chunks of card ids that any
number of workers share and a crash does not repeat. Each difference is a finding with
its cause; each affected card gets one correction case and one contact letter in the
outgoing mail. The card keeps working meanwhile. At the counter the case is corrected:
the card's expiry is set right and certificates that ran past it are re-issued.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.card import Card
from mynumbercard.domain.certificate import JST, CertificateStatus, CertKind
from mynumbercard.domain.correction import CaseStatus, CorrectionCase, NewCorrectionCase
from mynumbercard.domain.errors import Conflict, InvalidDates
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission, Role
from mynumbercard.domain.validity import signature_certificate_allowed
from mynumbercard.domain.validity_check import (
    Cause,
    Difference,
    check_card,
    check_certificate,
)
from mynumbercard.services import batch
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.certificates import (
    CertificatesUnit,
    IssuedCertificate,
    issue_in,
    write_onto_chip,
)
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.jobs import JobsUnit
from mynumbercard.services.mail_ports import LetterKind, MailOutbox, NewLetter
from mynumbercard.services.pki_ports import CardTerminal, CertificateAuthority
from mynumbercard.services.ports import AuditLog, AuditRecord, MunicipalityRepository
from mynumbercard.services.validity_check_ports import CheckedCard, Finding, ValidityChecks
from mynumbercard.services.visibility import visible, visible_resident_in


class CheckUnit(JobsUnit, Protocol):
    """What the check, its report and the cases' list use: the findings and cases, the
    contact letters, the audit log (and the municipalities' names for the report)."""

    @property
    def validity_checks(self) -> ValidityChecks: ...
    @property
    def mail(self) -> MailOutbox: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def municipalities(self) -> MunicipalityRepository: ...


class CorrectionUnit(CertificatesUnit, Protocol):
    """Correcting a case at the counter: the certificates' unit with the cases."""

    @property
    def validity_checks(self) -> ValidityChecks: ...


UowFactory = Callable[[], CheckUnit]
JOB = "audit-validity"


def _card_difference(card: CheckedCard) -> Difference | None:
    # Cards made before the application day was kept are taken as applied on issue: the
    # minor test can then differ only for an application received just before a birthday.
    try:
        return check_card(birth_date=card.birth_date,
                          applied_on=card.applied_on or card.issued_on,
                          issued_on=card.issued_on, stored=card.expires_on,
                          residence_until=card.residence_until, stay_bound=card.stay_bound)
    except InvalidDates:
        return Difference(card.expires_on, card.expires_on, Cause.INCONSISTENT_DATES)


def _work(run_key: str, *, actor: Actor, now: datetime) -> batch.Work[CheckUnit]:
    def work(uow: CheckUnit, chunk: Chunk) -> int:
        checks = uow.validity_checks
        in_use = {c.card_id: c for c in checks.cards(chunk.lo, chunk.hi)}
        correct_card: dict[int, date] = {}
        findings: list[Finding] = []
        cases: dict[int, NewCorrectionCase] = {}
        for card in in_use.values():
            diff = _card_difference(card)
            correct_card[card.card_id] = diff.correct if diff else card.expires_on
            if diff is not None:
                findings.append(Finding("card", card.card_id, card.card_id,
                                        card.municipality_code, diff.stored, diff.correct,
                                        str(diff.cause)))
                cases[card.card_id] = NewCorrectionCase(
                    card.card_id, card.resident_id, card.municipality_code,
                    diff.stored, diff.correct, str(diff.cause))
        for certificate in checks.certificates(chunk.lo, chunk.hi):
            holder = in_use.get(certificate.card_id)
            if holder is None or certificate.issued_on > correct_card[holder.card_id]:
                continue
            card = holder
            diff = check_certificate(birth_date=card.birth_date,
                                     certificate_issued_on=certificate.issued_on,
                                     stored=certificate.expires_on,
                                     card_expires_on=correct_card[card.card_id])
            if diff is None:
                continue
            findings.append(Finding("certificate", certificate.certificate_id, card.card_id,
                                    card.municipality_code, diff.stored, diff.correct,
                                    str(diff.cause)))
            cases.setdefault(card.card_id, NewCorrectionCase(
                card.card_id, card.resident_id, card.municipality_code, diff.stored,
                diff.correct, str(diff.cause), subject="certificate"))
        checks.add_findings(run_key, findings, now=now)
        # Contradictory dates go to the report for a person to look at, not to the holder;
        # a finding a person dismissed (same card, subject and date) is not opened again.
        dismissed = checks.dismissed(list(cases))
        opened = checks.open_cases(
            [c for c in cases.values() if c.cause != Cause.INCONSISTENT_DATES
             and (c.card_id, c.subject, c.wrong_on) not in dismissed], now=now)
        uow.mail.enqueue([
            NewLetter(letter_key=f"validity_correction:{case.card_id}:{case.id}",
                      kind=LetterKind.VALIDITY_CORRECTION, resident_id=case.resident_id,
                      municipality_code=case.municipality_code, due_on=case.correct_on,
                      card_id=case.card_id, details={"case": case.id, "subject": case.subject})
            for case in opened], now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.VALIDITY_CHECK,
                                     f"job:{JOB}:{run_key}:{chunk.lo}",
                                     {"cards": len(in_use), "findings": len(findings)}))
        return len(in_use)
    return work


@dataclass(frozen=True, slots=True)
class CheckRun:
    run_key: str
    cards: int  # checked by this worker


AUDIT_CHUNK_ROWS = 5000  # ids per chunk of the audit (a span of the card table, not a list)


def run_key_of(now: datetime, run_key: str | None = None) -> str:
    """A run's key: the one given, else the day in Japan (the same key resumes it)."""
    return run_key or now.astimezone(JST).date().isoformat()


def steps(*, actor: Actor, now: datetime, run_key: str) -> list[batch.Step[CheckUnit]]:
    """The audit as a batch job: every card id in chunks of the table's id span."""
    actor.require(Permission.PRODUCTION)
    return [batch.Step(batch.Job(JOB, batch.by_span(lambda uow: uow.validity_checks.id_bounds()),
                                 _work(run_key, actor=actor, now=now)), run_key)]


def check_validity(uow_factory: UowFactory, *, actor: Actor, now: datetime,
                   run_key: str | None = None, chunk_rows: int = AUDIT_CHUNK_ROWS,
                   on_progress: Callable[[batch.Progress], None] | None = None) -> CheckRun:
    """Audit every card here, one worker (resuming a run of the same key that stopped
    half-way); `--workers` starts the same steps through `batch.start`."""
    key = run_key_of(now, run_key)
    started = batch.start(uow_factory, steps(actor=actor, now=now, run_key=key),
                          chunk_rows=chunk_rows, now=now, on_progress=on_progress)
    return CheckRun(key, started.outcome.rows[JOB])


@dataclass(frozen=True, slots=True)
class MunicipalityFindings:
    code: str
    name: str  # prefecture and municipality
    findings: int
    by_cause: dict[str, int]  # "subject:cause" → count, by key


@dataclass(frozen=True, slots=True)
class AuditReport:
    run: str | None  # None: no run yet
    findings: int
    by_cause: dict[str, int]
    by_municipality: tuple[MunicipalityFindings, ...]


@dataclass(frozen=True, slots=True)
class CaseView:
    id: int
    card_id: int
    resident_id: int
    municipality_code: str
    subject: str  # card | certificate
    wrong_on: date
    correct_on: date
    cause: str
    status: CaseStatus


def report(uow_factory: UowFactory, *, actor: Actor, run_key: str | None = None
           ) -> AuditReport:
    """Counts by municipality and by cause, for an operator to read; a clerk reads only
    their own municipality's rows."""
    actor.require_role(Permission.APPLICATION_READ)
    with uow_factory() as uow:
        key = run_key or uow.validity_checks.latest_run()
        rows = [r for r in (uow.validity_checks.report(key) if key else [])
                if actor.may(Permission.APPLICATION_READ, municipality_code=r[0])]
        names = {code: uow.municipalities.get(code) for code in {r[0] for r in rows}}
    by_cause: Counter[str] = Counter()
    by_municipality: dict[str, Counter[str]] = defaultdict(Counter)
    for code, subject, cause, n in rows:
        by_cause[f"{subject}:{cause}"] += n
        by_municipality[code][f"{subject}:{cause}"] += n
    return AuditReport(
        run=key, findings=sum(by_cause.values()), by_cause=dict(sorted(by_cause.items())),
        by_municipality=tuple(
            MunicipalityFindings(code, names[code].prefecture + names[code].name,
                                 sum(counts.values()), dict(sorted(counts.items())))
            for code, counts in sorted(by_municipality.items())))


def hidden_case(case_id: int) -> str:
    return f"no correction case {case_id}"


IN_PROGRESS = frozenset({CaseStatus.OPEN, CaseStatus.CONTACTED})


@dataclass(frozen=True, slots=True)
class CorrectionPlan:
    """What correcting a case does to its card: the card's last day after it, and the
    certificates re-issued (none when none runs past that day, or when the card is not
    valid any more: then only the register's date is set right)."""

    card_expires_on: date
    kinds: frozenset[CertKind]
    card_valid: bool


@dataclass(frozen=True, slots=True)
class Corrected:
    """What a correction did (the page and the terminal say it)."""

    case: int
    card_number: str
    subject: str  # card | certificate
    card_expired_on: date  # the card's last day before
    card_expires_on: date  # and after
    card_valid: bool
    certificates: list[IssuedCertificate]


def in_progress(case: CorrectionCase) -> CorrectionCase:
    """The case, if it may still be corrected (not corrected or dismissed already)."""
    if case.status not in IN_PROGRESS:
        raise Conflict(f"this case is {case.status.value} already: it cannot be corrected")
    return case


def correction_plan_in(uow: CorrectionUnit, case: CorrectionCase, card: Card,
                       resident: Resident, *, today: date) -> CorrectionPlan:
    """Inside the caller's transaction: what correcting `case` will do, today."""
    in_progress(case)
    last_day = case.correct_on if case.subject == "card" else card.expires_on
    valid = replace(card, expires_on=last_day).is_valid_on(today)
    kinds = frozenset(
        c.kind for c in uow.certificates.of_card(card.id or 0)
        if c.status is CertificateStatus.ACTIVE
        and (c.not_after.astimezone(JST).date() > last_day or case.subject == "certificate"))
    if not signature_certificate_allowed(birth_date=resident.birth_date, on=today):
        kinds -= {CertKind.SIGN}
    return CorrectionPlan(last_day, kinds if valid else frozenset(), valid)


def visible_case_in(uow: CorrectionUnit, actor: Actor, case_id: int
                    ) -> tuple[CorrectionCase, Card, Resident]:
    """The case with its card and holder, for a member who may correct it there (a clerk
    of the holder's municipality); else the unknown case's NotFound."""
    def look_up() -> tuple[CorrectionCase, Card, Resident]:
        case = uow.validity_checks.get_case(case_id, lock=True)
        return case, uow.cards.get(case.card_id), uow.residents.get(case.resident_id)

    return visible(actor, Permission.CERTIFICATE_ISSUE, hidden=hidden_case(case_id),
                   look_up=look_up, municipalities=lambda found: (found[2].municipality_code,))


def correct_case(uow_factory: Callable[[], CorrectionUnit], ca: Callable[[], CertificateAuthority],
                 terminal_for: Callable[[str], CardTerminal | None], *, actor: Actor,
                 case_id: int, now: datetime) -> Corrected:
    """At the counter, by a clerk of the holder's municipality: set the card's expiry
    right and re-issue the certificates that run past it (or were themselves wrong), on
    the card in the reader (`terminal_for(card_number)`, None when it is not there).
    A corrected or dismissed case is not corrected again (Conflict)."""
    today = now.astimezone(JST).date()
    with uow_factory() as uow:
        case, card, resident = visible_case_in(uow, actor, case_id)
        plan = correction_plan_in(uow, case, card, resident, today=today)
        terminal = terminal_for(card.card_number)
        wrong = card.expires_on
        if case.subject == "card":
            card.expires_on = case.correct_on
            uow.cards.save(card, now=now)
        issued: list[IssuedCertificate] = []
        if plan.kinds:
            if terminal is None:
                raise Conflict("the card's certificates must be re-issued: put the card in "
                               "the reader")
            issued = issue_in(uow, ca(), terminal, card=card, resident=resident,
                              kinds=plan.kinds, actor=actor, now=now)
        case.correct()
        uow.validity_checks.save_case(case, now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.VALIDITY_CORRECT,
                                     f"card:{card.id}", {
            "case": case_id, "from": wrong.isoformat(), "to": card.expires_on.isoformat(),
            "certificates": sorted(k.value for k in plan.kinds)}))
        uow.commit()
    if terminal is not None:
        write_onto_chip(terminal, issued)
    return Corrected(case_id, card.card_number, case.subject, wrong, card.expires_on,
                     plan.card_valid, issued)


def dismiss_case(uow_factory: UowFactory, *, actor: Actor, case_id: int, now: datetime
                 ) -> CorrectionCase:
    actor.require(Permission.PRODUCTION)
    with uow_factory() as uow:
        case = uow.validity_checks.get_case(case_id, lock=True)
        case.dismiss()
        uow.validity_checks.save_case(case, now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.VALIDITY_DISMISS,
                                     f"correction:{case_id}", None))
        uow.commit()
    return case


def list_cases(uow_factory: UowFactory, *, actor: Actor, status: CaseStatus | None,
               limit: int = 100, after_id: int = 0) -> list[CaseView]:
    """Correction cases by id; a clerk sees only their own municipality's."""
    actor.require_role(Permission.APPLICATION_READ)
    own = actor.municipality_code if actor.role is Role.CLERK else None
    with uow_factory() as uow:
        found = uow.validity_checks.cases(status, limit=min(limit, 1000), after_id=after_id,
                                         municipality_code=own)
    return [CaseView(c.id, c.card_id, c.resident_id, c.municipality_code, c.subject,
                     c.wrong_on, c.correct_on, c.cause, c.status) for c in found]


def cases_of_resident(uow_factory: Callable[[], CorrectionUnit], *, actor: Actor,
                      resident_id: int) -> list[CaseView]:
    """A resident's correction cases still in progress (open or contacted), for their
    page at the counter; another municipality's resident answers as unknown."""
    with uow_factory() as uow:
        visible_resident_in(uow, actor, Permission.RESIDENT_READ, resident_id)
        found = uow.validity_checks.in_progress_of_cards(
            [c.id for c in uow.cards.of_resident(resident_id)])
    return [CaseView(c.id, c.card_id, c.resident_id, c.municipality_code, c.subject,
                     c.wrong_on, c.correct_on, c.cause, c.status) for c in found]
