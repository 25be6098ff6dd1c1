"""Keeping a machine's OCSP answer store in step with the database, and saying when not.

Every responder process runs one `AnswerFollower`: a thread that reads the change feed
(`ocsp_changes`) every POLL seconds and writes the changed answers into the store it
shares with the machine's other processes (whichever process gets there first writes;
the others find nothing newer to write). The process that commits a change also
writes it into its machine's store at once (`publish`), so on that machine it is
answered before the next poll; on the others, within POLL.

The store is used only while it is trustworthy: open, complete, and followed within
STALE_AFTER seconds. Otherwise (missing, half-written, unreadable, behind a pruned
feed, or the database unreachable for the follower) `usable` is None and the responder
answers from the database, as it did before the store: slower, never wrong.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mynumbercard.adapters.db.ocsp_reader import OcspFeed
from mynumbercard.adapters.ocsp_answers import (
    AnswerStore,
    Entry,
    StoreUnavailable,
    build,
    current_target,
)
from mynumbercard.domain.certificate import CertKind
from mynumbercard.services.ports import OcspWritten

POLL = 0.2  # seconds between reads of the change feed
STALE_AFTER = 3.0  # seconds without a successful read: the store is not trusted
GAP_WAIT = 10.0  # seconds a missing change id may still commit (PostgreSQL)
BATCH = 5000
_log = logging.getLogger(__name__)


class AnswerFollower:
    def __init__(self, directory: Path, feed: OcspFeed, prefixes: dict[CertKind, bytes],
                 *, clock: Callable[[], float] = time.monotonic) -> None:
        self.directory = directory
        self._feed, self._prefixes, self._clock = feed, prefixes, clock
        self._store: AnswerStore | None = None
        self._target: str | None = None
        self._synced = -1e18
        self._gap_since: float | None = None
        self._problem: str | None = "not followed yet"
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # -- what the responder asks ------------------------------------------------------

    @property
    def usable(self) -> AnswerStore | None:
        """The store, if it may answer now."""
        if self._problem is not None or self._clock() - self._synced > STALE_AFTER:
            return None
        return self._store

    def status(self) -> dict[str, str | int]:
        """For /healthz: `ok`, or what is wrong and that the database answers instead."""
        store = self.usable
        if store is not None:
            return {"state": "ok", "cursor": store.cursor()}
        if self._problem is None:
            age = self._clock() - self._synced
            return {"state": "stale", "detail": f"change feed not read for {age:.0f} s; "
                    "answering from the database"}
        return {"state": "unavailable", "detail": f"{self._problem}; answering from the database"}

    # -- keeping in step --------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ocsp-follower", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                while self.sync_once() == BATCH:  # a backlog: read on at once
                    pass
            except Exception:  # the database away, say: the store goes stale, logged once
                self._set_problem("the change feed cannot be read")
                _log.exception("OCSP answer store: reading the change feed failed")
            self._stop.wait(POLL)

    def sync_once(self) -> int:
        """One read of the feed; returns the changes read."""
        with self._lock:
            store = self._reopen()
            if store is None:
                return 0
            cursor = store.cursor()
            floor = self._feed.floor()
            if floor is not None and floor > cursor + 1:
                self._set_problem(f"the store (at change {cursor}) is behind the change "
                                  f"feed (from {floor}): rebuild it (ocsp build-store)")
                return 0
            changes = self._feed.after(cursor, BATCH)
            entries = [Entry(self._prefixes[kind], serial, der, this, nxt, change)
                       for change, kind, serial, der, this, nxt in changes]
            store.write(entries, cursor=self._advance(cursor, [c[0] for c in changes]))
            self._synced = self._clock()
            self._set_problem(None)
            return len(changes)

    def _advance(self, cursor: int, ids: list[int]) -> int:
        """The new cursor: past every change read, but not past a missing id (one that
        may yet commit) until it has been missing for GAP_WAIT seconds."""
        for change in ids:
            if change != cursor + 1:
                now = self._clock()
                if self._gap_since is None:
                    self._gap_since = now
                if now - self._gap_since < GAP_WAIT:
                    return cursor
            cursor = change
        self._gap_since = None
        return cursor

    def _reopen(self) -> AnswerStore | None:
        target = current_target(self.directory)
        if self._store is not None and target == self._target:
            return self._store
        if self._store is not None:
            self._store.close()
            self._store = None
        self._target = target
        try:
            self._store = AnswerStore(self.directory)
        except StoreUnavailable as exc:
            self._set_problem(str(exc))
            return None
        return self._store

    def _set_problem(self, problem: str | None) -> None:
        if problem != self._problem:
            if problem is None:
                _log.warning("OCSP answer store %s: in step with the database", self.directory)
            else:
                _log.warning("OCSP answer store %s: %s; answering from the database",
                             self.directory, problem)
            self._problem = problem

    # -- after a commit ---------------------------------------------------------------

    def publish(self, written: Sequence[OcspWritten]) -> None:
        """Write answers just committed into this machine's store, if it has one."""
        with self._lock:
            store = self._reopen() if current_target(self.directory) else None
            if store is not None:
                store.write(Entry(self._prefixes[w.kind], w.serial, w.der, w.this_update,
                                  w.next_update, w.change) for w in written)


def build_from_database(directory: Path, feed: OcspFeed, prefixes: dict[CertKind, bytes],
                        *, replay: float = 60.0) -> dict[str, int]:
    """A new store from every response in the database (`ocsp build-store`). The
    changes of the last `replay` seconds before the build are read again by the
    followers (a change may commit after the build read past it); returns its stats."""
    started = datetime.now(UTC)
    cursor = feed.resume_point(started - timedelta(seconds=replay))
    entries = (Entry(prefixes[kind], serial, der, this, nxt, cursor)
               for kind, serial, der, this, nxt in feed.everything())
    build(directory, entries, cursor=cursor)
    store = AnswerStore(directory)
    try:
        return {**store.stats(), "cursor": cursor}
    finally:
        store.close()
