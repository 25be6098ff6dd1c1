"""The realistic OCSP load for bench_ocsp.py: N distinct certificates, requests spread
over them, sent by `wrk` (Debian's wrk) with a Lua script that gives each client thread
its own slice of distinct requests, against a responder started fresh for each run.

What is measured per run: requests a second and p99 (wrk), the responder's CPU seconds
(user + system of every process of its process group, from /proc) per answer, and its
resident memory without the file pages of the mapped store (RssAnon + RssShmem).
"""

from __future__ import annotations

import base64
import os
import random
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from urllib.parse import quote, urlsplit

WRK_SCRIPT = r"""
local requests = {}
local count, at = 0, 0
local next_id = 0
function setup(thread)
  -- wrk's own probe connection went to a decoy port: `openssl ocsp` (3.0) spins for
  -- good on a connection closed without a request, so the threads connect here.
  thread.addr = wrk.lookup("127.0.0.1", os.getenv("TARGET_PORT"))[1]
  thread:set("slice", os.getenv("SLICES") .. "." .. tostring(next_id))
  next_id = next_id + 1
end
function init(args)
  local f = assert(io.open(slice, "rb"))
  local data = f:read("*a")
  f:close()
  local pos = 1
  while pos <= #data do
    local nl = string.find(data, "\n", pos, true)
    local size = tonumber(string.sub(data, pos, nl - 1))
    count = count + 1
    requests[count] = string.sub(data, nl + 1, nl + size)
    pos = nl + 1 + size
  end
end
function request()
  at = at % count + 1
  return requests[at]
end
"""


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us: float  # the responder's CPU per answer, microseconds
    rss_mb: float  # its anonymous resident memory at the end, all processes
    requests: int
    errors: int


def spread(count: int, requests: int, *, skewed: bool, seed: int = 1) -> list[int]:
    """Indexes of the certificates asked for: uniform, or Zipf-like (s = 1.1: the first
    hundredth of the certificates draws about half of the requests)."""
    rng = random.Random(seed)
    if not skewed:
        return [rng.randrange(count) for _ in range(requests)]
    weights = list(accumulate(1.0 / (rank ** 1.1) for rank in range(1, count + 1)))
    order = list(range(count))
    rng.shuffle(order)  # which certificates are the popular ones: any
    return [order[i] for i in rng.choices(range(count), cum_weights=weights, k=requests)]


def raw_requests(ders: list[bytes], order: list[int], *, method: str, path: str,
                 close: bool) -> list[bytes]:
    """Whole HTTP/1.1 requests, in the order to send them."""
    connection = b"Connection: close\r\n" if close else b""
    made = []
    for i in order:
        der = ders[i]
        if method == "GET":
            target = f"{path.rstrip('/')}/{quote(base64.b64encode(der).decode(), safe='')}"
            made.append(f"GET {target} HTTP/1.1\r\nHost: bench\r\n".encode() + connection
                        + b"\r\n")
        else:
            made.append(f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: "
                        f"application/ocsp-request\r\nContent-Length: {len(der)}\r\n".encode()
                        + connection + b"\r\n" + der)
    return made


def write_slices(prefix: Path, requests: list[bytes], threads: int) -> None:
    """One file per wrk thread: a thread walks its own slice, so no two threads (and,
    within a thread, no two requests in a row) ask the same thing."""
    for t in range(threads):
        with open(f"{prefix}.{t}", "wb") as out:
            for raw in requests[t::threads]:
                out.write(b"%d\n" % len(raw) + raw)


def session_cpu(pid: int) -> float:
    """User + system CPU seconds of every live process in `pid`'s process group."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid:  # field 5, the process group (the server leads its own)
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def session_rss_mb(pid: int) -> float:
    """Anonymous and shared-memory resident memory of the group's processes (the
    mapped store's file pages are the page cache's, not counted)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[2]) != pid:
                continue
            status = (entry / "status").read_text()
        except OSError:
            continue
        for key in ("RssAnon", "RssShmem"):
            found = re.search(rf"{key}:\s+(\d+) kB", status)
            total += int(found.group(1)) if found else 0
    return total / 1024


def wrk(url: str, slices: Path, *, threads: int, connections: int, seconds: int,
        script: Path, prefix: tuple[str, ...] = ()) -> dict[str, float]:
    with socket.socket() as decoy:  # listens, never answers: wrk's probe lands here
        decoy.bind(("127.0.0.1", 0))
        decoy.listen(8)
        done = subprocess.run(
            [*prefix, "wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
             "--latency", "--timeout", "5s", "-s", str(script),
             f"http://127.0.0.1:{decoy.getsockname()[1]}/"],
            env={**os.environ, "SLICES": str(slices), "TARGET_PORT": str(urlsplit(url).port)},
            capture_output=True, text=True, check=False)
    out = done.stdout
    if done.returncode != 0 or "Requests/sec" not in out:
        raise RuntimeError(f"wrk failed against {url}:\n{out}\n{done.stderr[-2000:]}")

    def latency(label: str) -> float:
        found = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", out)
        if found is None:
            return float("nan")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", out)
    failed = int(errors.group(1)) if errors else 0
    if socket_errors:
        failed += int(socket_errors.group(1)) + int(socket_errors.group(4))
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "p50_ms": latency("50"), "p99_ms": latency("99"), "requests": total,
            "errors": failed}


def measure(command: list[str], url: str, ready: callable, slices: Path, *,  # type: ignore[valid-type]
            threads: int, connections: int, seconds: int, script: Path,
            env: dict[str, str] | None = None, warm_up: bool = True,
            client_prefix: tuple[str, ...] = ()) -> Result:
    """Start the responder in a process group of its own, wait until it answers, warm it
    up, run wrk, read its CPU and memory, kill the group."""
    # A process group of its own, not a session: `openssl ocsp -multi` calls setpgid,
    # which a session leader may not (it exits at once).
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          stdin=subprocess.DEVNULL, process_group=0, env=env) as server:
        try:
            ready()
            if warm_up:  # imports, the store's pages; not `openssl ocsp`, which spins on
                # the connections wrk leaves without a request as it stops (3.0)
                wrk(url, slices, threads=threads, connections=connections, seconds=2,
                    script=script, prefix=client_prefix)
            before = session_cpu(server.pid)
            run = wrk(url, slices, threads=threads, connections=connections,
                      seconds=seconds, script=script, prefix=client_prefix)
            cpu = session_cpu(server.pid) - before
            rss = session_rss_mb(server.pid)
        finally:
            os.killpg(server.pid, signal.SIGKILL)  # `openssl ocsp -multi` ignores SIGTERM
    time.sleep(0.5)
    return Result(run["rps"], run["p50_ms"], run["p99_ms"],
                  cpu / max(run["requests"], 1) * 1e6, rss, int(run["requests"]),
                  int(run["errors"]))
