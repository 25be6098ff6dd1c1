"""The sign-in guard's rules: failures in a window lock the account; a code is good once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mynumbercard.domain.sign_in import FAILURE_WINDOW, LOCK_FOR, MAX_FAILURES, SignInState

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _failed(times: int, every: timedelta = timedelta(seconds=1)) -> SignInState:
    state = SignInState(1)
    for n in range(times):
        state = state.failed(NOW + n * every)
    return state


def test_the_fifth_failure_in_the_window_locks_for_a_while() -> None:
    assert not _failed(MAX_FAILURES - 1).locked(NOW + timedelta(seconds=10))
    locked = _failed(MAX_FAILURES)
    last = NOW + (MAX_FAILURES - 1) * timedelta(seconds=1)
    assert locked.locked(last)
    assert locked.locked(last + LOCK_FOR - timedelta(seconds=1))
    assert not locked.locked(last + LOCK_FOR)
    assert locked.failures == 0  # a fresh count after the lock


def test_failures_spread_wider_than_the_window_never_lock() -> None:
    state = _failed(3 * MAX_FAILURES, every=FAILURE_WINDOW / (MAX_FAILURES - 1))
    assert state.locked_until is None


def test_success_clears_the_count_and_a_code_is_good_once() -> None:
    state = _failed(MAX_FAILURES - 1).succeeded(totp_step=1000)
    assert (state.failures, state.failures_since) == (0, None)
    assert not state.code_is_fresh(1000)
    assert not state.code_is_fresh(999)
    assert state.code_is_fresh(1001)


def test_the_sealed_secret_is_not_in_the_repr() -> None:
    state = SignInState(1).enrolled(b"sealed secret bytes")
    assert state.totp_enrolled
    assert "sealed" not in repr(state)
