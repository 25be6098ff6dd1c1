"""Staff password hashes: argon2id at RFC 9106's cost in production; the cost of a hash
is read from the hash itself, so the tests' cheaper hashes check the same way."""

from __future__ import annotations

import pytest

from mynumbercard.adapters.passwords import Argon2Hasher
from mynumbercard.bootstrap import make_hasher
from mynumbercard.config import Settings
from mynumbercard.domain.errors import InvalidInput

from conftest import TEST_HASHER


def test_the_production_cost_is_rfc_9106s_second_recommendation() -> None:
    made = Argon2Hasher().hash("correct horse battery")
    assert made.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert Argon2Hasher().verify(made, "correct horse battery")
    assert not Argon2Hasher().verify(made, "correct horse batterY")


def test_a_hash_is_checked_at_its_own_cost_whatever_the_hasher_makes() -> None:
    cheap = TEST_HASHER.hash("correct horse battery")
    assert cheap.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert Argon2Hasher().verify(cheap, "correct horse battery")
    assert TEST_HASHER.verify(Argon2Hasher().hash("password two"), "password two")


def test_a_wrong_password_or_a_broken_hash_is_false_never_an_error() -> None:
    made = TEST_HASHER.hash("correct horse battery")
    assert not TEST_HASHER.verify(made, "wrong")
    assert not TEST_HASHER.verify("not a hash", "correct horse battery")
    assert not TEST_HASHER.verify(made[:-4], "correct horse battery")
    assert TEST_HASHER.hash("same") != TEST_HASHER.hash("same")  # salted


def _settings(**values: object) -> Settings:
    return Settings(home="var", **values)  # type: ignore[arg-type]


def test_cheap_hashes_are_a_test_setting_refused_in_production() -> None:
    assert make_hasher(_settings()).hash("pw").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    cheap = make_hasher(_settings(test_cheap_password_hashes=True))
    assert cheap.hash("pw").startswith("$argon2id$v=19$m=8,t=1,p=1$")
    for production in ({"env": "production"},
                       {"database_url": "postgresql://app@db.example/mynumbercard"}):
        with pytest.raises(InvalidInput, match="production"):
            make_hasher(_settings(test_cheap_password_hashes=True, **production))
