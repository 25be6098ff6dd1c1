"""Independent checks with the `openssl` binary: chains, CRLs, OCSP, the JPKI otherNames.

Everything here is judged by OpenSSL, not by our own code or by `cryptography`.
The same checks run against HSM keys in test_pki_hsm.py.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
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
    MalformedOcspRequest,
    OcspStatus,
    RevokedEntry,
    ocsp_error_response,
    parse_ocsp_request,
)

from softhsm import softhsm_module

OPENSSL = shutil.which("openssl")
NO_OPENSSL = "the openssl binary is not installed: the independent PKI checks need it"
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)  # openssl checks "now"
SHARDS = 16
R = x509.ReasonFlags
HOLDER = HolderIdentity(
    name="佐藤　一郎",
    name_kana="サトウ　イチロウ",
    birth_date=date(1975, 8, 15),
    sex="male",
    address="大阪府大阪市北区中之島１丁目３番２０号",
)
OPENSSL_REASONS = {
    R.key_compromise: ("Key Compromise", "keyCompromise"),
    R.certificate_hold: ("Certificate Hold", "certificateHold"),
    R.affiliation_changed: ("Affiliation Changed", "affiliationChanged"),
    R.cessation_of_operation: ("Cessation Of Operation", "cessationOfOperation"),
    R.superseded: ("Superseded", "superseded"),
    R.remove_from_crl: ("Remove From CRL", "removeFromCRL"),
}

pytestmark = pytest.mark.skipif(OPENSSL is None, reason=NO_OPENSSL)


def openssl(*args: str | Path, ok: bool = True) -> str:
    """Run openssl; return stdout and stderr together (it reports on both)."""
    assert OPENSSL is not None
    done = subprocess.run(
        [OPENSSL, *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )
    output = done.stdout + done.stderr
    if ok:
        assert done.returncode == 0, output
    return output


@dataclass
class World:
    """A CA with its certificates exported and two holders' certificates on disk."""

    ca: CaHierarchy
    out: Path
    certs: dict[tuple[CertKind, int], Path]


def make_world(directory: Path, keys: KeyStore) -> World:
    ca = CaHierarchy.initialise(
        directory / "ca", keys=keys, now=NOW, base_url="http://127.0.0.1:9/", crl_shards=SHARDS
    )
    out = directory / "out"
    ca.export(out)
    holder_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(holder_key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )
    certs = {}
    for kind in CertKind:
        for serial in (SHARDS * 100 + 5, SHARDS * 101 + 5, SHARDS * 102 + 5):
            cert = ca.issue(
                kind=kind,
                csr_pem=csr,
                serial=serial,
                holder=HOLDER if kind is CertKind.SIGN else None,
                not_before=NOW,
                not_after=NOW + timedelta(days=5 * 365),
            )
            path = out / f"{kind}-{serial}.pem"
            path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            certs[(kind, serial)] = path
    return World(ca, out, certs)




@pytest.fixture(scope="module", params=["file-keys", "softhsm2"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("openssl")
    if request.param == "file-keys":
        yield make_world(directory, FileKeyStore(directory / "keys", "openssl test passphrase"))
        return
    with pytest.MonkeyPatch.context() as monkeypatch:
        module = softhsm_module(tmp_path_factory, monkeypatch)
        from mynumbercard.adapters.pki.hsm import Pkcs11KeyStore  # noqa: PLC0415

        with Pkcs11KeyStore(module, "mnc", "1234") as keys:
            yield make_world(directory, keys)


# --- the checks, shared with the HSM tests ------------------------------------------


def check_chains(world: World) -> None:
    out = world.out
    for (kind, _), path in world.certs.items():
        text = openssl(
            "verify",
            "-x509_strict",
            "-CAfile",
            out / "root.pem",
            "-untrusted",
            out / f"{kind}-ca.pem",
            path,
        )
        assert f"{path}: OK" in text
        other = CertKind.AUTH if kind is CertKind.SIGN else CertKind.SIGN
        text = openssl(
            "verify",
            "-CAfile",
            out / "root.pem",
            "-untrusted",
            out / f"{other}-ca.pem",
            path,
            ok=False,
        )
        assert "OK" not in text.splitlines()[-1]
    chain = openssl(
        "verify",
        "-x509_strict",
        "-CAfile",
        out / "root.pem",
        "-untrusted",
        out / "sign-ca.pem",
        out / "ocsp.pem",
        ok=False,
    )
    assert ": OK" in chain  # the first OCSP signer (sign) chains to the sign CA


def crl_listing(text: str) -> dict[int, str | None]:
    """Serial -> reason name, from `openssl crl -text`."""
    listing: dict[int, str | None] = {}
    serial = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("Serial Number:"):
            serial = int(stripped.split(":", 1)[1].strip(), 16)
            listing[serial] = None
        elif "CRL Reason Code" in stripped and serial is not None:
            listing[serial] = lines[i + 1].strip()
    return listing


def check_crls(world: World, tmp: Path) -> None:
    ca, out = world.ca, world.out
    shard = 5
    revoked = {SHARDS * 100 + 5: R.key_compromise, SHARDS * 101 + 5: R.certificate_hold}
    extra = {SHARDS * 7 + 5: R.affiliation_changed, SHARDS * 9 + 5: R.cessation_of_operation}
    entries = [RevokedEntry(s, NOW - timedelta(minutes=5), r) for s, r in (revoked | extra).items()]
    full = ca.build_crl(
        kind=CertKind.SIGN,
        shard=shard,
        entries=entries,
        number=41,
        this_update=NOW,
        next_update=NOW + timedelta(days=2),
    )
    delta = ca.build_crl(
        kind=CertKind.SIGN,
        shard=shard,
        entries=[
            RevokedEntry(SHARDS * 101 + 5, NOW, R.remove_from_crl),
            RevokedEntry(SHARDS * 102 + 5, NOW, R.superseded),
        ],
        number=42,
        this_update=NOW,
        next_update=NOW + timedelta(hours=6),
        delta_base=41,
    )
    empty = ca.build_crl(
        kind=CertKind.AUTH,
        shard=0,
        entries=[],
        number=1,
        this_update=NOW,
        next_update=NOW + timedelta(days=2),
    )
    chain = tmp / "sign-chain.pem"
    chain.write_bytes((out / "root.pem").read_bytes() + (out / "sign-ca.pem").read_bytes())
    for name, data in {"full.crl": full, "delta.crl": delta}.items():
        (tmp / name).write_bytes(data)
        text = openssl(
            "crl", "-in", tmp / name, "-inform", "DER", "-CAfile", chain, "-verify", "-noout"
        )
        assert "verify OK" in text
    (tmp / "empty.crl").write_bytes(empty)
    text = openssl(
        "crl",
        "-in",
        tmp / "empty.crl",
        "-inform",
        "DER",
        "-CAfile",
        out / "auth-ca.pem",
        "-verify",
        "-text",
        "-noout",
    )
    assert "verify OK" in text
    assert "No Revoked Certificates" in text
    full_text = openssl("crl", "-in", tmp / "full.crl", "-inform", "DER", "-text", "-noout")
    expected = {s: OPENSSL_REASONS[r][0] for s, r in (revoked | extra).items()}
    assert crl_listing(full_text) == expected
    assert "Issuing Distribution Point: critical" in full_text
    assert "Only User Certificates" in full_text
    assert f"URI:{ca.crl_url(CertKind.SIGN, shard)}" in full_text
    delta_text = openssl("crl", "-in", tmp / "delta.crl", "-inform", "DER", "-text", "-noout")
    assert "Delta CRL Indicator: critical" in delta_text
    assert crl_listing(delta_text) == {
        SHARDS * 101 + 5: "Remove From CRL",
        SHARDS * 102 + 5: "Superseded",
    }
    # And a relying party's verdict: revoked and held certificates fail, others pass.
    for name, data in {"full.pem": full, "delta.pem": delta}.items():
        (tmp / name).write_bytes(
            x509.load_der_x509_crl(data).public_bytes(serialization.Encoding.PEM)
        )
    base: list[str | Path] = [
        "verify",
        "-crl_check",
        "-CAfile",
        out / "root.pem",
        "-untrusted",
        out / "sign-ca.pem",
        "-CRLfile",
        tmp / "full.pem",
    ]
    assert "certificate revoked" in openssl(
        *base, world.certs[(CertKind.SIGN, SHARDS * 100 + 5)], ok=False
    )
    assert "certificate revoked" in openssl(
        *base, world.certs[(CertKind.SIGN, SHARDS * 101 + 5)], ok=False
    )
    assert ": OK" in openssl(*base, world.certs[(CertKind.SIGN, SHARDS * 102 + 5)])
    with_delta: list[str | Path] = [
        *base[:1],
        "-use_deltas",
        *base[1:],
        "-CRLfile",
        tmp / "delta.pem",
    ]
    assert "certificate revoked" in openssl(
        *with_delta, world.certs[(CertKind.SIGN, SHARDS * 102 + 5)], ok=False
    )


def check_ocsp(world: World, tmp: Path) -> None:
    ca, out = world.ca, world.out
    serial_good, serial_revoked = SHARDS * 100 + 5, SHARDS * 101 + 5
    cases = [
        (serial_good, OcspStatus.GOOD, None, None, "good"),
        (
            serial_revoked,
            OcspStatus.REVOKED,
            NOW - timedelta(minutes=3),
            R.key_compromise,
            "revoked",
        ),
        (
            serial_revoked,
            OcspStatus.REVOKED,
            NOW - timedelta(minutes=3),
            R.certificate_hold,
            "revoked",
        ),
        (999_999_999, OcspStatus.UNKNOWN, None, None, "unknown"),
    ]
    for serial, status, at, reason, word in cases:
        path = tmp / f"resp-{serial}-{word}.der"
        path.write_bytes(
            ca.ocsp_response(
                kind=CertKind.SIGN,
                serial=serial,
                status=status,
                revoked_at=at,
                reason=reason,
                this_update=NOW,
                next_update=NOW + timedelta(days=1),
            )
        )
        trusts: list[list[str | Path]] = [
            ["-verify_other", out / "ocsp.pem"],
            ["-VAfile", out / "ocsp.pem"],
            [],
        ]
        for trust in trusts:
            text = openssl(
                "ocsp",
                "-respin",
                path,
                "-resp_text",
                "-CAfile",
                out / "root.pem",
                "-issuer",
                out / "sign-ca.pem",
                "-serial",
                str(serial),
                *trust,
            )
            assert "Response verify OK" in text
            assert f"{serial}: {word}" in text
            if reason is not None:
                assert f"Reason: {OPENSSL_REASONS[reason][1]}" in text
    # A response from the other CA's signer does not verify as the sign CA's.
    wrong = tmp / "wrong.der"
    wrong.write_bytes(
        ca.ocsp_response(
            kind=CertKind.AUTH,
            serial=serial_good,
            status=OcspStatus.GOOD,
            revoked_at=None,
            reason=None,
            this_update=NOW,
            next_update=NOW + timedelta(days=1),
        )
    )
    text = openssl(
        "ocsp",
        "-respin",
        wrong,
        "-CAfile",
        out / "root.pem",
        "-issuer",
        out / "sign-ca.pem",
        "-serial",
        str(serial_good),
        ok=False,
    )
    assert "Response verify OK" not in text


def check_other_names(world: World) -> None:
    sign_cert = world.certs[(CertKind.SIGN, SHARDS * 100 + 5)]
    listing = openssl("asn1parse", "-in", sign_cert)
    lines = listing.splitlines()
    (at,) = [i for i, line in enumerate(lines) if "X509v3 Subject Alternative Name" in line]
    offset = lines[at + 1].split(":", 1)[0].strip()
    inner = openssl("asn1parse", "-in", sign_cert, "-strparse", offset)
    oids = [line.rsplit(":", 1)[1] for line in inner.splitlines() if "OBJECT" in line]
    assert oids == [f"1.2.392.200149.8.5.5.{i}" for i in (1, 4, 3, 5, 2, 6)]
    assert "佐藤　一郎" in inner
    assert ":119750815" not in inner
    assert ":319750815" in inner
    assert "1.2.392.200149.8.5.1.1.20" in openssl("x509", "-in", sign_cert, "-noout", "-text")
    auth_cert = world.certs[(CertKind.AUTH, SHARDS * 100 + 5)]
    assert "200149.8.5.5" not in openssl("asn1parse", "-in", auth_cert)
    auth_text = openssl("x509", "-in", auth_cert, "-noout", "-text")
    assert "1.2.392.200149.8.5.1.3.30" in auth_text
    assert "TLS Web Client Authentication" in auth_text


# --- a throwaway responder: the bytes work over HTTP too ----------------------------


@pytest.fixture(scope="module")
def responder(world: World) -> Iterator[str]:
    ca = world.ca
    produced = {}
    for serial, status, reason in [
        (SHARDS * 100 + 5, OcspStatus.GOOD, None),
        (SHARDS * 101 + 5, OcspStatus.REVOKED, R.affiliation_changed),
    ]:
        produced[(CertKind.SIGN, serial)] = ca.ocsp_response(
            kind=CertKind.SIGN,
            serial=serial,
            status=status,
            revoked_at=NOW if reason else None,
            reason=reason,
            this_update=NOW,
            next_update=NOW + timedelta(days=1),
        )

    def answer(body: bytes) -> bytes:
        try:
            (query, *_) = parse_ocsp_request(body)
        except MalformedOcspRequest:
            return ocsp_error_response(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        kind = ca.kind_for_issuer(
            issuer_name_hash=query.issuer_name_hash,
            issuer_key_hash=query.issuer_key_hash,
            hash_algorithm=query.hash_algorithm,
        )
        if kind is None:
            return ocsp_error_response(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        known = produced.get((kind, query.serial))
        if known is not None:
            return known
        return ca.ocsp_response(  # a test shortcut: real unknowns are produced ahead too
            kind=kind,
            serial=query.serial,
            status=OcspStatus.UNKNOWN,
            revoked_at=None,
            reason=None,
            this_update=NOW,
            next_update=NOW + timedelta(days=1),
        )

    class Handler(BaseHTTPRequestHandler):
        def _send(self, data: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/ocsp-response")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            self._send(answer(self.rfile.read(int(self.headers.get("Content-Length", 0)))))

        def do_GET(self) -> None:
            encoded = urllib.parse.unquote(self.path.split("/ocsp/", 1)[-1])
            self._send(answer(base64.b64decode(encoded + "==")))

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ocsp"
    finally:
        server.shutdown()
        server.server_close()


def test_chains_verify(world: World) -> None:
    check_chains(world)


def test_crls_verify_and_list_exactly_the_revoked(world: World, tmp_path: Path) -> None:
    check_crls(world, tmp_path)


def test_ocsp_responses_verify_with_each_status(world: World, tmp_path: Path) -> None:
    check_ocsp(world, tmp_path)


def test_the_signature_certificate_carries_the_jpki_other_names(world: World) -> None:
    check_other_names(world)


def test_openssl_ocsp_url_against_pre_produced_responses(
    world: World, responder: str, tmp_path: Path
) -> None:
    out = world.out
    common: list[str | Path] = [
        "ocsp",
        "-url",
        responder,
        "-issuer",
        out / "sign-ca.pem",
        "-CAfile",
        out / "root.pem",
        "-no_nonce",
        "-timeout",
        "20",
    ]
    good = openssl(
        *common,
        "-cert",
        world.certs[(CertKind.SIGN, SHARDS * 100 + 5)],
        "-reqout",
        tmp_path / "req.der",
    )
    assert "Response verify OK" in good
    assert ": good" in good
    (query,) = parse_ocsp_request((tmp_path / "req.der").read_bytes())
    assert query.serial == SHARDS * 100 + 5
    assert query.hash_algorithm.name == "sha1"
    revoked = openssl(*common, "-cert", world.certs[(CertKind.SIGN, SHARDS * 101 + 5)])
    assert "Response verify OK" in revoked
    assert ": revoked" in revoked
    assert "Reason: affiliationChanged" in revoked
    unknown = openssl(*common, "-serial", "123456789")
    assert "Response verify OK" in unknown
    assert ": unknown" in unknown
    # RFC 6960 A.1 GET (openssl's client only POSTs): the same bytes come back.
    request = base64.b64encode((tmp_path / "req.der").read_bytes()).decode("ascii")
    url = f"{responder}/{urllib.parse.quote(request, safe='')}"
    with urllib.request.urlopen(url, timeout=20) as reply:
        got = ocsp.load_der_ocsp_response(reply.read())
    assert got.certificate_status is ocsp.OCSPCertStatus.GOOD
    # An issuer that is not ours: unauthorized, unsigned.
    foreign = openssl(
        "ocsp",
        "-url",
        responder,
        "-issuer",
        out / "root.pem",
        "-cert",
        out / "sign-ca.pem",
        "-no_nonce",
        "-timeout",
        "20",
        ok=False,
    )
    assert "unauthorized" in foreign.lower()
