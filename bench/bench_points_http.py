"""Single point reports over real HTTP (issue 19: 2,000 a second on 2 cores).

    python bench/bench_points_http.py [--people 20000] [--seconds 10] [--workers 1 2]
                                      [--connections 64] [--database-url URL] [--pin]

One command: sets up a data directory (a payment service, a campaign over today, PEOPLE
enrolled synthetic residents), then for each worker count starts the real server
(`mynumbercard serve --workers N`: uvicorn, uvloop, the guarded HTTP protocol, the audit
sealer) and drives it with `wrk` (Debian's /usr/bin/wrk) and a Lua script that cycles
through pre-signed requests, each distinct: its own report_id, a person drawn over all
the enrolments, a fresh timestamp (signed just before the run, well inside the 5-minute
window) and its own nonce. Each wrk thread walks its own slice of them, and there are
more than a run can send (a repeat would be a replayed nonce, counted as an error).

Per run: requests a second, p50 / p99 (wrk), errors (non-2xx and socket errors), the
server's CPU per answer, and the ratio to the baseline taken through the same server in
the same run: `GET /healthz` (routing, one pooled connection and `SELECT 1`). The
points' rows are then counted: every 200 must be one report granted, once.

`--pin` puts the server on CPU 0 and wrk on CPU 1 (taskset), as bench_ocsp.py does.
Without it wrk shares both CPUs with the server (most of a client's cost is the server's).

Figures (docs/services.md "My Number Points"), 2026-11-30, **under load** (load average
10-12 on the 2 cores: three other helpers' tests; this bench at nice 19), SQLite, wrk 2
threads, 64 connections, 10 s: single reports settled in groups 1,147/s with 1 worker
(p50 52 ms, p99 134 ms, 650 us of server CPU an answer, 1.14x /healthz) and 1,153/s
with 2 (659 us); the previous code (one transaction per request), run right before
with this bench, 193/s and 200/s (4,054 and 4,232 us an answer, p99 2.5-3.1 s).
PostgreSQL (`--postgres`, fsync on) grouped: 469/s and 428/s (722 and 967 us, not
counting the database's own CPU). Again at 22:33 (load average 1.7-2.5, mostly this
bench): grouped 1,433/s with 1 worker (p99 85 ms, 711 us an answer, 1.30x /healthz),
1,326/s with 2 (p99 4.4 s: two writers on SQLite's lock); the previous code 219/s and
202/s; PostgreSQL grouped 973/s and 1,077/s (p99 98 and 116 ms). The goal (2,000/s)
is still to be checked on a quiet machine with this command.

`--batch N` also sends N reports a request to the batch route over 8 connections (the
rate and CPU per report). Quiet machine (22:41-22:47, load 0.9-1.4), `--batch 100`:
SQLite single 1,307-1,589/s with 1 worker (p99 87-132 ms), batches 6,256-6,875
reports/s; PostgreSQL single 805/s and 1,437/s with 1 and 2 workers (p99 111 and 86
ms), batches 2,282 and 5,274 reports/s (docs/services.md).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ocsp_load import WRK_SCRIPT, session_cpu, write_slices
from ocsp_load import wrk as run_wrk
from sqlalchemy import func, insert, select

from mynumbercard import bootstrap
from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.adapters.db.points_tables import point_enrolments, point_reports
from mynumbercard.adapters.db.tables import residents
from mynumbercard.domain.points import Campaign, ReportKind
from mynumbercard.domain.relying_party import PartyKind, sign_request
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.generators.bulk import generate_residents
from mynumbercard.services import points, relying_parties

ADMIN = Actor("bench", Role.ADMIN)
PATH = "/api/v1/points/reports"
THREADS = 2


@contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster with the server's default durability (fsync and
    synchronous commit on: a commit waits for its WAL on disk), as in production."""
    pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    if not pg_ctl:
        raise SystemExit("--postgres needs the server binaries (Debian's postgresql)")
    root, port = Path(tempfile.mkdtemp(prefix="bench-points-pg-")), free_port()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")

    def run(*command: str) -> None:
        subprocess.run([*as_user, str(pg_ctl[0].parent / command[0]), *command[1:]],
                       check=True, capture_output=True, cwd=root)

    run("initdb", "-D", str(root / "data"), "-U", "postgres", "--auth=trust",
        "--encoding=UTF8", "--locale=C.UTF-8")
    run("pg_ctl", "-D", str(root / "data"), "-l", str(root / "log"), "-w", "-o",
        f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c max_connections=100", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run("pg_ctl", "-D", str(root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


BATCH_CONNECTIONS = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(people: int) -> tuple[str, bytes, list[str]]:
    """The payment service's key, its secret and the enrolment ids (in the environment's
    data directory)."""
    with bootstrap.container() as wired:
        migrate.upgrade(wired.engine)
        load_municipalities(wired.engine)
        now = wired.clock()
        key = relying_parties.register(wired.uow, wired.party_secrets, actor=ADMIN,
                                       name="bench pay", kind=PartyKind.PAYMENT_SERVICE,
                                       now=now)
        today = now.date()
        points.add_campaign(wired.uow, actor=ADMIN, now=now, make=lambda: Campaign(
            "bench", today - timedelta(days=30), today + timedelta(days=30), 25, 5000,
            frozenset(ReportKind)))
        generate_residents(wired.engine, count=people, seed=19, today=today)
        with wired.engine.begin() as conn:  # enrolled in bulk (one by one: minutes)
            ids = [row.id for row in conn.execute(select(residents.c.id).order_by(
                residents.c.id).limit(people))]
            enrolments = [f"pe_{n:016x}" for n in range(len(ids))]
            conn.execute(insert(point_enrolments), [
                {"enrolment_id": e, "resident_id": r, "service": key.key_id,
                 "enrolled_at": now, "enrolled_by": ADMIN.name}
                for e, r in zip(enrolments, ids, strict=True)])
    return key.key_id, bytes.fromhex(key.secret), enrolments


def signed_requests(key_id: str, secret: bytes, enrolments: list[str], count: int,
                    first: int, *, batch: int = 0) -> list[bytes]:
    """Whole HTTP/1.1 requests, each signed now with its own nonce: a new report each, or
    (`batch` > 0) `batch` new reports each to the batch route."""
    stamp = int(time.time())
    at = datetime.now(UTC).isoformat()

    def report(n: int) -> dict[str, object]:
        return {"report_id": f"bench-{n}", "enrolment_id":
                enrolments[(n * 7919) % len(enrolments)], "kind": "purchase",
                "amount": 400, "occurred_at": at}

    path = f"{PATH}/batch" if batch else PATH
    made = []
    for n in range(first, first + count):
        body = json.dumps({"reports": [report(n * batch + k) for k in range(batch)]}
                          if batch else report(n)).encode()
        nonce = secrets.token_hex(12)
        signature = sign_request(secret, timestamp=stamp, nonce=nonce, method="POST",
                                 path=path, body=body)
        made.append(
            f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nMnc-Key-Id: {key_id}\r\nMnc-Timestamp: "
            f"{stamp}\r\nMnc-Nonce: {nonce}\r\nMnc-Signature: {signature}\r\n\r\n"
            .encode() + body)
    return made


def healthz_requests(count: int) -> list[bytes]:
    return [b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"] * count


class Server:
    """`mynumbercard serve --workers N` in a process group of its own."""

    def __init__(self, workers: int, prefix: tuple[str, ...]) -> None:
        self.port = free_port()
        command = [*prefix, str(Path(sys.executable).with_name("mynumbercard")), "serve",
                   "--port", str(self.port), "--workers", str(workers)]
        env = {**os.environ, "MYNUMBERCARD_PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}"}
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                        process_group=0, env=env)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")
                    if b" 200 " in sock.recv(100):
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit("the server did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()


def measure(server: Server, requests: list[bytes], work: Path, args: argparse.Namespace,
            prefix: tuple[str, ...]) -> dict[str, float]:
    slices = work / f"slices-{time.monotonic_ns()}"
    write_slices(slices, requests, THREADS)
    before = session_cpu(server.process.pid)
    run = run_wrk(server.url, slices, threads=THREADS, connections=args.connections,
                  seconds=args.seconds, script=work / "cycle.lua", prefix=prefix)
    run["cpu_us"] = (session_cpu(server.process.pid) - before) / max(run["requests"], 1) * 1e6
    for n in range(THREADS):
        Path(f"{slices}.{n}").unlink()
    return run


def line(name: str, run: dict[str, float], base: float | None) -> None:
    ratio = f"  {run['rps'] / base:5.2f}x /healthz" if base else ""
    print(f"{name:32s}{run['rps']:9.1f}/s  p50 {run['p50_ms']:7.2f} ms  p99 "
          f"{run['p99_ms']:7.2f} ms  errors {int(run['errors']):5d}  cpu "
          f"{run['cpu_us']:6.0f} us/answer{ratio}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rate-guess", type=int, default=6000,
                        help="most requests a second a run can send (pre-signed ahead)")
    parser.add_argument("--database-url", help="default: SQLite in the data directory")
    parser.add_argument("--postgres", action="store_true",
                        help="a throwaway PostgreSQL cluster (fsync on) instead of SQLite")
    parser.add_argument("--pin", action="store_true", help="server on CPU 0, wrk on CPU 1")
    parser.add_argument("--batch", type=int, default=0, metavar="N",
                        help="also N reports a request to the batch route (1-500); the "
                             "rate, CPU and ratio printed per report, p50/p99 per request")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk (Debian's wrk package)")
    work = Path(tempfile.mkdtemp(prefix="bench-points-http-"))
    os.environ.update({"MYNUMBERCARD_HOME": str(work / "home"),
                       "MYNUMBERCARD_CA_PASSPHRASE": "bench passphrase"})
    os.environ.pop("MYNUMBERCARD_CLOCK", None)  # the server's real clock: fresh timestamps
    with ExitStack() as stack:
        if args.postgres:
            args.database_url = stack.enter_context(postgres())
        if args.database_url:
            os.environ["MYNUMBERCARD_DATABASE_URL"] = args.database_url
        print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}", flush=True)
        run_all(args, work)
    shutil.rmtree(work, ignore_errors=True)


def run_all(args: argparse.Namespace, work: Path) -> None:
    (work / "cycle.lua").write_text(WRK_SCRIPT)
    started = time.monotonic()
    key_id, secret, enrolments = prepare(args.people)
    print(f"{len(enrolments)} people enrolled in {time.monotonic() - started:.0f} s; "
          f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    server_prefix = ("taskset", "-c", "0") if args.pin else ()
    client_prefix = ("taskset", "-c", "1") if args.pin else ()
    sent, total_ok = 0, 0
    for workers in args.workers:
        server = Server(workers, server_prefix)
        try:
            count = args.rate_guess * (args.seconds + 2)
            measure(server, healthz_requests(1000), work, argparse.Namespace(
                connections=args.connections, seconds=2), client_prefix)  # warm-up
            base = measure(server, healthz_requests(1000), work, args, client_prefix)
            line(f"{workers} worker(s): GET /healthz", base, None)
            run = measure(server, signed_requests(key_id, secret, enrolments, count, sent),
                          work, args, client_prefix)
            sent += count
            total_ok += int(run["requests"] - run["errors"])
            line(f"{workers} worker(s): POST {PATH[7:]}", run, base["rps"])
            if args.batch:
                # batch ids from 10**9 up: never one of the single reports' ids
                count = max(200, 4 * args.rate_guess * (args.seconds + 2) // args.batch)
                run = measure(server, signed_requests(key_id, secret, enrolments, count,
                                                      10**9 // args.batch + sent,
                                                      batch=args.batch), work,
                              # a payment service sends its batches over a few connections
                              argparse.Namespace(connections=BATCH_CONNECTIONS,
                                                 seconds=args.seconds), client_prefix)
                sent += count
                total_ok += int(run["requests"] - run["errors"]) * args.batch
                per_report = {**run, "rps": run["rps"] * args.batch,
                              "cpu_us": run["cpu_us"] / args.batch}
                line(f"{workers} worker(s): reports in batches of {args.batch}",
                     per_report, base["rps"])
        finally:
            server.stop()
    with bootstrap.container() as wired, wired.engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(point_reports)).scalar_one()
    print(f"answered 200: {total_ok}; reports stored: {stored}"
          + ("" if stored >= total_ok else "  (MISSING REPORTS)")
          + ("  (the rest: answers in flight when wrk stopped)" if stored > total_ok else ""))


if __name__ == "__main__":
    main()
