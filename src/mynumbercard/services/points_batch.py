"""A payment service's reports in batches (docs/services.md "Reports in batches"), as
settlement feeds send them: one signed request carries up to `MAX_BATCH` reports, each
with its own `report_id`, and each is granted, answered as a repeat, or refused on its
own exactly as the same reports sent one after another to `points.report` would be —
in one transaction, with one signature check and one nonce for the whole batch.

The fast path reads what it needs for the whole batch at once (the earlier reports,
the enrolments, the campaigns), locks the persons' balance rows in one ordered
statement, and writes the new reports, the balances and the audit records in one
statement each. Should a report of the batch meet a row a concurrent request
committed meanwhile (on PostgreSQL: a twin sent at the same time), that path is rolled
back to its savepoint and the batch goes report by report through the single path,
which settles such a race exactly (the balances locked first, in the one order).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from mynumbercard.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from mynumbercard.domain.points import Campaign, GrantRefused, grant
from mynumbercard.domain.relying_party import RelyingParty
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.points import (
    Granted,
    ReportIn,
    UnknownEnrolment,
    authenticated_in,
    check_report,
    repeat_of,
    report_in,
)
from mynumbercard.services.points_ports import Enrolment, PointsUnit, StoredReport
from mynumbercard.services.ports import AuditRecord
from mynumbercard.services.relying_parties import SecretSealer, SignedRequest

MAX_BATCH = 500  # reports in one request: the transaction stays short for the others
Outcome = Literal["granted", "repeated", "refused"]
Refusals = (InvalidInput, NotFound, Conflict)
Settled = Granted | DomainError  # one report's answer: granted (or repeated), or refused


class BatchUnit(PointsUnit, Protocol):
    def savepoint(self) -> AbstractContextManager[None]:
        """A savepoint, rolled back if its block raises."""
        ...


UowFactory = Callable[[], BatchUnit]


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One report's answer, in the batch's order."""

    report_id: str
    outcome: Outcome
    campaign: str | None = None
    amount: int | None = None
    granted: int | None = None  # yen of points (the first answer's, for a repeat)
    error: str | None = None  # refused: the code the single report's 4xx carries
    message: str | None = None


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    results: list[BatchItem]
    granted: int  # reports granted now (points may be 0 at the cap)
    repeated: int
    refused: int


class _Raced(Exception):
    """A report of the batch was committed by a concurrent request meanwhile."""


def report_batch(uow_factory: UowFactory, sealer: SecretSealer, *, request: SignedRequest,
                 reports: Sequence[ReportIn], now: datetime) -> BatchAnswer:
    """The batch's reports, each settled on its own (see the module docstring)."""
    if not 1 <= len(reports) <= MAX_BATCH:
        raise InvalidInput(f"a batch carries 1 to {MAX_BATCH} reports")
    with uow_factory() as uow:
        party = authenticated_in(uow, sealer, request, now)  # before anything is read
        results = [_item(body.report_id, settled) for body, settled
                   in zip(reports, settle_in(uow, party, reports, now), strict=True)]
        answer = BatchAnswer(results, *(sum(r.outcome == o for r in results)
                                        for o in ("granted", "repeated", "refused")))
        uow.audit.record(AuditRecord(
            now, party.actor_name, AuditAction.POINTS_REPORT_BATCH,
            f"point-report:{party.key_id}/*",
            {"reports": len(reports), "granted": answer.granted,
             "repeated": answer.repeated, "refused": answer.refused}))
        uow.commit()
    return answer


def settle_in(uow: BatchUnit, party: RelyingParty, reports: Sequence[ReportIn],
              now: datetime) -> list[Settled]:
    """The reports of one authenticated party, each settled on its own, inside the
    caller's transaction (each audited): in the batch's order, a `Granted` or the
    refusal the single report would raise (a batch's request, or a group of single
    requests: points_intake.py)."""
    try:
        with uow.savepoint():
            return _bulk_in(uow, party, reports, now)
    except _Raced:
        # Report by report; the persons' balances locked first, in the one order
        # (the single path alone would take them in the batch's order: deadlocks).
        uow.points.locked_balances(_plan_in(uow, party, reports, now).pairs)
        return [_one_in(uow, party, body, now) for body in reports]


def _item(report_id: str, settled: Settled) -> BatchItem:
    if isinstance(settled, DomainError):
        return BatchItem(str(report_id)[:64], "refused", error=settled.code,
                         message=settled.message)
    return BatchItem(settled.report_id, "repeated" if settled.repeated else "granted",
                     settled.campaign, settled.amount, settled.granted)


def _refused(party: RelyingParty, report_id: str, refused: DomainError,
             now: datetime) -> tuple[DomainError, AuditRecord]:
    record = AuditRecord(now, party.actor_name, AuditAction.POINTS_REFUSE,
                         f"point-report:{party.key_id}/{str(report_id)[:64]}",
                         {"reason": refused.code})
    return refused, record


def _one_in(uow: BatchUnit, party: RelyingParty, body: ReportIn, now: datetime) -> Settled:
    """The single report's path (audited there), in a savepoint of its own."""
    try:
        with uow.savepoint():
            return report_in(uow, party, body, now)
    except Refusals as refused:
        settled, record = _refused(party, body.report_id, refused, now)
        uow.audit.record(record)
        return settled


@dataclass(slots=True)
class _New:
    index: int
    enrolment: Enrolment
    campaign_id: int
    campaign: Campaign
    granted: int = 0


@dataclass(slots=True)
class _Plan:
    results: list[Settled | None]  # the refused and the earlier reports' repeats
    audit: list[AuditRecord]
    new: dict[str, _New]  # by report_id: the first of the batch to carry it
    repeats: list[tuple[int, _New]]  # a report_id new in this batch, sent again in it

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """The (campaign, person) balances the new reports change, in the one order."""
        return sorted({(n.campaign_id, n.enrolment.resident_id) for n in self.new.values()})


def _plan_in(uow: PointsUnit, party: RelyingParty, reports: Sequence[ReportIn],
             now: datetime) -> _Plan:
    """What each report is (refused, a repeat, new), from three reads for the batch."""
    results: list[Settled | None] = [None] * len(reports)
    audit: list[AuditRecord] = []
    valid = []
    for index, body in enumerate(reports):
        try:
            check_report(body, now)
        except InvalidInput as refused:
            results[index], record = _refused(party, body.report_id, refused, now)
            audit.append(record)
        else:
            valid.append(index)
    earlier = uow.points.reports_of(party.key_id, [reports[i].report_id for i in valid])
    enrolments = uow.points.enrolments([reports[i].enrolment_id[:20] for i in valid])
    campaigns = uow.points.campaigns()
    new: dict[str, _New] = {}  # by report_id: the first of the batch to carry it
    repeats: list[tuple[int, _New]] = []
    for index in valid:
        body = reports[index]
        try:
            if body.report_id in earlier:
                results[index] = repeat_of(earlier[body.report_id], body)
            elif body.report_id in new:
                first = new[body.report_id]
                repeat_of(_planned(party, reports[first.index], first), body)  # or Conflict
                repeats.append((index, first))
            else:
                new[body.report_id] = _plan(party, body, index, enrolments, campaigns)
        except Refusals as refused:
            results[index], record = _refused(party, body.report_id, refused, now)
            audit.append(record)
    return _Plan(results, audit, new, repeats)


def _bulk_in(uow: PointsUnit, party: RelyingParty, reports: Sequence[ReportIn],
             now: datetime) -> list[Settled]:
    plan = _plan_in(uow, party, reports, now)
    results, audit, new = plan.results, plan.audit, plan.new
    balances = uow.points.locked_balances(plan.pairs)
    for planned in sorted(new.values(), key=lambda n: n.index):  # in the batch's order
        body, pair = reports[planned.index], (planned.campaign_id, planned.enrolment.resident_id)
        planned.granted = grant(planned.campaign, kind=body.kind, amount=body.amount,
                                at=body.occurred_at, granted_so_far=balances[pair])
        balances[pair] += planned.granted
        results[planned.index] = Granted(body.report_id, planned.campaign.name,
                                         body.amount, planned.granted, repeated=False)
        audit.append(AuditRecord(now, party.actor_name, AuditAction.POINTS_REPORT,
                                 f"point-report:{party.key_id}/{body.report_id}",
                                 {"amount": body.amount, "granted": planned.granted}))
    # In report_id order: two concurrent transactions meeting twins wait, never in a ring.
    if not uow.points.add_reports([(_planned(party, reports[n.index], n), n.campaign_id)
                                   for _, n in sorted(new.items())], now=now):
        raise _Raced
    uow.points.set_balances(balances)
    for index, first in plan.repeats:
        results[index] = Granted(reports[index].report_id, first.campaign.name,
                                 reports[first.index].amount, first.granted, repeated=True)
    uow.audit.record_many(audit)
    return [r for r in results if r is not None]


def _plan(party: RelyingParty, body: ReportIn, index: int,
          enrolments: dict[str, Enrolment], campaigns: Sequence[tuple[int, Campaign]]) -> _New:
    """A new report's person and campaign, refused as the single path refuses it."""
    enrolment = enrolments.get(body.enrolment_id[:20])
    if enrolment is None or enrolment.service != party.key_id:
        raise UnknownEnrolment("no person enrolled with this service under this "
                               "enrolment_id")
    for campaign_id, campaign in campaigns:
        if campaign.covers(body.occurred_at):
            grant(campaign, kind=body.kind, amount=body.amount, at=body.occurred_at,
                  granted_so_far=0)  # GrantRefused (not_qualifying) before any write
            return _New(index, enrolment, campaign_id, campaign)
    raise GrantRefused("outside_period", "no campaign runs on the day of this report")


def _planned(party: RelyingParty, body: ReportIn, new: _New) -> StoredReport:
    return StoredReport(party.key_id, body.report_id, new.enrolment.enrolment_id,
                        new.campaign.name, body.kind, body.amount, body.occurred_at,
                        new.granted)
