"""Rate limits per subject and per client, with the `limits` package.

The counters live where every server process sees them: by default in our own database
(`db/rate_limit_storage.py`), or in the `limits` storage that
`MYNUMBERCARD_RATE_LIMIT_STORAGE` names (`redis://...`, `memcached://...`; `memory://`
is per process, for tests only). Subjects and client addresses are hashed before they
become keys: the table holds no Application ID, username or address.
"""

from __future__ import annotations

import hashlib
import math
import time
from enum import StrEnum

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Engine

from mynumbercard.adapters.db.rate_limit_storage import DatabaseStorage


class Rule(StrEnum):
    SIGN_IN_USER = "sign-in:user"
    SIGN_IN_CLIENT = "sign-in:client"
    APPLICATION_ID = "application-id"  # the public status and online routes, per ID
    PUBLIC_CLIENT = "public:client"  # the public application routes, per client
    PHOTO_CLIENT = "photo:client"  # the photo check decodes images: fewer per client
    VERIFY_CLIENT = "verify:client"  # the public check of a kiosk document's code


# The lock after failed sign-ins (services/staff.py) guards a known account; these slow
# a guesser down before the password hash is even computed.
RULES: dict[Rule, RateLimitItem] = {
    Rule.SIGN_IN_USER: parse("10/minute"),
    Rule.SIGN_IN_CLIENT: parse("30/minute"),
    # A birth date behind a known Application ID is one of ~36 500 days: at 10 an hour
    # a guesser needs about 2 months on average.
    Rule.APPLICATION_ID: parse("10/hour"),
    Rule.PUBLIC_CLIENT: parse("60/minute"),
    Rule.PHOTO_CLIENT: parse("20/minute"),
    # A code is 16 of 32 symbols (2^80): not guessable, but each check writes an audit
    # record; a counter clerk checking papers one by one stays far below this.
    Rule.VERIFY_CLIENT: parse("30/minute"),
}


def _hashed(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class RateLimits:
    """`hit` one try of a rule for a subject; the seconds to wait when over, else None."""

    def __init__(self, storage: Storage, rules: dict[Rule, RateLimitItem] | None = None) -> None:
        self.storage = storage
        self._limiter = FixedWindowRateLimiter(storage)
        self._rules = rules or RULES

    def hit(self, rule: Rule, subject: str) -> int | None:
        item, key = self._rules[rule], _hashed(subject)
        if self._limiter.hit(item, rule.value, key):
            return None
        reset = self._limiter.get_window_stats(item, rule.value, key).reset_time
        return max(1, math.ceil(reset - time.time()))


def storage(uri: str | None, engine: Engine) -> Storage:
    if not uri:
        return DatabaseStorage(engine)
    found = storage_from_string(uri)
    if not isinstance(found, Storage):
        raise ValueError("MYNUMBERCARD_RATE_LIMIT_STORAGE: a synchronous storage (not async+)")
    return found
