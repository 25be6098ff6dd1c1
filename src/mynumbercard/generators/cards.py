"""Synthetic card histories: who holds a card, since when, and every renewal since.

Pure drawing, no database: ``CardHistories.draw`` takes residents as written (their ids,
birth dates, periods of stay, arrival days) and returns the rows of ``application_forms``,
``applications``, ``cards`` and ``certificates`` for them, cards and certificates pointing
at positions in this batch (the writer puts the reserved ids in). Every date follows from
the rules through the domain's own functions (``card_expiry``, ``certificate_expiry``,
``validity_window``), except the seeded incident below.

Each resident draws from a stream of their own, ``Random((seed << 40) + key)`` where the key
is the number of residents in the register before the run plus the resident's position
in it (on an empty database, the resident's id): the same seed into an empty database
gives the same cards however the run is chunked, and a second run into the same database
draws new card numbers, serials and Application IDs.

What the shares rest on (rough, public figures; good enough for load and cohort shapes):
- Uptake by age today, about 78 % overall (the Digital Agency's delivery rate passed 75 %
  in 2024, lowest among infants and the very old, highest in the sixties).
- First issues by year, relative weights (cumulative delivery rate ~8 % by March 2017,
  ~14 % by mid-2019, ~24 % end 2020, ~40 % end 2021, ~60 % end 2022 with the My Number
  Points campaigns, ~73 % end 2023, then a slow rise). Cards are produced on weekdays.
- An application is received 2–6 weeks before the card is produced; the card reaches the
  office 4–12 days later and is picked up within about two months; the certificates are
  issued at the pick-up.

**The seed's incident**: a card that replaces an earlier one (kind ``renewal`` or
``reissue``), of a holder without a limited period of stay, is given with probability
``incident_rate`` (default 0.05 %) an expiry one year too long: the (deemed) birthday of
the year after the right one. Its certificates are computed against that wrong expiry, so
those capped by the card's expiry are one year too long as well. Nothing in the rows
marks them; ``DrawnCards.incidents`` counts them for the caller's summary.
"""

from __future__ import annotations

import bisect
import random
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any, NamedTuple

from mynumbercard.domain import application_id
from mynumbercard.domain.application import ApplicationKind, ApplicationStatus, Channel
from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.certificate import (
    JST,
    CertificateStatus,
    CertKind,
    RevocationReason,
    validity_window,
)
from mynumbercard.domain.dates import age_on, deemed_birthday
from mynumbercard.domain.pickup import PickUpPolicy
from mynumbercard.domain.validity import (
    card_expiry,
    certificate_expiry,
    renewal_opens_on,
    signature_certificate_allowed,
)

DEFAULT_INCIDENT_RATE = 0.0005
ISSUANCE_BEGAN_ON = date(2016, 1, 12)  # the first cards were handed over in January 2016
# (lowest age today, share holding a card)
UPTAKE_BY_AGE = ((0, 0.60), (5, 0.78), (20, 0.79), (40, 0.84), (65, 0.90), (80, 0.76))
FIRST_ISSUES_BY_YEAR = {2016: 10.0, 2017: 3.0, 2018: 3.0, 2019: 3.5, 2020: 12.0, 2021: 20.0,
                        2022: 21.0, 2023: 16.0, 2024: 6.0, 2025: 3.5}
LATER_YEARS_WEIGHT = 2.5
CARD_RENEWAL_SHARE = 0.92  # expired cards renewed (the rest stay expired, status active)
CERTIFICATE_RENEWAL_SHARE = 0.90  # expired certificates renewed on a still valid card
LOSS_SHARE = 0.01  # cards reported lost during their life
REISSUE_AFTER_LOSS_SHARE = 0.9
_CHANNELS = ((Channel.SMARTPHONE, 0.45), (Channel.MAIL, 0.30), (Channel.PHOTO_BOOTH, 0.15),
             (Channel.PC, 0.10))
_SETTLE_DAYS = 60  # a card issued later than this before today may not be picked up yet
_POLICY = PickUpPolicy()
_HANDED_OVER = ApplicationStatus.HANDED_OVER.value
_VALUE: dict[object, str] = {member: member.value for enum in (
    ApplicationKind, CardStatus, CertKind, CertificateStatus, RevocationReason) for member in enum}

FORM_COLUMNS = ("application_id", "resident_id", "reason", "issued_at", "dead_at")
APPLICATION_COLUMNS = (
    "application_id", "resident_id", "kind", "channel", "status", "received_on",
    "submissions", "want_signature_certificate", "want_auth_certificate", "photo_digest",
    "card_id", "office_code", "holder_municipality_code", "pick_up_deadline", "arrived_on",
    "version", "created_at", "updated_at",
)  # fmt: skip
CARD_COLUMNS = ("id", "card_number", "resident_id", "status", "issued_on", "expires_on",
                "applied_on", "version", "created_at", "updated_at")
CERTIFICATE_COLUMNS = ("serial", "kind", "card_id", "status", "not_before", "not_after",
                       "shard", "revoked_at", "revocation_reason", "version", "created_at",
                       "updated_at")


class Holder(NamedTuple):
    """What the drawing needs of a resident already written."""

    position: int  # in the batch: the rows' resident_id until the writer maps it
    key: int  # the residents in the register before this run, plus position in the run
    birth_date: date
    residence_until: date | None  # the period of stay of a limited-stay foreigner
    arrived_on: date  # birth, or moving in from abroad
    number_assigned_on: date
    municipality_code: str


class DrawnCards(NamedTuple):
    forms: list[tuple[Any, ...]]  # FORM_COLUMNS
    applications: list[tuple[Any, ...]]  # APPLICATION_COLUMNS, card_id = position
    cards: list[tuple[Any, ...]]  # CARD_COLUMNS, id = position in this list
    certificates: list[tuple[Any, ...]]  # CERTIFICATE_COLUMNS, card_id = position
    incidents: int


class _Step(NamedTuple):
    status: CardStatus  # of the card this step ends
    stop: date  # the day the card stopped serving (lost, handed back) or today
    kind: ApplicationKind | None = None  # of the next card, if any
    applied: date = date.min
    issued: date = date.min
    pick_up: date = date.min


class _Cert:
    __slots__ = ("kind", "not_after", "not_before", "reason", "revoked_at", "serial", "status")

    def __init__(self, kind: CertKind, serial: int, not_before: datetime,
                 not_after: datetime) -> None:
        self.kind, self.serial = kind, serial
        self.not_before, self.not_after = not_before, not_after
        self.status = CertificateStatus.ACTIVE
        self.revoked_at: datetime | None = None
        self.reason: RevocationReason | None = None

    def end(self, status: CertificateStatus, reason: RevocationReason, at: datetime) -> None:
        if self.status is CertificateStatus.ACTIVE and self.not_after > at:
            self.status, self.reason, self.revoked_at = status, reason, at


def _cumulative_days(today: date) -> tuple[int, list[float]]:
    """Cumulative weight of each production day from ISSUANCE_BEGAN_ON to today."""
    first = ISSUANCE_BEGAN_ON.toordinal()
    cum, total = [], 0.0
    for ordinal in range(first, today.toordinal() + 1):
        day = date.fromordinal(ordinal)
        if day.weekday() < 5:
            total += FIRST_ISSUES_BY_YEAR.get(day.year, LATER_YEARS_WEIGHT) / 261
        cum.append(total)
    return first, cum


def _between(rng: random.Random, lo: int, hi: int) -> int:
    """``rng.randint(lo, hi)`` at a third of the cost (a float draw, not bits)."""
    return lo + int(rng.random() * (hi - lo + 1))


class CardHistories:
    """Draws card histories as of ``today``; the same seed gives the same histories."""

    def __init__(self, *, seed: int, today: date, now: datetime, crl_shards: int,
                 incident_rate: float = DEFAULT_INCIDENT_RATE) -> None:
        self.seed, self.today, self.now = seed, today, now
        self.crl_shards, self.incident_rate = crl_shards, incident_rate
        self._first, self._cum = _cumulative_days(today)
        self._channels = [c.value for c, _ in _CHANNELS]
        self._channel_cum = list(accumulate(w for _, w in _CHANNELS))[:-1]

    def _moment(self, rng: random.Random, day: date) -> datetime:
        """A time at the counter (JST, 9:00-17:00) on ``day``, in UTC."""
        minute = 540 + int(rng.random() * 480)
        return datetime.combine(day, time(minute // 60, minute % 60), JST).astimezone(UTC)

    def _first_issue(self, rng: random.Random, earliest: date, latest: date) -> date | None:
        lo = max(earliest.toordinal(), self._first) - self._first
        hi = latest.toordinal() - self._first
        if hi < lo:
            return None
        low = self._cum[lo - 1] if lo > 0 else 0.0
        high = self._cum[hi]
        if high <= low:
            return None
        index = bisect.bisect_left(self._cum, low + rng.random() * (high - low), lo, hi + 1)
        return date.fromordinal(self._first + min(index, hi))

    def draw(self, holders: list[Holder]) -> DrawnCards:
        out = DrawnCards([], [], [], [], 0)
        incidents = 0
        for holder in holders:
            incidents += self._history(holder, out)
        return out._replace(incidents=incidents)

    def _holds(self, rng: random.Random, holder: Holder) -> bool:
        age = age_on(holder.birth_date, self.today)
        share = 0.0
        for lowest, band_share in UPTAKE_BY_AGE:
            if age >= lowest:
                share = band_share
        return rng.random() < share

    def _history(self, holder: Holder, out: DrawnCards) -> int:
        rng = random.Random((self.seed << 40) + holder.key)  # noqa: S311 - synthetic
        if not self._holds(rng, holder):
            return 0
        settled = self.today - timedelta(days=_SETTLE_DAYS)
        issued = self._first_issue(rng, holder.arrived_on + timedelta(days=14), settled)
        if issued is None:
            return 0
        applied = max(issued - timedelta(days=_between(rng, 14, 42)), holder.arrived_on)
        kind, incidents, pick_up = ApplicationKind.FIRST, 0, None
        while True:
            expires = card_expiry(birth_date=holder.birth_date, applied_on=applied,
                                  issued_on=issued, residence_until=holder.residence_until)
            if (kind is not ApplicationKind.FIRST and holder.residence_until is None
                    and rng.random() < self.incident_rate):
                expires = deemed_birthday(holder.birth_date, expires.year + 1)
                incidents += 1
            arrived = issued + timedelta(days=_between(rng, 4, 12))
            if pick_up is None:
                pick_up = min(arrived + timedelta(days=int(rng.expovariate(1 / 12))),
                              _POLICY.deadline(arrived), self.today)
            card_index = len(out.cards)
            self._application(rng, holder, out, kind=kind, applied=applied, arrived=arrived,
                              card_index=card_index)
            step = self._next(rng, holder, pick_up=pick_up, expires=expires, settled=settled)
            certificates = self._certificates(rng, holder.birth_date, pick_up, expires,
                                              step.stop)
            if step.status is not CardStatus.ACTIVE:
                at = self._moment(rng, step.stop)
                change = ((CertificateStatus.SUSPENDED, RevocationReason.CERTIFICATE_HOLD)
                          if step.status is CardStatus.LOST else
                          (CertificateStatus.REVOKED, RevocationReason.CESSATION_OF_OPERATION))
                for cert in certificates:
                    cert.end(*change, at)
            now = self.now
            out.cards.append((card_index, f"{rng.getrandbits(64):016X}", holder.position,
                              _VALUE[step.status], issued, expires, applied, 0, now, now))
            for cert in certificates:
                out.certificates.append((
                    format(cert.serial, "x"), _VALUE[cert.kind], card_index,
                    _VALUE[cert.status], cert.not_before, cert.not_after,
                    cert.serial % self.crl_shards, cert.revoked_at,
                    _VALUE[cert.reason] if cert.reason else None, 0, now, now,
                ))
            if step.kind is None:
                return incidents
            kind, applied, issued, pick_up = step.kind, step.applied, step.issued, step.pick_up

    def _next(self, rng: random.Random, holder: Holder, *, pick_up: date, expires: date,
              settled: date) -> _Step:
        """What becomes of a card: lost some day (and maybe replaced), or expired and
        renewed (the old card handed back when the new one is picked up), or neither."""
        end = min(expires, self.today)
        if rng.random() < LOSS_SHARE and end > pick_up:
            lost_on = pick_up + timedelta(days=1 + int(rng.random() * ((end - pick_up).days - 1)))
            step = _Step(CardStatus.LOST, lost_on)
            if rng.random() >= REISSUE_AFTER_LOSS_SHARE:
                return step
            kind, applied = ApplicationKind.REISSUE, lost_on + timedelta(days=_between(rng, 1, 30))
        elif expires < self.today and rng.random() < CARD_RENEWAL_SHARE:
            opens = renewal_opens_on(expires).toordinal()
            applied = date.fromordinal(_between(rng, opens, expires.toordinal() + 90))
            kind, step = ApplicationKind.RENEWAL, _Step(CardStatus.ACTIVE, self.today)
        else:
            return _Step(CardStatus.ACTIVE, self.today)
        applied = max(applied, pick_up + timedelta(days=1))
        issued = applied + timedelta(days=_between(rng, 14, 42))
        if issued > settled:  # still on its way: the holder keeps the old card meanwhile
            return step
        new_pick_up = min(issued + timedelta(days=_between(rng, 13, 40)), self.today)
        if kind is ApplicationKind.RENEWAL:
            step = _Step(CardStatus.RETURNED, new_pick_up)
        return step._replace(kind=kind, applied=applied, issued=issued, pick_up=new_pick_up)

    def _application(self, rng: random.Random, holder: Holder, out: DrawnCards, *,
                     kind: ApplicationKind, applied: date, arrived: date,
                     card_index: int) -> None:
        """The form (mailed with the number notice for a first card, with the validity
        notice or from the counter later; a new form kills the previous one) and the
        application, handed over."""
        earliest = (holder.number_assigned_on if kind is ApplicationKind.FIRST
                    else applied - timedelta(days=90))
        form_day = min(max(applied - timedelta(days=_between(rng, 3, 60)), earliest), applied)
        form_at = datetime.combine(form_day, time(0, 0), JST).astimezone(UTC)
        if kind is not ApplicationKind.FIRST:
            old = out.forms[-1]
            out.forms[-1] = (*old[:4], form_at)
        number = application_id.generate(rng)
        out.forms.append((number, holder.position, _VALUE[kind], form_at, None))
        channel = self._channels[bisect.bisect(self._channel_cum, rng.random())]
        out.applications.append((
            number, holder.position, _VALUE[kind], channel, _HANDED_OVER, applied, 1, True, True,
            f"{rng.getrandbits(256):064x}", card_index, holder.municipality_code,
            holder.municipality_code, _POLICY.deadline(arrived), arrived, 0, self.now,
            self.now,
        ))

    def _certificates(self, rng: random.Random, birth: date, pick_up: date,
                      card_expires: date, stop: date) -> list[_Cert]:
        """The certificates issued at pick-up and renewed while the card is valid, up to
        ``stop`` (today, or the day the card was lost)."""
        made: list[_Cert] = []
        issued_on = pick_up
        while True:
            at = self._moment(rng, issued_on)
            expires = certificate_expiry(birth_date=birth, certificate_issued_on=issued_on,
                                         card_expires_on=card_expires)
            not_before, not_after = validity_window(at, expires)
            for cert in made:
                cert.end(CertificateStatus.REVOKED, RevocationReason.SUPERSEDED, not_before)
            kinds = (CertKind.SIGN, CertKind.AUTH) if signature_certificate_allowed(
                birth_date=birth, on=issued_on) else (CertKind.AUTH,)
            for kind in kinds:
                made.append(_Cert(kind, rng.getrandbits(127) | 1, not_before, not_after))
            if expires >= stop or expires >= card_expires:
                return made
            if rng.random() >= CERTIFICATE_RENEWAL_SHARE:
                return made
            opens = renewal_opens_on(expires).toordinal()
            renewed = date.fromordinal(_between(rng, opens, expires.toordinal() + 60))
            if renewed >= stop or renewed >= card_expires:
                return made
            issued_on = max(renewed, issued_on + timedelta(days=1))

