"""bench_ocsp.py's realistic load (docs/pki.md "The answer store" gives the figures).

The data set: a synthetic register (`residents generate --with-cards`, made before the
CA so that no answer is signed yet), of which the first N unexpired authentication
certificates are kept (the others are dated expired, so nobody signs answers for them),
5 % of those revoked; then `ca init`, `ocsp produce --workers 2` and `ocsp build-store`,
each timed (at a million and more, `--synthetic-store`: bench/ocsp_synthetic_store.py).
`openssl ocsp` gets the same N certificates in an index file and the same
delegated OCSP key. `--keep DIR` keeps the data set to run again without rebuilding it.

The runs: for one process each, then two (`--workers 2` against `-multi 2`); for each
spread (uniform, skewed) and method (GET, POST); rounds interleaved (ours, openssl,
ours with keep-alive), each on freshly started responders. Both are sent the same
requests by the same client (wrk, 16 connections, one thread or `--client-threads N`,
each with its own slice) with `Connection: close`,
since `openssl ocsp` answers one request per connection; ours with keep-alive is
reported on its own line. Before the first run, a sample of answers from both is
checked against the certificates' statuses.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
from cryptography import x509
from cryptography.x509 import ocsp as x509_ocsp
from ocsp_load import WRK_SCRIPT, Result, measure, raw_requests, spread, write_slices
from ocsp_synthetic_store import build_synthetic
from sqlalchemy import func, select, update

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.tables import certificates
from mynumbercard.adapters.pki import ocsp_request

PASSPHRASE = "bench passphrase"
SEQUENCE = 400_000  # requests in each run's sequence (wrk walks it, then again)


def mnc(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    executable = Path(sys.executable).with_name("mynumbercard")
    return subprocess.run([str(executable), *args], env=env, check=True, capture_output=True,
                          text=True, input=stdin).stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_dataset(env: dict[str, str], work: Path, count: int, revoked_share: float
                  ) -> dict[str, Any]:
    timings: dict[str, float] = {}
    mnc(env, "db", "upgrade")
    password = "bench-admin-password"  # a throwaway bench installation
    totp = pyotp.parse_uri(mnc(env, "staff", "add", "bench", "--bootstrap",
                               "--password-stdin", stdin=password + "\n").strip())
    mnc(env, "staff", "login", "bench", "--password-stdin",
        stdin=f"{password}\n{totp.now()}\n")
    engine = make_engine(env.get("MYNUMBERCARD_DATABASE_URL")
                         or f"sqlite:///{work / 'home' / 'mynumbercard.sqlite3'}")
    soon = datetime.now(UTC) + timedelta(days=7)
    alive = (certificates.c.kind == "auth") & (certificates.c.status == "active") & (
        certificates.c.not_after > soon)
    started, seed = time.perf_counter(), 1
    while True:
        with engine.connect() as conn:
            have = conn.scalar(select(func.count()).where(alive))
        if have >= count:
            break
        residents = math.ceil((count - have) / 0.7) + 100
        mnc(env, "residents", "generate", "--count", str(residents), "--with-cards",
            "--seed", str(seed), "--chunk-size", "20000")
        seed += 1
    timings["generate_s"] = time.perf_counter() - started
    with engine.begin() as conn:
        chosen = conn.execute(select(certificates.c.id, certificates.c.serial,
                                     certificates.c.not_after)
                              .where(alive).order_by(certificates.c.id).limit(count)).all()
        last = chosen[-1][0]
        # Only the chosen certificates are left to answer for: the others dated expired.
        conn.execute(update(certificates).where((certificates.c.kind == "sign")
                                                | (certificates.c.id > last))
                     .values(not_after=datetime(2001, 1, 1, tzinfo=UTC)))
        step = max(1, round(1 / revoked_share)) if revoked_share > 0 else 0
        revoked_ids = [row[0] for row in chosen[::step]] if step else []
        revoked_at = datetime.now(UTC) - timedelta(days=1)
        for i in range(0, len(revoked_ids), 5000):
            conn.execute(update(certificates)
                         .where(certificates.c.id.in_(revoked_ids[i:i + 5000]))
                         .values(status="revoked", revoked_at=revoked_at,
                                 revocation_reason="keyCompromise"))
    engine.dispose()
    mnc(env, "ca", "init")
    mnc(env, "ca", "export", str(work / "ca"))
    started = time.perf_counter()
    produced = json.loads(mnc(env, "ocsp", "produce", "--workers", "2"))
    timings["produce_s"] = time.perf_counter() - started
    started = time.perf_counter()
    built = json.loads(mnc(env, "ocsp", "build-store"))
    timings["build_store_s"] = time.perf_counter() - started
    revoked = set(revoked_ids)
    rows = [{"serial": serial, "not_after": not_after.isoformat(), "revoked": id_ in revoked}
            for id_, serial, not_after in chosen]
    dataset = {"count": count, "rows": rows, "timings": timings, "produced": produced,
               "store": built, "revoked_at": revoked_at.isoformat()}
    (work / "dataset.json").write_text(json.dumps(dataset))
    return dataset


def openssl_index(work: Path, dataset: dict[str, Any]) -> Path:
    """The same certificates for `openssl ocsp`: V valid, R revoked."""
    lines = []
    revoked = datetime.fromisoformat(dataset["revoked_at"]).strftime("%y%m%d%H%M%SZ")
    for row in dataset["rows"]:
        expiry = datetime.fromisoformat(row["not_after"]).strftime("%y%m%d%H%M%SZ")
        hexa = row["serial"].upper().rjust(len(row["serial"]) + len(row["serial"]) % 2, "0")
        if row["revoked"]:
            lines.append(f"R\t{expiry}\t{revoked},keyCompromise\t{hexa}\tunknown\t/CN={hexa}")
        else:
            lines.append(f"V\t{expiry}\t\t{hexa}\tunknown\t/CN={hexa}")
    index = work / "index.txt"
    index.write_text("\n".join(lines) + "\n")
    return index


def post(url: str, der: bytes, timeout: float = 5) -> bytes:
    request = urllib.request.Request(url, data=der,  # noqa: S310 - http to ourselves
                                     headers={"Content-Type": "application/ocsp-request"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
        body: bytes = answer.read()
        return body


def ready_when(url: str, der: bytes, health: str | None = None) -> Any:
    def ready() -> None:
        deadline = time.monotonic() + 120  # two workers of the whole application, loaded
        while time.monotonic() < deadline:
            try:
                post(url, der, timeout=2)
                if health is None:
                    return
                with urllib.request.urlopen(health, timeout=2) as answer:  # noqa: S310
                    if json.loads(answer.read())["ocsp_store"]["state"] == "ok":
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"no answer from {url}")
    return ready


def check(url: str, ders: list[bytes], rows: list[dict[str, Any]], sample: int = 200
          ) -> None:
    """Both responders tell the truth about a sample (every revoked one in it)."""
    for i in range(0, len(rows), max(1, len(rows) // sample)):
        status = x509_ocsp.load_der_ocsp_response(post(url, ders[i])).certificate_status
        expected = (x509_ocsp.OCSPCertStatus.REVOKED if rows[i]["revoked"]
                    else x509_ocsp.OCSPCertStatus.GOOD)
        if status is not expected:
            raise RuntimeError(f"{url}: certificate {rows[i]['serial']} answered {status}")


def _dataset(args: argparse.Namespace, env: dict[str, str], work: Path) -> dict[str, Any]:
    saved = work / "dataset.json"
    dataset: dict[str, Any] | None = json.loads(saved.read_text()) if saved.exists() else None
    if dataset is None:
        if args.synthetic_store:
            return build_synthetic(env, work, args.certificates, args.revoked, mnc)
        return build_dataset(env, work, args.certificates, args.revoked)
    if dataset["count"] != args.certificates:
        sys.exit(f"{work} holds a data set of {dataset['count']} certificates")
    return dataset


def _server(who: str, port: int, workers: int, work: Path, ders: list[bytes]
            ) -> tuple[list[str], Any, str]:
    """The command, its readiness check and the URL answers are asked at."""
    url = f"http://127.0.0.1:{port}"
    if who == "openssl":
        hierarchy = json.loads((work / "home" / "ca" / "ca.json").read_text())
        key = work / "home" / "ca" / "keys" / f"{hierarchy['keys']['auth-ocsp']}.key.pem"
        signer = work / "auth-ocsp.pem"
        signer.write_text(hierarchy["certificates"]["auth-ocsp"])
        command = ["openssl", "ocsp", "-index", str(work / "index.txt"), "-port", str(port),
                   "-rsigner", str(signer), "-rkey", str(key), "-passin", f"pass:{PASSPHRASE}",
                   "-CA", str(work / "ca" / "auth-ca.pem"), "-ignore_err",
                   *(["-multi", str(workers)] if workers > 1 else [])]
        return command, ready_when(url + "/", ders[0]), url + "/"
    command = [str(Path(sys.executable).with_name("mynumbercard")), "serve", "--port",
               str(port), "--workers", str(workers)]
    return command, ready_when(url + "/ocsp", ders[0], url + "/healthz"), url + "/ocsp"


LOADS = (("ours", "/ocsp", True), ("openssl", "/", True), ("ours keep-alive", "/ocsp", False))


def realistic(args: argparse.Namespace) -> None:
    for tool in ("openssl", "wrk"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed (apt-get install openssl wrk)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-ocsp-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MYNUMBERCARD_HOME": str(work / "home"),
           "MYNUMBERCARD_CA_PASSPHRASE": PASSPHRASE}
    dataset = _dataset(args, env, work)
    print(json.dumps({k: dataset[k] for k in ("count", "timings", "produced", "store")}))
    if args.prepare_only:
        return
    rows = dataset["rows"]
    issuer = x509.load_pem_x509_certificate((work / "ca" / "auth-ca.pem").read_bytes())
    ders = [ocsp_request(issuer, int(row["serial"], 16)) for row in rows]
    openssl_index(work, dataset)
    script = work / "ocsp.lua"
    script.write_text(WRK_SCRIPT)
    results: list[dict[str, Any]] = []
    for workers in [args.workers] if args.only else sorted({1, args.workers}):
        for skewed in (False, True):
            order = spread(len(ders), SEQUENCE, skewed=skewed)
            for method in ("GET", "POST"):
                slices = {who: work / f"slice-{who.replace(' ', '-')}" for who, _, _ in LOADS}
                for who, path, close in LOADS:
                    write_slices(slices[who], raw_requests(ders, order, method=method,
                                                           path=path, close=close),
                                 args.client_threads)
                runs: dict[str, list[Result]] = {who: [] for who, _, _ in LOADS}
                for _ in range(args.rounds):
                    for who, _, _ in LOADS:
                        command, ready, at = _server(who, free_port(), workers, work, ders)
                        if not results and not runs[who]:  # the first run of each: the truth
                            check_first = ready

                            def ready(inner: Any = check_first, url: str = at) -> None:
                                inner()
                                check(url, ders, rows)
                        runs[who].append(_measured(who, command, at, ready,
                                                   slices=slices[who], args=args,
                                                   script=script, env=env))
                results.append(summary(workers, skewed, method, runs))
                print(json.dumps(results[-1]), flush=True)
    report(results, dataset)
    (work / "results.json").write_text(json.dumps(results, indent=1))
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


def _measured(who: str, command: list[str], at: str, ready: Any, *, slices: Path,
              args: argparse.Namespace, script: Path, env: dict[str, str]) -> Result:
    """One run; a responder that never came up is started once more, afresh."""
    for attempt in range(2):
        try:
            if args.pin:  # the responder alone on CPU 0, the client alone on CPU 1
                command = ["taskset", "-c", "0", *command]
            return measure(command, at.rsplit("/", 1)[0] if who == "openssl" else
                           at.removesuffix("/ocsp"), ready, slices,
                           threads=args.client_threads,
                           connections=args.concurrency, seconds=args.seconds,
                           script=script, env=env if who != "openssl" else None,
                           warm_up=who != "openssl",
                           client_prefix=("taskset", "-c", "1") if args.pin else ())
        except RuntimeError:
            if attempt:
                raise
            print(f"{who} did not come up: started again", flush=True)
    raise AssertionError  # pragma: no cover - the loop returns or raises


def summary(workers: int, skewed: bool, method: str, runs: dict[str, list[Result]]
            ) -> dict[str, Any]:
    def median(who: str, field: str) -> float:
        return statistics.median(getattr(r, field) for r in runs[who])

    out: dict[str, Any] = {"workers": workers, "spread": "skewed" if skewed else "uniform",
                           "method": method}
    for who, done in runs.items():
        out[who] = {f: round(median(who, f), 2) for f in ("rps", "p50_ms", "p99_ms",
                                                          "cpu_us", "rss_mb")}
        out[who]["errors"] = sum(r.errors for r in done)
        out[who]["all_rps"] = [round(r.rps) for r in done]
    out["rps_ratio"] = round(out["ours"]["rps"] / out["openssl"]["rps"], 2)
    out["cpu_ratio"] = round(out["openssl"]["cpu_us"] / out["ours"]["cpu_us"], 2)
    out["keep_alive_rps_ratio"] = round(out["ours keep-alive"]["rps"] / out["openssl"]["rps"], 2)
    return out


def report(results: list[dict[str, Any]], dataset: dict[str, Any]) -> None:
    print(f"{dataset['count']:,} certificates, "
          f"{sum(r['revoked'] for r in dataset['rows']):,} revoked; medians of the rounds")
    head = (f"{'proc':>4} {'spread':<8} {'meth':<5} {'responder':<16} {'req/s':>8} "
            f"{'p50 ms':>7} {'p99 ms':>7} {'CPU us/ans':>10} {'RSS MB':>7} {'err':>4}")
    print(head)
    for r in results:
        for who in ("ours", "openssl", "ours keep-alive"):
            m = r[who]
            print(f"{r['workers']:>4} {r['spread']:<8} {r['method']:<5} {who:<16} "
                  f"{m['rps']:>8.0f} {m['p50_ms']:>7.2f} {m['p99_ms']:>7.2f} "
                  f"{m['cpu_us']:>10.0f} {m['rss_mb']:>7.0f} {m['errors']:>4}")
        print(f"{'':>4} ratios: req/s {r['rps_ratio']}x (keep-alive {r['keep_alive_rps_ratio']}x), "
              f"CPU per answer {r['cpu_ratio']}x less")
