"""Moving house to another municipality: the moving-out notification at the old office,
the moving-in notification at the new one, the card's continued use, and the card's
lapse when a limit passes (`domain/moving.py`, docs/register.md).

Each municipality acts on what it holds: the origin's clerk records the moving-out of a
resident on its register; the destination's clerk sees nothing of that person until the
moving-in, and finds the move only by the evidence presented at the counter (the moving-out
certificate's number, or the card, with the birth date). A wrong or unknown piece of
evidence and a move to another municipality get the same answer.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.card import IN_HOLDERS_HANDS
from mynumbercard.domain.certificate import JST, LifeEvent
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.moving import (
    MovingNotice,
    MovingStatus,
    NewMovingNotice,
    check_planned_on,
    new_reference,
    parse_reference,
)
from mynumbercard.domain.resident import Resident, ResidentStatus
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import batch, jobs
from mynumbercard.services.application_ports import CardVault
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.certificates import apply_event_in
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.jobs import JobsUnit
from mynumbercard.services.pki_ports import CertificateAuthority
from mynumbercard.services.register import (
    CaSource,
    RegisterUnit,
    applications_follow_in,
    audit_resident_in,
    certificates_follow_in,
    destroy_cards,
    lapse_cards_in,
)
from mynumbercard.services.visibility import visible_resident_in

UowFactory = Callable[[], RegisterUnit]
NO_MOVE = "no moving-out to this municipality matches this evidence and birth date"


@dataclass(frozen=True, slots=True)
class MovingOut:
    resident: Resident
    notice: MovingNotice


def record_moving_out(
    uow_factory: UowFactory, *, actor: Actor, resident_id: int, to_municipality: str,
    planned_on: date, now: datetime, ca: CaSource | None = None,
    rng: random.Random | None = None,
) -> MovingOut:
    """The moving-out notification (転出届, art. 24), by a clerk of the municipality that
    holds the resident. The resident stays on its register, marked as moving out; the
    answer carries the moving-out certificate's number (for a card holder, the special
    case of art. 24-2: the card itself will do at the destination)."""
    rng = rng or random.SystemRandom()
    today = now.astimezone(JST).date()
    with uow_factory() as uow:
        resident = visible_resident_in(uow, actor, Permission.RESIDENT_WRITE, resident_id)
        if resident.status is not ResidentStatus.ACTIVE:
            raise Conflict(f"the resident is {resident.status.value}")
        origin = uow.municipalities.get(resident.municipality_code)
        destination = uow.municipalities.get(to_municipality)
        if destination.code == origin.code or (
                origin.designated_city_code is not None
                and origin.designated_city_code == destination.designated_city_code):
            raise InvalidInput("a move within one municipality (or between wards of one "
                               "designated city) is recorded with POST …/move (転居)")
        check_planned_on(planned_on, today=today, birth_date=resident.birth_date)
        card = next((c for c in uow.cards.of_resident(resident_id)
                     if c.status in IN_HOLDERS_HANDS and c.is_valid_on(today)), None)
        notice = uow.moves.add(NewMovingNotice(
            resident_id=resident_id, origin=origin.code, destination=destination.code,
            planned_on=planned_on, notified_on=today, reference=new_reference(rng),
            card_number=card.card_number if card is not None else None), now=now)
        audit_resident_in(uow, actor, AuditAction.RESIDENT_MOVE_OUT, resident_id, now,
                          destination=destination.code, planned_on=planned_on.isoformat(),
                          by_card=notice.by_card)
        # The address on the register no longer holds: the signature certificate goes.
        certificates_follow_in(uow, ca, actor=actor, resident_id=resident_id,
                               event=LifeEvent.PERSONAL_DATA_CHANGED, now=now)
        uow.commit()
    return MovingOut(resident, notice)


def resident_with_move(uow_factory: UowFactory, *, actor: Actor, resident_id: int,
                       now: datetime) -> tuple[Resident, MovingNotice | None]:
    """A resident as their municipality reads them, with the moving-out they notified
    (None when they are not moving out); the read of personal data is audited."""
    with uow_factory() as uow:
        resident = visible_resident_in(uow, actor, Permission.RESIDENT_READ, resident_id)
        notice = uow.moves.open_of_resident(resident_id)
        audit_resident_in(uow, actor, AuditAction.RESIDENT_READ, resident_id, now)
        uow.commit()
        return resident, notice


def cancel_moving_out(uow_factory: UowFactory, *, actor: Actor, resident_id: int,
                      now: datetime) -> MovingNotice:
    """The move did not happen: the origin's clerk withdraws the notification."""
    with uow_factory() as uow:
        visible_resident_in(uow, actor, Permission.RESIDENT_WRITE, resident_id)
        notice = uow.moves.open_of_resident(resident_id)
        if notice is None:
            raise Conflict("the resident has no moving-out notification to cancel")
        notice.cancel()
        uow.moves.save(notice, now=now)
        audit_resident_in(uow, actor, AuditAction.RESIDENT_CANCEL_MOVE_OUT, resident_id, now)
        uow.commit()
    return notice


@dataclass(frozen=True, slots=True)
class MovedIn:
    resident: Resident
    notice: MovingNotice


def record_moving_in(
    uow_factory: UowFactory, *, actor: Actor, birth_date: date, moved_in_on: date,
    postal_code: str, address: str, now: datetime, reference: str | None = None,
    card_number: str | None = None, continue_card: bool = False,
    ca: CaSource | None = None, vault: CardVault | None = None,
) -> MovedIn:
    """The moving-in notification (転入届, art. 22), by a clerk of the destination, with
    the evidence presented: the moving-out certificate's number, or the card of the
    special case (art. 24-2), and the person's birth date. Only a move notified at the
    origin with this destination is found. An application not yet picked up is voided
    (the relocation rule) and the card may have its continued use recorded at once."""
    if (reference is None) == (card_number is None):
        raise InvalidInput("present either the moving-out certificate's number or the card")
    actor.require_role(Permission.RESIDENT_WRITE)
    today = now.astimezone(JST).date()
    with uow_factory() as uow:
        notice = (uow.moves.by_reference(parse_reference(reference), lock=True)
                  if reference is not None
                  else uow.moves.by_card(card_number or "", lock=True))
        resident = uow.residents.get(notice.resident_id) if notice is not None else None
        if (notice is None or resident is None or resident.birth_date != birth_date
                or notice.status is not MovingStatus.MOVING_OUT
                or not actor.may(Permission.RESIDENT_WRITE,
                                 municipality_code=notice.destination)):
            raise NotFound(NO_MOVE)
        lapse = notice.move_in(moved_in_on=moved_in_on, today=today)
        if card_number is not None and lapse is not None:
            raise Conflict("the card came too late for the moving-in by card: it has lapsed; "
                           "bring the moving-out certificate from the old municipality")
        origin = resident.municipality_code
        resident.move(to_municipality=notice.destination, postal_code=postal_code,
                      address=address, on=moved_in_on)
        uow.residents.save(resident, now=now)
        audit_resident_in(uow, actor, AuditAction.RESIDENT_MOVE_IN,
                          resident.id, now, origin=origin,
                          destination=notice.destination, on=moved_in_on.isoformat(),
                          evidence="card" if card_number is not None else "certificate")
        destroyed = applications_follow_in(uow, actor=actor, resident_id=resident.id,
                                           origin=origin, destination=notice.destination, now=now)
        if continue_card and notice.card_number is not None and lapse is None:
            notice.continue_card(today=today)
        uow.moves.save(notice, now=now)
        if notice.card_lapsed is not None:
            _lapse(uow, ca, actor=actor, notice=notice, now=now)
        uow.commit()
    destroy_cards(vault, destroyed)
    return MovedIn(resident, notice)


def continue_card(uow_factory: UowFactory, *, actor: Actor, resident_id: int,
                  card_number: str, now: datetime, ca: CaSource | None = None,
                  ) -> MovingNotice:
    """The card presented at the new municipality for its continued use (継続利用, My
    Number Act art. 17(2)), by its clerk, within 90 days of the moving-in; later, the
    card has lapsed and its certificates are revoked."""
    today = now.astimezone(JST).date()
    with uow_factory() as uow:
        visible_resident_in(uow, actor, Permission.RESIDENT_WRITE, resident_id)
        notice = uow.moves.by_card(card_number, lock=True)
        if notice is None or notice.resident_id != resident_id:
            raise Conflict("this card was not carried in a move of this resident")
        notice.continue_card(today=today)
        uow.moves.save(notice, now=now)
        if notice.card_lapsed is not None:
            _lapse(uow, ca, actor=actor, notice=notice, now=now)
            uow.commit()
            raise Conflict("the card's continued use comes more than 90 days after the "
                           "moving-in: the card has lapsed; apply for a new one")
        audit_resident_in(uow, actor, AuditAction.CARD_CONTINUE, resident_id, now)
        uow.commit()
    return notice


def _lapse(uow: RegisterUnit, ca: CaSource | None, *, actor: Actor, notice: MovingNotice,
           now: datetime) -> None:
    def authority() -> CertificateAuthority:
        if ca is None:
            raise Conflict("the card holds certificates, and no CA is configured here")
        return ca()

    reason = notice.card_lapsed.value if notice.card_lapsed else "moving"
    for card_id in lapse_cards_in(uow, actor=actor, resident_id=notice.resident_id, now=now,
                                  reason=reason, card_number=notice.card_number):
        apply_event_in(uow, authority, actor=actor, card_id=card_id,
                       event=LifeEvent.CARD_RETURNED, now=now)


class CardLapseUnit(RegisterUnit, JobsUnit, Protocol):
    """The register's unit with the chunk table: the card-lapse batch job's."""


CARD_LAPSE = "moving:card-lapse"
_PAGE = 10_000


def card_lapse_steps(ca: CaSource | None, *, actor: Actor, on: date, now: datetime,
                     run_key: str) -> list[batch.Step[CardLapseUnit]]:
    """The daily job (`services/batch.py`): the cards of moves whose limit passed by `on`
    lapse (Cabinet Order art. 14). Planned over the moves with a card pending; in a
    chunk, each move is locked and judged again, so a move finished meanwhile is left
    alone. A chunk's items are the ids of the moves whose card lapsed."""
    actor.require_role(Permission.PRODUCTION)

    def ids(uow: CardLapseUnit) -> list[int]:
        found: list[int] = []
        while page := uow.moves.with_card_pending(after_id=found[-1] if found else 0,
                                                  limit=_PAGE):
            found += [notice.id for notice in page]
        return found

    def work(uow: CardLapseUnit, chunk: Chunk) -> batch.Did:
        lapsed: list[int] = []
        for pending in uow.moves.with_card_pending(after_id=chunk.lo - 1,
                                                   limit=chunk.hi - chunk.lo + 1):
            notice = uow.moves.by_reference(pending.reference, lock=True)
            if (pending.id > chunk.hi or notice is None
                    or notice.lapse_if_due(today=on) is None):
                continue
            uow.moves.save(notice, now=now)
            _lapse(uow, ca, actor=actor, notice=notice, now=now)
            lapsed.append(notice.id)
        return batch.Did(len(lapsed), tuple(lapsed))

    return [batch.Step(batch.Job(CARD_LAPSE, batch.by_ids(ids), work), run_key)]


def lapsed_of(outcome: batch.Outcome) -> int:
    """How many cards' moves lapsed in a run's chunks."""
    return outcome.rows[CARD_LAPSE]


def lapse_overdue_cards(uow_factory: Callable[[], CardLapseUnit], *, actor: Actor, on: date,
                        now: datetime, ca: CaSource | None = None,
                        chunk_rows: int = jobs.CHUNK_ROWS) -> int:
    """The card-lapse job in this process (`batch_jobs.CardLapse` with `--workers`);
    a run that stopped half-way resumes. Returns how many lapsed."""
    run_key = batch.resumed_or_new(uow_factory, CARD_LAPSE, now)
    started = batch.start(uow_factory, card_lapse_steps(ca, actor=actor, on=on, now=now,
                                                        run_key=run_key),
                          chunk_rows=chunk_rows, now=now)
    return lapsed_of(started.outcome)
