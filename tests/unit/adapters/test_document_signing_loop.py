"""pyHanko signs in a coroutine: the document printer runs it whether or not the calling
thread already runs an event loop (a browser driver, an asynchronous caller). Each case
runs on a fresh thread: the test process's main thread may run a loop of its own (the
browser tests' Playwright)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from mynumbercard.adapters.document_signing import _run


async def _where() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def _on_fresh_thread(body: Callable[[], str]) -> str:
    answer: list[str] = []
    thread = threading.Thread(target=lambda: answer.append(body()), name="caller")
    thread.start()
    thread.join(10)
    return answer[0]


def test_without_a_running_loop_it_runs_on_the_caller_s_thread() -> None:
    assert _on_fresh_thread(lambda: _run(_where)) == "caller"


def test_inside_a_running_loop_it_runs_on_a_thread_of_its_own() -> None:
    async def caller() -> str:
        return _run(_where)  # sign_pdf would raise "cannot be called from a running loop"

    ran_on = _on_fresh_thread(lambda: asyncio.run(caller()))
    assert ran_on not in ("caller", "MainThread")
