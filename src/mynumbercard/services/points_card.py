"""My Number Points, the holder's side, with the card (docs/services.md "The holder"):
the enrolment and the points seen after the same challenge-response as the kiosk's
(services/card_auth.py), signed over the statement of its purpose.

Each challenge comes with the service's statement of what the signature will do
(domain/card_statement.py): the card program shows it before the PIN, the card signs it
bound to the challenge, and the service checks the signature against the statement it
issues for that use, so a signature made for another purpose or statement is refused.

Two ways in: the holder's card program asks for a challenge and answers it at once
(`points enrol`, `points balance`); or the points page, which a browser without a card
API opens: it shows a one-use sign-in code (and keeps a secret in a cookie), the card
program signs the code's challenge, and the page shows the holder's points for a few
minutes. Each card answer is one transaction: the challenge spent, the refusal or the
result audited under `holder:<certificate serial>`."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from mynumbercard.domain.card_statement import (
    SignPurpose,
    Statement,
    balance_statement,
    enrol_statement,
    sign_in_statement,
)
from mynumbercard.domain.errors import DomainError, InvalidInput, NotFound
from mynumbercard.domain.kiosk import KioskRefused, Refusal
from mynumbercard.domain.points import (
    SIGN_IN_ALPHABET,
    SIGN_IN_LETTERS,
    ChallengeSpent,
    UnknownService,
    normalise_sign_in_code,
)
from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.domain.resident import ResidentStatus
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.card_auth import (
    CardAnswer,
    CardAuthUnit,
    Holder,
    holder_in,
    new_challenge_in,
    spend_in,
)
from mynumbercard.services.kiosk_ports import AnswerChecker
from mynumbercard.services.points import EnrolmentView, enrol_in
from mynumbercard.services.points_ports import PointSignIns, PointsUnit, SignIn
from mynumbercard.services.ports import AuditRecord

HOLDER = "holder"  # the owner of the holders' challenges (a kiosk's is its key id)
SIGN_IN_LIFETIME = timedelta(minutes=10)  # the code waits this long for the card
SHOWN_FOR = timedelta(minutes=5)  # the page shows the points this long after signing


class PointsCardUnit(CardAuthUnit, PointsUnit, Protocol):
    @property
    def point_sign_ins(self) -> PointSignIns: ...


UowFactory = Callable[[], PointsCardUnit]


@dataclass(frozen=True, slots=True)
class PaymentService:
    key_id: str
    name: str


@dataclass(frozen=True, slots=True)
class StatedChallenge:
    """A one-use challenge and what signing it will do, as the card program shows it."""

    challenge: str
    expires_at: datetime
    purpose: SignPurpose
    statement: Statement


@dataclass(frozen=True, slots=True)
class CampaignPoints:
    campaign: str
    starts_on: date
    ends_on: date
    rate_percent: int
    cap: int
    granted: int  # yen of points granted to the person under the campaign


@dataclass(frozen=True, slots=True)
class HolderPoints:
    """What the holder sees: their choice of payment service and their points."""

    enrolment: EnrolmentView | None
    service_name: str | None
    campaigns: list[CampaignPoints]


@dataclass(frozen=True, slots=True)
class StartedSignIn:
    code: str  # XXXX-XXXX, shown on the page
    browser_secret: str  # the page's cookie; only its hash is kept
    expires_at: datetime

    def __repr__(self) -> str:
        return f"StartedSignIn({self.code!r}, <secret>)"


@dataclass(frozen=True, slots=True)
class PageState:
    state: str  # waiting (for the card), signed-in, expired
    code: str
    points: HolderPoints | None
    shown_until: datetime | None


def _actor(holder: Holder) -> str:
    return f"holder:{holder.serial:x}"


def payment_services(uow_factory: UowFactory) -> list[PaymentService]:
    """The active payment services a holder may choose (public: their names only)."""
    with uow_factory() as uow:
        return [PaymentService(p.key_id, p.name) for p in uow.relying_parties.all()
                if p.kind is PartyKind.PAYMENT_SERVICE and p.active]


def _enrol_statement_in(uow: PointsCardUnit, service: str) -> Statement:
    found = uow.relying_parties.by_key_id(service[:20])
    if found is None or found[0].kind is not PartyKind.PAYMENT_SERVICE or not found[0].active:
        raise UnknownService
    return enrol_statement(found[0].name, found[0].key_id)


def challenge(uow_factory: UowFactory, *, now: datetime,
              purpose: SignPurpose = SignPurpose.POINTS_BALANCE,
              service: str | None = None) -> StatedChallenge:
    """A one-use challenge for the holder's card, with the statement of what signing it
    for `purpose` will do (public: the card's answer is the credential; nothing of a
    person is read). Choosing a payment service names it: an unknown one is refused
    here, before the PIN."""
    with uow_factory() as uow:
        if purpose is SignPurpose.POINTS_ENROL:
            statement = _enrol_statement_in(uow, service or "")
        elif purpose is SignPurpose.POINTS_BALANCE:
            statement = balance_statement()
        else:  # a page's sign-in has its own challenge (sign_in_challenge)
            raise InvalidInput("a sign-in's challenge is the page's: GET /points/sign-ins/CODE")
        made = new_challenge_in(uow, owner=HOLDER, now=now)
        uow.commit()
    return StatedChallenge(made.challenge, made.expires_at, statement.purpose, statement)


def _holder_in(uow: PointsCardUnit, checker: AnswerChecker, answer: CardAnswer,
               now: datetime, statement: Statement) -> Holder:
    holder = holder_in(uow, checker, answer, now=now, statement=statement)
    if holder.resident.status is ResidentStatus.DECEASED:
        raise KioskRefused(Refusal.DECEASED)
    return holder


def _spend_in(uow: PointsCardUnit, challenge: str, now: datetime) -> None:
    try:
        spend_in(uow, challenge, owner=HOLDER, now=now)
    except KioskRefused:  # replayed: not the kiosk's words, nor a refusal of the role
        raise ChallengeSpent from None


def _refused_in(uow: PointsCardUnit, refused: DomainError, now: datetime) -> None:
    uow.audit.record(AuditRecord(now, HOLDER, AuditAction.POINTS_CARD_REFUSE,
                                 "point-enrolment:*", {"reason": refused.code,
                                                       "refused": str(getattr(
                                                           refused, "refusal", ""))}))
    uow.commit()  # the spent challenge and the record


def enrol(uow_factory: UowFactory, checker: AnswerChecker, *, answer: CardAnswer,
          service: str, now: datetime) -> EnrolmentView:
    """The holder chooses one payment service with the card: one per person, whatever
    card they hold later (a second card meets `already_enrolled`)."""
    with uow_factory() as uow:
        try:
            _spend_in(uow, answer.challenge, now)
            statement = _enrol_statement_in(uow, service)
            holder = _holder_in(uow, checker, answer, now, statement)
            view = enrol_in(uow, resident_id=holder.resident.id, service=service[:20],
                            actor_name=_actor(holder), now=now)
        except DomainError as refused:
            _refused_in(uow, refused, now)
            raise
        uow.commit()
    return view


def balance(uow_factory: UowFactory, checker: AnswerChecker, *, answer: CardAnswer,
            now: datetime) -> HolderPoints:
    """The holder's enrolment and points, after the card's answer."""
    with uow_factory() as uow:
        try:
            _spend_in(uow, answer.challenge, now)
            holder = _holder_in(uow, checker, answer, now, balance_statement())
        except DomainError as refused:
            _refused_in(uow, refused, now)
            raise
        seen = _points_in(uow, holder.resident.id, actor=_actor(holder), now=now)
        uow.commit()
    return seen


def _points_in(uow: PointsCardUnit, resident_id: int, *, actor: str,
               now: datetime) -> HolderPoints:
    enrolment = uow.points.enrolment_of(resident_id)
    view, name = None, None
    if enrolment is not None:
        view = EnrolmentView(enrolment.enrolment_id, enrolment.service, enrolment.enrolled_at)
        found = uow.relying_parties.by_key_id(enrolment.service)
        name = found[0].name if found else None
    granted = dict(uow.points.balances_of(resident_id))
    campaigns = [CampaignPoints(c.name, c.starts_on, c.ends_on, c.rate_percent, c.cap,
                                granted.get(campaign_id, 0))
                 for campaign_id, c in uow.points.campaigns()]
    uow.audit.record(AuditRecord(now, actor, AuditAction.POINTS_BALANCE,
                                 f"resident:{resident_id}", None))
    return HolderPoints(view, name, campaigns)


# The points page: a code for the card program, a cookie for the browser.

def _browser_hash(secret: str) -> str:
    return hashlib.sha256(secret[:100].encode()).hexdigest()


def start_sign_in(uow_factory: UowFactory, *, now: datetime) -> StartedSignIn:
    """A code for the page to show and a secret for its cookie."""
    secret = secrets.token_urlsafe(32)
    with uow_factory() as uow:
        uow.point_sign_ins.prune(before=now - SHOWN_FOR)
        while True:  # 40 bits: a taken code is drawn again
            letters = "".join(secrets.choice(SIGN_IN_ALPHABET) for _ in range(SIGN_IN_LETTERS))
            code = f"{letters[:4]}-{letters[4:]}"
            made = SignIn(code, _browser_hash(secret), secrets.token_bytes(32).hex(), now,
                          now + SIGN_IN_LIFETIME)
            if uow.point_sign_ins.add(made):
                break
        uow.commit()
    return StartedSignIn(code, secret, made.expires_at)


def _waiting_in(uow: PointsCardUnit, code: str, now: datetime) -> SignIn:
    found = uow.point_sign_ins.by_code(normalise_sign_in_code(code))
    if found is None or found.signed_at is not None or found.expires_at <= now:
        raise NotFound("no points page waits for this code: open the page again")
    return found


def _sign_in_statement(code: str) -> Statement:
    return sign_in_statement(code, minutes=int(SHOWN_FOR.total_seconds()) // 60)


def sign_in_challenge(uow_factory: UowFactory, *, code: str, now: datetime) -> StatedChallenge:
    """The challenge the card signs for the page that shows `code`, and the statement
    that names the code and what that page will see."""
    with uow_factory() as uow:
        found = _waiting_in(uow, code, now)
    statement = _sign_in_statement(found.code)
    return StatedChallenge(found.challenge, found.expires_at, statement.purpose, statement)


def sign_in(uow_factory: UowFactory, checker: AnswerChecker, *, code: str,
            certificate_der: bytes, signature: bytes, now: datetime) -> StartedSignIn:
    """The card answers the page's challenge: the page that shows `code` shows the
    holder's points for a few minutes (once: a second answer is `replayed`)."""
    with uow_factory() as uow:
        try:
            found = _waiting_in(uow, code, now)
            holder = _holder_in(uow, checker, CardAnswer(found.challenge, certificate_der,
                                                         signature), now,
                                _sign_in_statement(found.code))
            if not uow.point_sign_ins.complete(found.code, resident_id=holder.resident.id,
                                               now=now):
                raise ChallengeSpent
        except DomainError as refused:
            _refused_in(uow, refused, now)
            raise
        uow.audit.record(AuditRecord(now, _actor(holder), AuditAction.POINTS_SIGN_IN,
                                     f"resident:{holder.resident.id}",
                                     {"purpose": SignPurpose.POINTS_SIGN_IN.value}))
        uow.commit()
    return StartedSignIn(found.code, "", now + SHOWN_FOR)


def _page_in(uow: PointsCardUnit, browser_secret: str, now: datetime) -> SignIn:
    found = uow.point_sign_ins.by_browser(_browser_hash(browser_secret))
    if found is None:
        raise NotFound("no sign-in on this page: start again")
    return found


def page(uow_factory: UowFactory, *, browser_secret: str, now: datetime) -> PageState:
    """What the page shows its browser: still waiting for the card, the holder's points
    (for SHOWN_FOR after the card signed), or that it is over."""
    with uow_factory() as uow:
        found = _page_in(uow, browser_secret, now)
        if found.signed_at is None or found.resident_id is None:
            state = "waiting" if found.expires_at > now else "expired"
            return PageState(state, found.code, None, None)
        until = found.signed_at + SHOWN_FOR
        if now >= until:
            return PageState("expired", found.code, None, None)
        seen = _points_in(uow, found.resident_id, actor=f"{HOLDER}:page", now=now)
        uow.commit()
    return PageState("signed-in", found.code, seen, until)

