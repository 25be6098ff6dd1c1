"""OCSP throughput: our responder against `openssl ocsp` on the same certificates and key.

Two loads. `--mode realistic` (the default, bench/ocsp_realistic.py): N distinct
certificates (default 100,000, 5 % revoked), requests spread over them uniformly and
with a skew, GET and POST, sent by `wrk` with distinct requests per client thread. `--mode
cache-hit`: the one request body again and again, described below -- a cache hit for
ours, so its ratio says nothing about a relying party's load.

Both serve the same issuing CA's certificates with the same delegated OCSP key, one
process each (`--workers N` / `-multi N` for more), to the same client (ApacheBench,
`ab`) at the same concurrency, with the same request, in interleaved rounds (ours,
openssl, ours, openssl, ...; each round on freshly started responders) so that both
see the same load on a shared machine.
The comparison is without keep-alive: `openssl ocsp` closes every connection (ab counts
0 keep-alive requests against it), so both get one connection per request. Ours is also
measured with keep-alive (`ab -k`), reported on its own line, not in the ratio.
Run: `python bench/bench_ocsp.py [--requests N] [--concurrency C] [--rounds R]`. Needs
`openssl` and `ab` (Debian's apache2-utils).

Last run, quiet (docs/pki.md "A million certificates on a quiet machine"; 2026-11-30):
`--synthetic-store --certificates 1000000 --workers 1 --only --rounds 3 --seconds 6
--client-threads 1 --pin` (responder on CPU 0, wrk on CPU 1): ours 23,208-23,409 req/s
against openssl's 3,082-3,123, **7.4-7.6x** with a connection per request (10.9-11.7x
with keep-alive), CPU per answer 8.2-8.7x less, p99 1.4-1.6 ms, 89 MB a process. Without
--pin (wrk sharing the two CPUs with the responder) the same run gave 4.4-5.1x.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyotp
from ocsp_realistic import realistic

PASSPHRASE = "bench passphrase"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, body: Path) -> None:
    """Until the responder answers, asked by the same client as the runs."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = subprocess.run(["ab", "-q", "-n", "1", "-p", str(body), "-T",
                               "application/ocsp-request", url], capture_output=True,
                              text=True, check=False)
        if done.returncode == 0 and "Complete requests:      1" in done.stdout:
            return
        time.sleep(0.2)
    raise RuntimeError(f"no answer from {url}")


def time_waits() -> int:
    out = subprocess.run(["ss", "-Htan", "state", "time-wait"], capture_output=True, text=True,
                         check=False).stdout
    return out.count("\n")


def settle(limit: int = 3000) -> None:
    """Wait (at most 90 s) until few sockets are in TIME_WAIT: each run without keep-alive
    leaves one per request for 60 s, and with the ephemeral ports crowded `openssl ocsp`
    stalls (ab times out). Both responders get the same quiet start."""
    deadline = time.monotonic() + 90
    while shutil.which("ss") and time_waits() > limit and time.monotonic() < deadline:
        time.sleep(2)


def mnc(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    executable = Path(sys.executable).with_name("mynumbercard")
    return subprocess.run([str(executable), *args], env=env, check=True, capture_output=True,
                          text=True, input=stdin).stdout


def ab(url: str, body: Path, requests: int, concurrency: int, *,
       keep_alive: bool = False) -> dict[str, float]:
    done = subprocess.run(["ab", "-q", *(["-k"] if keep_alive else []), "-n", str(requests),
                          "-c", str(concurrency), "-p", str(body), "-T",
                          "application/ocsp-request", url],
                         check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ab failed ({done.returncode}) against {url}:\n{done.stderr[-2000:]}")
    out = done.stdout
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    if failed or non2xx:
        raise RuntimeError(f"errors during the run:\n{out}")
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = float(re.search(r"\s50%\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    p99 = float(re.search(r"\s99%\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    kept = re.search(r"Keep-Alive requests:\s+(\d+)", out)
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99,
            "keep_alive": float(kept.group(1)) if kept else 0.0}


def report(runs: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> None:
    print(f"{'round':<6} {'responder':<28} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7}")
    labels = {"ours": "mynumbercard", "openssl": "openssl ocsp",
              "ours -k": "mynumbercard, keep-alive"}
    for i in range(args.rounds):
        for name, label in labels.items():
            r = runs[name][i]
            print(f"{i + 1:<6} {label:<28} {r['rps']:>9.0f} {r['p50_ms']:>7.0f} "
                  f"{r['p99_ms']:>7.0f}")
        print(f"{i + 1:<6} ratio, no keep-alive for either: "
              f"{runs['ours'][i]['rps'] / runs['openssl'][i]['rps']:.2f}x")
    ratios = sorted(o["rps"] / t["rps"] for o, t in zip(runs["ours"], runs["openssl"],
                                                           strict=True))
    print(f"median ratio (ours / openssl ocsp, no keep-alive): {ratios[len(ratios) // 2]:.2f}x "
          f"({args.requests} requests a run, concurrency {args.concurrency}, "
          f"{args.workers} process(es) each; openssl kept "
          f"{max(r['keep_alive'] for r in runs['openssl']):.0f} connections alive)")


def cache_hit(args: argparse.Namespace) -> None:
    """The cache-hit case: one request body, again and again (what this bench measured
    before the realistic load): a dictionary look-up for ours, a signature for openssl."""
    for tool in ("openssl", "ab"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed (apt-get install openssl apache2-utils)")
    work = Path(tempfile.mkdtemp(prefix="bench-ocsp-"))
    env = {**os.environ, "MYNUMBERCARD_HOME": str(work / "home"),
           "MYNUMBERCARD_CA_PASSPHRASE": PASSPHRASE}
    env.pop("MYNUMBERCARD_DATABASE_URL", None)
    mnc(env, "db", "upgrade")
    password = "bench-admin-password"  # a throwaway bench installation
    totp = pyotp.parse_uri(mnc(env, "staff", "add", "bench", "--bootstrap", "--password-stdin",
                               stdin=password + "\n").strip())
    mnc(env, "staff", "login", "bench", "--password-stdin", stdin=f"{password}\n{totp.now()}\n")
    mnc(env, "ca", "init")
    mnc(env, "ca", "export", str(work / "ca"))
    serials = []
    for i in range(args.cards):
        made = json.loads(mnc(env, "card", "demo", str(work / f"card{i}.json"), "--pin-stdin",
                              stdin="1234\nABC123\n"))
        serials.append(made["auth_serial"])
    mnc(env, "cert", "revoke", serials[0], "--reason", "keyCompromise")

    # The same certificates, for openssl: an index file (V valid, R revoked).
    lines = []
    for serial in serials:
        status = json.loads(mnc(env, "cert", "status", serial))
        expiry = time.strftime("%y%m%d%H%M%SZ", time.strptime(status["not_after"][:19],
                                                             "%Y-%m-%dT%H:%M:%S"))
        hexa = serial.upper().rjust(len(serial) + len(serial) % 2, "0")
        if status["status"] == "revoked":
            revoked = time.strftime("%y%m%d%H%M%SZ", time.strptime(
                status["revoked_at"][:19], "%Y-%m-%dT%H:%M:%S"))
            lines.append(f"R\t{expiry}\t{revoked},keyCompromise\t{hexa}\tunknown\t/CN={hexa}")
        else:
            lines.append(f"V\t{expiry}\t\t{hexa}\tunknown\t/CN={hexa}")
    (work / "index.txt").write_text("\n".join(lines) + "\n")
    hierarchy = json.loads((work / "home" / "ca" / "ca.json").read_text())
    key = work / "home" / "ca" / "keys" / f"{hierarchy['keys']['auth-ocsp']}.key.pem"
    signer = work / "auth-ocsp.pem"
    signer.write_text(hierarchy["certificates"]["auth-ocsp"])
    request = work / "request.der"
    subprocess.run(["openssl", "ocsp", "-issuer", str(work / "ca" / "auth-ca.pem"), "-serial",
                    f"0x{serials[1]}", "-no_nonce", "-reqout", str(request)], check=True,
                   capture_output=True)

    multi = ["-multi", str(args.workers)] if args.workers > 1 else []
    ours_port, theirs_port = free_port(), free_port()
    ours_url = f"http://127.0.0.1:{ours_port}/ocsp"
    theirs_url = f"http://127.0.0.1:{theirs_port}/"
    runs: dict[str, list[dict[str, float]]] = {"ours": [], "openssl": [], "ours -k": []}
    ours_command = [str(Path(sys.executable).with_name("mynumbercard")), "serve", "--port",
                    str(ours_port), "--workers", str(args.workers)]
    theirs_command = ["openssl", "ocsp", "-index", str(work / "index.txt"), "-port",
                      str(theirs_port), "-rsigner", str(signer), "-rkey", str(key), "-passin",
                      f"pass:{PASSPHRASE}", "-CA", str(work / "ca" / "auth-ca.pem"), *multi,
                      "-ignore_err"]
    # Each round starts both responders afresh. `openssl ocsp` sometimes stalls for good
    # in the middle of a run (ab then times out): such a run is retried on a fresh
    # process (the same rule for both), and the retries are reported.
    retries = {"ours": 0, "openssl": 0}

    def measure(name: str, command: list[str], url: str, **popen: Any) -> None:
        for attempt in range(3):
            with subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True,
                                  **popen) as server:
                try:
                    wait_for(url, request)
                    ab(url, request, 500, args.concurrency)  # warm-up
                    settle()
                    result = ab(url, request, args.requests, args.concurrency)
                    kept = (ab(url, request, args.requests, args.concurrency, keep_alive=True)
                            if name == "ours" else None)
                except RuntimeError:
                    if attempt == 2:  # the last of three attempts
                        raise
                    retries[name] += 1
                    continue
                finally:
                    # `openssl ocsp -multi` does not always exit on SIGTERM: end its group.
                    os.killpg(server.pid, signal.SIGKILL)
            runs[name].append(result)
            if kept is not None:
                runs["ours -k"].append(kept)
            return

    for _ in range(args.rounds):
        measure("ours", ours_command, ours_url, env=env)
        measure("openssl", theirs_command, theirs_url, stdin=subprocess.DEVNULL)
    print(f"runs retried after a stall: {retries}")
    report(runs, args)
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=("realistic", "cache-hit"), default="realistic")
    parser.add_argument("--certificates", type=int, default=100_000,
                        help="distinct certificates asked for (realistic)")
    parser.add_argument("--revoked", type=float, default=0.05)
    parser.add_argument("--seconds", type=int, default=8, help="per run (realistic)")
    parser.add_argument("--requests", type=int, default=5000, help="per run (cache-hit)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--cards", type=int, default=10, help="(cache-hit)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1,
                        help="processes per responder (openssl: -multi N when N > 1)")
    parser.add_argument("--only", action="store_true",
                        help="(realistic) only --workers N, not one process first")
    parser.add_argument("--keep", type=Path, default=None,
                        help="(realistic) keep or reuse the data set in this directory")
    parser.add_argument("--synthetic-store", action="store_true",
                        help="(realistic) fresh serials with synthetic answers in the store, not a "
                             "generated register: for a million and more "
                             "(bench/ocsp_synthetic_store.py)")
    parser.add_argument("--client-threads", type=int, default=1,
                        help="(realistic) wrk's threads: with a connection per request one "
                             "thread of wrk is the bound before our responder is")
    parser.add_argument("--pin", action="store_true",
                        help="(realistic) each responder pinned to CPU 0 and wrk to CPU 1 "
                             "(taskset): a client that does not share the responder's CPU; "
                             "use with --workers 1 --only")
    parser.add_argument("--prepare-only", action="store_true",
                        help="(realistic) make the data set (with --keep) and stop")
    args = parser.parse_args()
    if args.mode == "cache-hit":
        cache_hit(args)
    else:
        realistic(args)


if __name__ == "__main__":
    main()
