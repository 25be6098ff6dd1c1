"""Group commit for the payment services' single reports (`POST /api/v1/points/reports`).

Why: one write transaction per request costs a connection, the write lock (SQLite's
`BEGIN IMMEDIATE`: concurrent requests queue on it, polling), a dozen statements and a
commit for every report. Here the single reports that arrive together are settled in one
transaction, as the batch route settles its reports (points_batch.settle_in): each is
authenticated on its own (its signature, timestamp and nonce: a replay is refused alone,
even one in the same group), granted, repeated or refused on its own, and audited as the
lone request would be. Each request is answered only after that transaction commits;
should it fail, every request of the group gets the error and nothing of it is kept.

How: the route is `async`; it queues its report with a future and awaits it. One writer
thread per process takes what is queued (at most `MAX_GROUP`), settles it, and answers
each future on its own event loop. While one group commits the next gathers, so a lone
request waits for nothing and under load a group grows with the load; no request costs
a hand-off to a pool thread (measured: docs/services.md "My Number Points"). The writer
stops after `IDLE_SECONDS` without work and starts again with the next report.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from mynumbercard.domain.relying_party import PartyKind, RelyingParty
from mynumbercard.services.points import Granted, ReportIn
from mynumbercard.services.points_batch import BatchUnit, Settled, settle_in
from mynumbercard.services.relying_parties import (
    PartyRefused,
    SecretSealer,
    SignedRequest,
    authenticate_many_in,
    record_refusal_in,
)

MAX_GROUP = 128  # reports in one transaction: the write lock is held briefly for others
IDLE_SECONDS = 2.0  # the writer thread's wait for work before it stops
_log = logging.getLogger(__name__)
UowFactory = Callable[[], BatchUnit]


@dataclass(frozen=True, slots=True)
class Pending:
    """One request's report as it waits for its group."""

    request: SignedRequest
    body: ReportIn
    now: datetime


class ReportNotRecorded(RuntimeError):
    """The group's transaction failed: this request's report was not recorded (a server
    error, as the lone request's failure would be; the report may be sent again)."""


def settle_group(uow_factory: UowFactory, sealer: SecretSealer,
                 group: Sequence[Pending]) -> list[Settled]:
    """Each request of `group` settled on its own, in one transaction (committed here):
    a `Granted`, or the error the lone request would raise."""
    now = max(p.now for p in group)  # the group's moment: its latest request's
    settled: list[Settled | None] = [None] * len(group)
    accepted: dict[str, tuple[RelyingParty, list[int]]] = {}
    with uow_factory() as uow:
        parties = authenticate_many_in(uow, sealer, [p.request for p in group],
                                       kind=PartyKind.PAYMENT_SERVICE, now=now)
        for index, party in enumerate(parties):
            if isinstance(party, RelyingParty):
                accepted.setdefault(party.key_id, (party, []))[1].append(index)
                continue
            if isinstance(party, PartyRefused):  # a known party's call: audited
                record_refusal_in(uow, party, path=group[index].request.path, now=now)
            settled[index] = party  # unsigned or unknown: nothing kept
        for key_id in sorted(accepted):  # the persons' balances locked in one order
            party, indexes = accepted[key_id]
            for index, answer in zip(indexes, settle_in(
                    uow, party, [group[i].body for i in indexes], now), strict=True):
                settled[index] = answer
        uow.commit()
    return [s for s in settled if s is not None]


@dataclass(frozen=True, slots=True)
class _Slot:
    pending: Pending
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Granted]


def _answer(future: asyncio.Future[Granted], answer: Settled | BaseException) -> None:
    if future.done():  # the request was cancelled (its client went away)
        return
    if isinstance(answer, BaseException):
        future.set_exception(answer)
    else:
        future.set_result(answer)


class ReportIntake:
    """The process's queue of single reports and its writer thread (one, owned by the
    container)."""

    def __init__(self, settle: Callable[[Sequence[Pending]], list[Settled]],
                 max_group: int = MAX_GROUP) -> None:
        self._settle = settle
        self._max_group = max_group
        self._queued = threading.Condition()
        self._queue: list[_Slot] = []
        self._writing = False  # the writer thread runs

    async def report(self, *, request: SignedRequest, body: ReportIn,
                     now: datetime) -> Granted:
        """The report's answer once its group has committed; its refusal raised."""
        loop = asyncio.get_running_loop()
        slot = _Slot(Pending(request, body, now), loop, loop.create_future())
        with self._queued:
            self._queue.append(slot)
            if self._writing:
                self._queued.notify()
            else:
                self._writing = True
                threading.Thread(target=self._write, name="point-reports",
                                 daemon=True).start()
        return await slot.future

    def _write(self) -> None:
        while group := self._next_group():
            for slot, answer in zip(group, self._settled(group), strict=True):
                with suppress(RuntimeError):  # its event loop closed: nobody waits for it
                    slot.loop.call_soon_threadsafe(_answer, slot.future, answer)

    def _next_group(self) -> list[_Slot]:
        """What is queued (at most a group); nothing after IDLE_SECONDS: the writer stops."""
        with self._queued:
            if not self._queue:
                self._queued.wait(IDLE_SECONDS)
            if not self._queue:
                self._writing = False
                return []
            group = self._queue[:self._max_group]
            del self._queue[:self._max_group]
            return group

    def _settled(self, group: list[_Slot]) -> list[Settled | BaseException]:
        try:
            answers: list[Settled | BaseException] = list(
                self._settle([s.pending for s in group]))
            if len(answers) != len(group):
                raise RuntimeError(f"{len(answers)} answers to {len(group)} reports")
        except Exception as failed:  # nothing of the group was committed
            _log.exception("a group of %d point reports failed", len(group))
            return [_not_recorded(failed) for _ in group]
        return answers


def _not_recorded(cause: Exception) -> ReportNotRecorded:
    error = ReportNotRecorded("the report was not recorded: send it again")
    error.__cause__ = cause
    return error
