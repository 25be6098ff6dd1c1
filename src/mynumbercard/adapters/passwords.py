"""Staff passwords with argon2id (argon2-cffi's defaults follow RFC 9106)."""

from __future__ import annotations

from argon2 import DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM, DEFAULT_TIME_COST
from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    """argon2id. The cost defaults to RFC 9106's second recommendation (t=3, 64 MiB, 4
    lanes); a test suite may pass a lower one. A hash carries its own parameters, so
    `verify` checks any argon2id hash, whatever the cost this hasher makes new ones at."""

    def __init__(self, *, time_cost: int = DEFAULT_TIME_COST,
                 memory_cost: int = DEFAULT_MEMORY_COST,
                 parallelism: int = DEFAULT_PARALLELISM) -> None:
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_cost,
                               parallelism=parallelism)  # argon2id

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
