"""`mynumbercard serve` over real sockets: silent and half-sent connections are closed,
request heads and bodies are bounded, and several server processes share one budget of
tries (the rate-limit counters live in the database)."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlsplit

import pytest

from mynumbercard.domain import application_id
from mynumbercard.web.bounds import JSON_BODY, PHOTO_BODY

from pgcluster import free_port

IDLE = 5  # cli/serve.py: IDLE_SECONDS
HEAD = 10  # web/http_guard.py: HEAD_SECONDS


@pytest.fixture
def address(server: str) -> tuple[str, int]:
    parts = urlsplit(server)
    return parts.hostname or "", parts.port or 80


def _closed_after(address: tuple[str, int], sent: bytes, results: dict[str, float],
                  name: str, first: bytes = b"") -> None:
    """Connect, send `first` (a whole request, its answer read) then `sent`, and time how
    long the server takes to close the socket."""
    with socket.create_connection(address, timeout=60) as sock:
        if first:
            sock.sendall(first)
            _read_answer(sock)
        start = time.monotonic()
        sock.sendall(sent)
        while sock.recv(65536):
            pass
        results[name] = time.monotonic() - start


def _read_answer(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_silent_and_half_sent_connections_are_closed(address: tuple[str, int]):
    health = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
    cases = {
        "silent": (b"", b""),
        "half a head": (b"GET /healthz HTTP/1.1\r\nHost: t\r\n", b""),
        "half an OCSP body": (b"POST /ocsp HTTP/1.1\r\nContent-Length: 100\r\n\r\n0", b""),
        # After a first request the connection is uvicorn's (bounded in web/http_guard.py).
        "half a second head": (b"GET /healthz HTTP/1.1\r\nHo", health),
    }
    results: dict[str, float] = {}
    threads = [threading.Thread(target=_closed_after, args=(address, sent, results, name, first))
               for name, (sent, first) in cases.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert set(results) == set(cases)
    for name in ("silent", "half a head", "half an OCSP body"):
        assert IDLE - 1 <= results[name] <= IDLE + 3, (name, results[name])
    assert HEAD - 1 <= results["half a second head"] <= HEAD + 3, results


def _exchange(address: tuple[str, int], raw: bytes) -> bytes:
    with socket.create_connection(address, timeout=20) as sock:
        sock.sendall(raw)
        return _read_answer(sock)


def test_large_heads_get_431_and_large_bodies_413_before_they_are_sent(
        address: tuple[str, int]):
    cookie = b"Cookie: " + b"a" * (20 * 1024) + b"\r\n"
    answer = _exchange(address, b"GET /healthz HTTP/1.1\r\nHost: t\r\n" + cookie + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")
    # The body is announced, never sent: the answer comes at once.
    for path, limit in (("/api/v1/applications/photo-check", PHOTO_BODY),
                        ("/api/v1/auth/token", JSON_BODY)):
        answer = _exchange(address, f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: "
                           f"application/json\r\nContent-Length: {limit + 1}\r\n\r\n".encode())
        assert answer.startswith(b"HTTP/1.1 413 ")
        assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"] == "body_too_large"
    chunk = b"400\r\n" + b"x" * 1024 + b"\r\n"
    answer = _exchange(address, b"POST /api/v1/auth/token HTTP/1.1\r\nHost: t\r\n"
                       b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                       + chunk * (JSON_BODY // 1024 + 1))
    assert answer.startswith(b"HTTP/1.1 413 ")


@pytest.fixture
def servers(env: dict[str, str]) -> Iterator[list[str]]:
    """Three `mynumbercard serve` processes on one database."""
    executable = Path(sys.executable).with_name("mynumbercard")
    with ExitStack() as stack:
        bases = []
        for _ in range(3):
            port = free_port()
            process = stack.enter_context(subprocess.Popen(
                [str(executable), "serve", "--port", str(port)], env={**os.environ, **env},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            stack.callback(process.wait, 10)
            stack.callback(process.terminate)
            bases.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for base in bases:
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz"):
                        break
                except OSError:
                    assert time.monotonic() < deadline, "a server did not start"
                    time.sleep(0.2)
        yield bases


def _status(base: str, body: dict[str, str]) -> int:
    request = urllib.request.Request(f"{base}/api/v1/applications/status",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            return int(response.status)
    except HTTPError as refused:
        return refused.code


def test_more_processes_do_not_give_more_tries(servers: list[str]):
    body = {"application_id": application_id.generate(random.Random(11)),
            "birth_date": "1990-01-01"}
    answers = [_status(servers[n % 3], body) for n in range(15)]
    assert answers.count(429) == 5, answers  # 10 an hour for one ID, whichever process
    assert 429 not in answers[:10]
