"""My Number Points, the grant side: campaigns (data), enrolment of a person with one
payment service, the payment services' signed, idempotent reports, and the operator's
totals per service for settlement (docs/services.md "My Number Points")."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.points import (
    AlreadyEnrolled,
    Campaign,
    GrantRefused,
    ReportKind,
    UnknownService,
    check_amount,
    check_report_id,
    grant,
)
from mynumbercard.domain.relying_party import KEY_ID, PartyKind, RelyingParty
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.points_ports import (
    Enrolment,
    PointsUnit,
    ServiceTotal,
    StoredReport,
)
from mynumbercard.services.ports import AuditRecord
from mynumbercard.services.relying_parties import (
    PartyRefused,
    SecretSealer,
    SignedRequest,
    authenticate_in,
    record_refusal_in,
)

UowFactory = Callable[[], PointsUnit]
FUTURE_SLACK = timedelta(minutes=5)  # a payment service's clock may run a little ahead


class UnknownEnrolment(NotFound):
    code = "unknown_enrolment"


@dataclass(frozen=True, slots=True)
class CampaignView:
    name: str
    starts_on: date
    ends_on: date
    rate_percent: int
    cap: int
    qualifies: list[ReportKind]

    @classmethod
    def of(cls, c: Campaign) -> CampaignView:
        return cls(c.name, c.starts_on, c.ends_on, c.rate_percent,
                   c.cap, sorted(c.qualifies))


@dataclass(frozen=True, slots=True)
class EnrolmentView:
    enrolment_id: str
    service: str
    enrolled_at: datetime


@dataclass(frozen=True, slots=True)
class ReportIn:
    report_id: str
    enrolment_id: str
    kind: ReportKind
    amount: int
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Granted:
    report_id: str
    campaign: str
    amount: int
    granted: int  # yen of points this report earned
    repeated: bool  # the service sent this report_id before: counted once


@dataclass(frozen=True, slots=True)
class Settlement:
    campaign: str | None
    totals: list[ServiceTotal]
    reports: int
    granted: int


def add_campaign(uow_factory: UowFactory, *, actor: Actor, make: Callable[[], Campaign],
                 now: datetime) -> CampaignView:
    """`campaign` is built once the actor may (a malformed one tells nothing to others)."""
    actor.require(Permission.POINTS_MANAGE)
    campaign = make()
    with uow_factory() as uow:
        if any(c.name == campaign.name for _, c in uow.points.campaigns()):
            raise Conflict(f"a campaign named {campaign.name} exists already")
        overlapping = [c.name for _, c in uow.points.campaigns()
                       if c.starts_on <= campaign.ends_on and campaign.starts_on <= c.ends_on]
        if overlapping:  # one report earns under one campaign only
            raise Conflict(f"the period overlaps the campaign {overlapping[0]}")
        campaign_id = uow.points.add_campaign(campaign, now=now, by=actor.name)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.POINTS_ADD_CAMPAIGN,
                                     f"point-campaign:{campaign_id}",
                                     {"name": campaign.name}))
        uow.commit()
    return CampaignView.of(campaign)


def list_campaigns(uow_factory: UowFactory, *, actor: Actor) -> list[CampaignView]:
    actor.require(Permission.POINTS_MANAGE)
    with uow_factory() as uow:
        return [CampaignView.of(c) for _, c in uow.points.campaigns()]


def enrol_in(uow: PointsUnit, *, resident_id: int, service: str, actor_name: str,
             now: datetime) -> EnrolmentView:
    """Link the person with one payment service, inside the caller's transaction (the
    card's challenge-response, or an administrator). One link per person: held by the
    database (unique resident), whatever card they hold later."""
    uow.residents.get(resident_id)  # NotFound for an unknown person
    found = uow.relying_parties.by_key_id(service) if KEY_ID.fullmatch(service) else None
    if found is None or found[0].kind is not PartyKind.PAYMENT_SERVICE or not found[0].active:
        raise UnknownService
    enrolment = Enrolment(f"pe_{secrets.token_hex(8)}", resident_id, service, now)
    if not uow.points.enrol(enrolment, by=actor_name):
        raise AlreadyEnrolled
    uow.audit.record(AuditRecord(now, actor_name, AuditAction.POINTS_ENROL,
                                 f"resident:{resident_id}", {"service": service}))
    return EnrolmentView(enrolment.enrolment_id, service, now)


def authenticated_in(uow: PointsUnit, sealer: SecretSealer, request: SignedRequest,
                      now: datetime) -> RelyingParty:
    try:
        return authenticate_in(uow, sealer, request, kind=PartyKind.PAYMENT_SERVICE, now=now)
    except PartyRefused as refused:
        record_refusal_in(uow, refused, path=request.path, now=now)
        uow.commit()
        raise


def report(uow_factory: UowFactory, sealer: SecretSealer, *, request: SignedRequest,
           body: ReportIn, now: datetime) -> Granted:
    """A payment service's charge or purchase: the points it earns, once per report_id.

    The report row's primary key (service, report_id) settles a repeat, even one in
    flight at the same time; the person's balance row, locked, keeps the cap."""
    with uow_factory() as uow:
        party = authenticated_in(uow, sealer, request, now)  # before anything is read
        try:
            granted = report_in(uow, party, body, now)
        except (InvalidInput, NotFound, Conflict) as refused:  # audited, the nonce spent
            uow.audit.record(AuditRecord(now, party.actor_name, AuditAction.POINTS_REFUSE,
                                         f"point-report:{party.key_id}/{body.report_id[:64]}",
                                         {"reason": refused.code}))
            uow.commit()
            raise
        uow.commit()
    return granted


def check_report(body: ReportIn, now: datetime) -> None:
    """The report's form: InvalidInput for a malformed one."""
    check_report_id(body.report_id)
    check_amount(body.amount)
    if body.occurred_at > now + FUTURE_SLACK:
        raise InvalidInput("a report's occurred_at is not in the future")


def report_in(uow: PointsUnit, party: RelyingParty, body: ReportIn,
              now: datetime) -> Granted:
    """One report inside the caller's transaction (audited here when granted)."""
    check_report(body, now)
    earlier = uow.points.report(party.key_id, body.report_id)
    if earlier is not None:
        return repeat_of(earlier, body)
    enrolment = uow.points.enrolment(body.enrolment_id[:20])
    if enrolment is None or enrolment.service != party.key_id:
        raise UnknownEnrolment("no person enrolled with this service under this "
                               "enrolment_id")
    campaign_id, campaign = _campaign_at(uow, body.occurred_at)
    so_far = uow.points.locked_balance(campaign_id, enrolment.resident_id)
    points = grant(campaign, kind=body.kind, amount=body.amount, at=body.occurred_at,
                   granted_so_far=so_far)
    stored = StoredReport(party.key_id, body.report_id, enrolment.enrolment_id,
                          campaign.name, body.kind, body.amount, body.occurred_at, points)
    if not uow.points.add_report(stored, campaign_id=campaign_id, now=now):
        # The same report_id committed by a concurrent request: counted there.
        earlier = uow.points.report(party.key_id, body.report_id)
        if earlier is None:  # cannot be: the unique key met this row
            raise Conflict("this report is being recorded; send it again")
        return repeat_of(earlier, body)
    uow.points.set_balance(campaign_id, enrolment.resident_id, so_far + points)
    uow.audit.record(AuditRecord(now, party.actor_name, AuditAction.POINTS_REPORT,
                                 f"point-report:{party.key_id}/{body.report_id}",
                                 {"amount": body.amount, "granted": points}))
    return Granted(body.report_id, campaign.name, body.amount, points, repeated=False)


def repeat_of(earlier: StoredReport, body: ReportIn) -> Granted:
    """The first answer to a report sent again; Conflict if its contents differ."""
    if (earlier.enrolment_id, earlier.kind, earlier.amount) != (
            body.enrolment_id, body.kind, body.amount):
        raise Conflict("this report_id was sent before with other contents")
    return Granted(earlier.report_id, earlier.campaign, earlier.amount, earlier.granted,
                   repeated=True)


def _campaign_at(uow: PointsUnit, at: datetime) -> tuple[int, Campaign]:
    campaigns = uow.points.campaigns()
    for campaign_id, campaign in campaigns:
        if campaign.covers(at):
            return campaign_id, campaign
    raise GrantRefused("outside_period", "no campaign runs on the day of this report")


def settlement(uow_factory: UowFactory, *, actor: Actor, campaign: str | None,
               now: datetime) -> Settlement:
    """Reports and points granted per payment service (what each is paid back): the
    issuing agency's operators and administrators."""
    actor.require(Permission.POINTS_SETTLEMENT)
    with uow_factory() as uow:
        totals = list(uow.points.totals(campaign))
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.POINTS_SETTLEMENT,
                                     "point-report:*", {"campaign": campaign}))
        uow.commit()
    return Settlement(campaign, totals, sum(t.reports for t in totals),
                      sum(t.granted for t in totals))


def enrol(uow_factory: UowFactory, *, actor: Actor, resident_id: int, service: str,
          now: datetime) -> EnrolmentView:
    """An administrator's enrolment of a person (the holder's own is with the card:
    services/points_card.py)."""
    actor.require(Permission.POINTS_MANAGE)
    with uow_factory() as uow:
        view = enrol_in(uow, resident_id=resident_id, service=service,
                        actor_name=actor.name, now=now)
        uow.commit()
    return view
