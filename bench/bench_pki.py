"""Time the CA: CRL publication for N revoked certificates, OCSP responses, issuance.

    python bench/bench_pki.py                    # 1,000,000 revoked, file keys and softhsm2
    python bench/bench_pki.py --revoked 100000 --no-hsm

CRL publication builds and signs every shard of both issuing CAs (64 shards each by
default) for N revoked or held certificates spread over them, in one process and in
--workers processes (each worker builds its own shards' entries first, untimed, as a
publication job reads them from the database). For comparison it also times
`cryptography`'s CertificateRevocationListBuilder per entry on a sample. OCSP
responses and certificates are produced one at a time, as the service does.
With softhsm2 installed, the key-bound figures are repeated on HSM keys.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp

from mynumbercard.adapters.pki import (
    CaHierarchy,
    CertKind,
    FileKeyStore,
    HolderIdentity,
    KeyStore,
    OcspStatus,
    RevokedEntry,
    parse_ocsp_request,
)

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
PASSPHRASE = "bench passphrase"
REASONS = [
    x509.ReasonFlags.certificate_hold,
    x509.ReasonFlags.key_compromise,
    x509.ReasonFlags.affiliation_changed,
    x509.ReasonFlags.cessation_of_operation,
]
SOFTHSM_MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
)


def shard_entries(kind: CertKind, shard: int, shards: int, per_shard: int) -> list[RevokedEntry]:
    """Deterministic revoked entries of one shard: random-looking serials in the shard."""
    rng = random.Random(f"{kind}-{shard}")
    serials = {rng.randrange(1, 2**62) * shards + shard for _ in range(per_shard)}
    return [
        RevokedEntry(s, NOW - timedelta(seconds=rng.randrange(10**8)), REASONS[s % 4])
        for s in serials
    ]


def build_shards(
    ca: CaHierarchy, jobs: list[tuple[CertKind, int]], per_shard: int
) -> tuple[float, int, int]:
    """(seconds, entries, bytes) to build and sign the given shards' full CRLs."""
    prepared = [(k, s, shard_entries(k, s, ca.crl_shards, per_shard)) for k, s in jobs]
    started = time.perf_counter()
    size = 0
    for kind, shard, entries in prepared:
        size += len(
            ca.build_crl(
                kind=kind,
                shard=shard,
                entries=entries,
                number=7,
                this_update=NOW,
                next_update=NOW + timedelta(days=1),
            )
        )
    return time.perf_counter() - started, sum(len(e) for _, _, e in prepared), size


def _worker(
    directory: str, keys_dir: str, jobs: list[tuple[str, int]], per_shard: int
) -> tuple[float, int, int]:
    ca = CaHierarchy.open(Path(directory), keys=FileKeyStore(Path(keys_dir), PASSPHRASE))
    ca.verify_keys()
    return build_shards(ca, [(CertKind(k), s) for k, s in jobs], per_shard)


def bench_crl(ca: CaHierarchy, keys_dir: Path, revoked: int, workers: int) -> None:
    jobs = [(kind, shard) for kind in CertKind for shard in range(ca.crl_shards)]
    per_shard = revoked // len(jobs)
    seconds, count, size = build_shards(ca, jobs, per_shard)
    print(
        f"CRL publication, 1 process: {count:,} revoked in {len(jobs)} shards: {seconds:.2f} s "
        f"({count / seconds:,.0f} entries/s, {size / 1e6:.1f} MB of DER)"
    )
    split = [[(str(k), s) for k, s in jobs[i::workers]] for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        futures = [
            pool.submit(_worker, str(ca.directory), str(keys_dir), part, per_shard)
            for part in split
        ]
        results = [f.result() for f in futures]
    wall = max(r[0] for r in results)
    print(
        f"CRL publication, {workers} processes: {sum(r[1] for r in results):,} revoked: "
        f"{wall:.2f} s (slowest worker)"
    )
    sample = shard_entries(CertKind.SIGN, 0, ca.crl_shards, 20_000)
    issuer = ca.issuing_certificate(CertKind.SIGN)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    started = time.perf_counter()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(NOW)
        .next_update(NOW + timedelta(days=1))
    )
    for entry in sample:
        revoked_cert = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial)
            .revocation_date(entry.revoked_at)
            .add_extension(x509.CRLReason(entry.reason), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(revoked_cert)
    builder.sign(key, hashes.SHA256())
    per_entry = (time.perf_counter() - started) / len(sample)
    print(
        f"  for comparison, cryptography's CRL builder: {per_entry * 1e6:.1f} us/entry "
        f"= {per_entry * revoked:.0f} s for {revoked:,}"
    )


def bench_ocsp(ca: CaHierarchy, label: str, count: int) -> None:
    started = time.perf_counter()
    for i in range(count):
        revoked = i % 3 == 0
        ca.ocsp_response(
            kind=CertKind.SIGN if i % 2 else CertKind.AUTH,
            serial=1_000_000 + i,
            status=OcspStatus.REVOKED if revoked else OcspStatus.GOOD,
            revoked_at=NOW if revoked else None,
            reason=x509.ReasonFlags.key_compromise if revoked else None,
            this_update=NOW,
            next_update=NOW + timedelta(days=1),
        )
    seconds = time.perf_counter() - started
    print(f"OCSP responses signed ({label}): {count / seconds:,.0f}/s")


def bench_issue(ca: CaHierarchy, label: str, count: int) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )
    holder = HolderIdentity(
        "山田　太郎", "ヤマダ　タロウ", date(1980, 1, 2), "male", "東京都千代田区千代田１－１"
    )
    started = time.perf_counter()
    for i in range(count):
        kind = CertKind.SIGN if i % 2 else CertKind.AUTH
        ca.issue(
            kind=kind,
            csr_pem=csr,
            serial=10_000 + i,
            holder=holder if kind is CertKind.SIGN else None,
            not_before=NOW,
            not_after=NOW + timedelta(days=5 * 365),
        )
    seconds = time.perf_counter() - started
    print(
        f"certificates issued ({label}, CSR checked, half sign / half auth): "
        f"{count / seconds:,.0f}/s"
    )


def bench_parse(ca: CaHierarchy, count: int) -> None:
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(
            ca.ocsp_certificate(CertKind.SIGN),
            ca.issuing_certificate(CertKind.SIGN),
            hashes.SHA1(),  # noqa: S303 - RFC 5019 CertIDs
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    started = time.perf_counter()
    for _ in range(count):
        (query,) = parse_ocsp_request(request)
        ca.kind_for_issuer(
            issuer_name_hash=query.issuer_name_hash,
            issuer_key_hash=query.issuer_key_hash,
            hash_algorithm=query.hash_algorithm,
        )
    seconds = time.perf_counter() - started
    print(f"OCSP requests parsed and mapped to their CA: {count / seconds:,.0f}/s")


def softhsm_keys(tmp: Path) -> KeyStore | None:
    util = shutil.which("softhsm2-util")
    module = next((m for m in SOFTHSM_MODULES if Path(m).exists()), None)
    if util is None or module is None:
        print("softhsm2 not installed: HSM figures skipped")
        return None
    (tmp / "tokens").mkdir(parents=True)
    conf = tmp / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read once, when the module is initialised
    subprocess.run(
        [util, "--init-token", "--free", "--label", "bench", "--pin", "1234", "--so-pin", "5678"],
        check=True,
        capture_output=True,
    )
    from mynumbercard.adapters.pki.hsm import Pkcs11KeyStore  # noqa: PLC0415

    return Pkcs11KeyStore(module, "bench", "1234")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revoked", type=int, default=1_000_000)
    parser.add_argument("--shards", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ocsp", type=int, default=3000)
    parser.add_argument("--certs", type=int, default=1000)
    parser.add_argument("--no-hsm", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        keys_dir = root / "keys"
        ca = CaHierarchy.initialise(
            root / "ca",
            keys=FileKeyStore(keys_dir, PASSPHRASE),
            now=NOW,
            base_url="http://ca.example",
            crl_shards=args.shards,
        )
        print(f"{os.cpu_count()} CPUs; file keys (RSA-2048, PKCS#8 PEM)")
        bench_crl(ca, keys_dir, args.revoked, args.workers)
        bench_ocsp(ca, "file keys", args.ocsp)
        bench_issue(ca, "file keys", args.certs)
        bench_parse(ca, 50_000)
        hsm = None if args.no_hsm else softhsm_keys(root / "hsm")
        if hsm is not None:
            hsm_ca = CaHierarchy.initialise(
                root / "hsm-ca",
                keys=hsm,
                now=NOW,
                base_url="http://ca.example",
                crl_shards=args.shards,
            )
            jobs = [(kind, shard) for kind in CertKind for shard in range(args.shards)]
            seconds, count, _ = build_shards(hsm_ca, jobs, args.revoked // len(jobs))
            print(f"CRL publication (softhsm2), 1 process: {count:,} revoked: {seconds:.2f} s")
            bench_ocsp(hsm_ca, "softhsm2", args.ocsp)
            bench_issue(hsm_ca, "softhsm2", args.certs)


if __name__ == "__main__":
    main()
