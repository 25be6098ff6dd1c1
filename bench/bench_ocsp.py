"""OCSP throughput: our responder against `openssl ocsp` on the same certificates and key.

Both serve the same issuing CA's certificates with the same delegated OCSP key, one
process per core (`--workers 2` / `-multi 2`), to the same client (ApacheBench, `ab`,
one connection per request as `openssl ocsp` closes each) at the same concurrency.
Run: `python bench/bench_ocsp.py [--requests N] [--concurrency C]`. Needs `openssl` and
`ab` (Debian's apache2-utils).
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


def mnc(env: dict[str, str], *args: str) -> str:
    executable = Path(sys.executable).with_name("mynumbercard")
    return subprocess.run([str(executable), *args], env=env, check=True, capture_output=True,
                          text=True).stdout


def ab(url: str, body: Path, requests: int, concurrency: int) -> dict[str, float]:
    out = subprocess.run(["ab", "-q", "-n", str(requests), "-c", str(concurrency), "-p",
                          str(body), "-T", "application/ocsp-request", url],
                         check=True, capture_output=True, text=True).stdout
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    if failed or non2xx:
        raise RuntimeError(f"errors during the run:\n{out}")
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = float(re.search(r"\s50%\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    p99 = float(re.search(r"\s99%\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--cards", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1,
                        help="processes per responder (openssl: -multi N when N > 1)")
    args = parser.parse_args()
    for tool in ("openssl", "ab"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed (apt-get install openssl apache2-utils)")
    work = Path(tempfile.mkdtemp(prefix="bench-ocsp-"))
    env = {**os.environ, "MYNUMBERCARD_HOME": str(work / "home"),
           "MYNUMBERCARD_CA_PASSPHRASE": PASSPHRASE}
    env.pop("MYNUMBERCARD_DATABASE_URL", None)
    mnc(env, "db", "upgrade")
    mnc(env, "ca", "init")
    mnc(env, "ca", "export", str(work / "ca"))
    serials = []
    for i in range(args.cards):
        made = json.loads(mnc(env, "card", "demo", str(work / f"card{i}.json"), "--pin", "1234",
                              "--password", "ABC123"))
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

    results = {}
    multi = ["-multi", str(args.workers)] if args.workers > 1 else []
    ours_port, theirs_port = free_port(), free_port()
    with subprocess.Popen([str(Path(sys.executable).with_name("mynumbercard")), "serve",
                           "--port", str(ours_port), "--workers", str(args.workers)], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as ours:
        url = f"http://127.0.0.1:{ours_port}/ocsp"
        wait_for(url, request)
        ab(url, request, 500, args.concurrency)  # warm-up
        results["mynumbercard"] = ab(url, request, args.requests, args.concurrency)
        ours.terminate()
    with subprocess.Popen(["openssl", "ocsp", "-index", str(work / "index.txt"), "-port",
                           str(theirs_port), "-rsigner", str(signer), "-rkey", str(key),
                           "-passin", f"pass:{PASSPHRASE}", "-CA",
                           str(work / "ca" / "auth-ca.pem"), *multi, "-ignore_err"],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, start_new_session=True) as theirs:
        url = f"http://127.0.0.1:{theirs_port}/"
        wait_for(url, request)
        ab(url, request, 500, args.concurrency)
        results["openssl ocsp"] = ab(url, request, args.requests, args.concurrency)
        # `openssl ocsp -multi` does not always exit on SIGTERM: end its whole group.
        os.killpg(theirs.pid, signal.SIGKILL)
    ratio = results["mynumbercard"]["rps"] / results["openssl ocsp"]["rps"]
    print(f"{'responder':<14} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7}")
    for name, r in results.items():
        print(f"{name:<14} {r['rps']:>9.0f} {r['p50_ms']:>7.0f} {r['p99_ms']:>7.0f}")
    print(f"throughput ratio (ours / openssl): {ratio:.2f}x "
          f"({args.requests} requests, concurrency {args.concurrency}, "
          f"{args.workers} process(es) each)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
