"""Moving house between municipalities as the law has it (docs/rules.md, "Moving house").

A move to another municipality is two notifications at two offices: the moving-out
notification (転出届, Basic Resident Registers Act art. 24) at the old one, beforehand,
naming the destination and the planned day; then the moving-in notification (転入届,
art. 22) at the new one within 14 days of moving in, with the moving-out certificate
(転出証明書) or, for a card holder, the card itself (転入届の特例, art. 24-2). The card
holder also presents the card for its continued use (継続利用, My Number Act art. 17(2));
a card whose moving-in or continuation comes too late lapses (Cabinet Order art. 14).
Everything here is a pure function of the dates.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from mynumbercard.domain.errors import Conflict, InvalidDates, InvalidInput, InvalidTransition

MOVING_IN_NOTICE_DAYS = 14  # art. 22: within 14 days of moving in (also 23 for 転居)
SPECIAL_CASE_PLANNED_DAYS = 30  # the card lapses 30 days after the planned day ...
SPECIAL_CASE_MOVED_IN_DAYS = 14  # ... or 14 days after moving in, without a moving-in
CONTINUATION_DAYS = 90  # the card lapses 90 days after the moving-in without continuation
MOVING_OUT_AHEAD_DAYS = 14  # a moving-out notification is accepted at most 14 days ahead
REFERENCE_DIGITS = 12


class MovingStatus(StrEnum):
    MOVING_OUT = "moving_out"  # notified at the origin; still on the origin's register
    MOVED_IN = "moved_in"  # on the destination's register
    CANCELLED = "cancelled"  # the move did not happen (death, emigration, withdrawn)


class CardLapse(StrEnum):
    """Why a card lapsed in a move (Cabinet Order art. 14)."""

    NO_MOVING_IN = "no_moving_in"  # not moved in within 30 days of the plan / 14 of moving
    NO_CONTINUATION = "no_continuation"  # not presented within 90 days of the moving-in


@dataclass(frozen=True, slots=True)
class NewMovingNotice:
    """A moving-out notification not stored yet: `MovingNotices.add` returns the
    `MovingNotice` with its id."""

    resident_id: int
    origin: str
    destination: str
    planned_on: date
    notified_on: date
    reference: str = field(repr=False)  # a credential of sorts: not in logs
    card_number: str | None = field(repr=False)

    def stored(self, notice_id: int) -> MovingNotice:
        return MovingNotice(id=notice_id, resident_id=self.resident_id, origin=self.origin,
                            destination=self.destination, planned_on=self.planned_on,
                            notified_on=self.notified_on, reference=self.reference,
                            card_number=self.card_number)

    @property
    def by_card(self) -> bool:
        return self.card_number is not None


@dataclass(slots=True)
class MovingNotice:
    """One move between municipalities, from the moving-out notification on (stored)."""

    id: int
    resident_id: int
    origin: str  # municipality codes
    destination: str
    planned_on: date
    notified_on: date  # the moving-out notification
    reference: str  # the moving-out certificate's number (転出証明書)
    card_number: str | None  # the card of the special case (art. 24-2), if any
    status: MovingStatus = MovingStatus.MOVING_OUT
    moved_in_on: date | None = None  # the day the person moved in
    moving_in_notified_on: date | None = None
    card_continued_on: date | None = None
    card_lapsed: CardLapse | None = None
    version: int = 0

    def __repr__(self) -> str:  # the reference is a credential of sorts: not in logs
        return f"MovingNotice(id={self.id!r}, status={self.status.value})"

    @property
    def by_card(self) -> bool:
        return self.card_number is not None

    def card_lapses_on(self, *, today: date) -> date | None:
        """The first day the card is lapsed if nothing more is done (None: it does not,
        or there is no card, or it lapsed already)."""
        if self.card_number is None or self.card_lapsed is not None:
            return None
        if self.status is MovingStatus.MOVING_OUT:
            return special_case_lapses_on(self.planned_on, moved_in_on=None)
        if (self.status is MovingStatus.MOVED_IN and self.card_continued_on is None
                and self.moving_in_notified_on is not None):
            return continuation_lapses_on(self.moving_in_notified_on)
        return None

    def move_in(self, *, moved_in_on: date, today: date) -> CardLapse | None:
        """Record the moving-in notification; returns the card's lapse, if it came too
        late for the special case (the move itself is recorded all the same)."""
        if self.status is not MovingStatus.MOVING_OUT:
            raise InvalidTransition(f"this move is {self.status.value}: nothing to move in")
        if moved_in_on > today:
            raise InvalidDates("the moving-in day is after the notification day")
        if moved_in_on < self.notified_on - timedelta(days=MOVING_OUT_AHEAD_DAYS):
            raise InvalidDates("the moving-in day is before the moving-out was planned")
        self.status = MovingStatus.MOVED_IN
        self.moved_in_on, self.moving_in_notified_on = moved_in_on, today
        if self.card_number is not None and today >= special_case_lapses_on(
                self.planned_on, moved_in_on=moved_in_on):
            self.card_lapsed = CardLapse.NO_MOVING_IN
        return self.card_lapsed

    def continue_card(self, *, today: date) -> None:
        """The card presented at the destination for its continued use (継続利用)."""
        if self.card_number is None:
            raise Conflict("no card was carried in this move")
        if self.status is not MovingStatus.MOVED_IN:
            raise Conflict("the card's continued use is recorded after the moving-in")
        if self.card_continued_on is not None:
            raise Conflict("the card's continued use is recorded already")
        if self.card_lapsed is not None:
            raise Conflict("the card has lapsed (it came too late): apply for a new one")
        notified = self.moving_in_notified_on or today
        if today >= continuation_lapses_on(notified):
            self.card_lapsed = CardLapse.NO_CONTINUATION
            return
        self.card_continued_on = today

    def lapse_if_due(self, *, today: date) -> CardLapse | None:
        """The card's lapse if its limit has passed today (for the daily job)."""
        due = self.card_lapses_on(today=today)
        if due is None or today < due:
            return None
        self.card_lapsed = (CardLapse.NO_MOVING_IN if self.status is MovingStatus.MOVING_OUT
                            else CardLapse.NO_CONTINUATION)
        return self.card_lapsed

    def cancel(self) -> None:
        if self.status is not MovingStatus.MOVING_OUT:
            raise InvalidTransition(f"this move is {self.status.value}: it cannot be cancelled")
        self.status = MovingStatus.CANCELLED


def special_case_lapses_on(planned_on: date, *, moved_in_on: date | None) -> date:
    """The first day on which a card carried in a move has lapsed without a moving-in
    notification: 30 days after the planned day, or 14 days after the day of moving in,
    whichever comes first (the day after each period's last day)."""
    by_plan = planned_on + timedelta(days=SPECIAL_CASE_PLANNED_DAYS + 1)
    if moved_in_on is None:
        return by_plan
    return min(by_plan, moved_in_on + timedelta(days=SPECIAL_CASE_MOVED_IN_DAYS + 1))


def continuation_lapses_on(moving_in_notified_on: date) -> date:
    """The first day on which the card has lapsed without its continued use: 90 days
    after the moving-in notification (the day after the 90th day)."""
    return moving_in_notified_on + timedelta(days=CONTINUATION_DAYS + 1)


def check_planned_on(planned_on: date, *, today: date, birth_date: date) -> None:
    if planned_on < birth_date:
        raise InvalidDates("the planned day is before the resident's birth date")
    if planned_on > today + timedelta(days=MOVING_OUT_AHEAD_DAYS):
        raise InvalidDates(f"a moving-out notification is made at most "
                           f"{MOVING_OUT_AHEAD_DAYS} days ahead of the move")
    if planned_on < today - timedelta(days=MOVING_IN_NOTICE_DAYS):
        raise InvalidDates(f"a moving-out notification after the move is made within "
                           f"{MOVING_IN_NOTICE_DAYS} days of it")


def new_reference(rng: random.Random) -> str:
    """The moving-out certificate's number: random digits, unguessable."""
    return "".join(rng.choice("0123456789") for _ in range(REFERENCE_DIGITS))


def parse_reference(text: str) -> str:
    if len(text) != REFERENCE_DIGITS or not text.isascii() or not text.isdigit():
        raise InvalidInput(f"a moving-out certificate number has {REFERENCE_DIGITS} digits")
    return text
