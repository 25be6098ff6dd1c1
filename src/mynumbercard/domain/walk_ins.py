"""A resident who came to the counter without a booking, as the clerk records them.

    waiting -> in_service -> done;  waiting -> left (gone before being served)

Their arrival, the start and the end of service feed the office's crowding history
(`domain/crowding.py`): a walk-in's wait is from arrival to the start of service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.errors import InvalidTransition


class WalkInStatus(StrEnum):
    WAITING = "waiting"
    IN_SERVICE = "in_service"
    DONE = "done"
    LEFT = "left"


class WalkInStep(StrEnum):
    """What a clerk marks for a walk-in after recording the arrival."""

    STARTED = "started"
    ENDED = "ended"
    LEFT = "left"


W = WalkInStatus
_NEXT = {WalkInStep.STARTED: (W.WAITING, W.IN_SERVICE),
         WalkInStep.ENDED: (W.IN_SERVICE, W.DONE),
         WalkInStep.LEFT: (W.WAITING, W.LEFT)}


@dataclass(slots=True)
class WalkIn:
    id: int | None
    office_code: str
    purpose: Purpose
    arrived_at: datetime  # aware
    status: WalkInStatus = W.WAITING
    started_at: datetime | None = None
    ended_at: datetime | None = None
    version: int = 0

    def mark(self, step: WalkInStep, *, at: datetime) -> None:
        before, after = _NEXT[step]
        if self.status is not before:
            raise InvalidTransition(f"a walk-in who is {self.status.value} cannot be marked "
                                    f"{step.value}")
        self.status = after
        if step is WalkInStep.STARTED:
            self.started_at = at
        elif step is WalkInStep.ENDED:
            self.ended_at = at

    def waited(self, now: datetime) -> timedelta | None:
        """The wait: to the start of service, or so far while waiting; None for one who
        left (when they left is not recorded)."""
        if self.status is W.WAITING:
            return max(now - self.arrived_at, timedelta(0))
        if self.started_at is not None:
            return self.started_at - self.arrived_at
        return None
