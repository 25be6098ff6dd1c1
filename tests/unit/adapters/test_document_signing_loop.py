"""pyHanko signs in a coroutine: the document printer runs it whether or not the calling
thread already runs an event loop (a browser driver, an asynchronous caller)."""

from __future__ import annotations

import asyncio
import threading

from mynumbercard.adapters.document_signing import _run


async def _where() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def test_without_a_running_loop_it_runs_here() -> None:
    assert _run(_where) == threading.current_thread().name


def test_inside_a_running_loop_it_runs_on_a_thread_of_its_own() -> None:
    async def caller() -> str:
        return _run(_where)  # sign_pdf would raise "cannot be called from a running loop"

    assert asyncio.run(caller()) != threading.current_thread().name
