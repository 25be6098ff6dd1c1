"""The JPKI CLI contract and the OCSP responder, checked with OpenSSL."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp as x509_ocsp

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.repositories import SqlUnitOfWork
from mynumbercard.cli.main import app
from mynumbercard.domain.certificate import CertKind

from cli_checks import demo_card, ok, openssl_ocsp, runner

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None,
                                   reason="the openssl binary is not installed")


def test_ca_init_refuses_to_overwrite_and_export_writes_the_five_files(env: dict[str, str],
                                                                        tmp_path: Path):
    again = runner.invoke(app, ["ca", "init"])
    assert again.exit_code == 4
    assert "refusing to overwrite" in again.output
    listed = ok("ca", "export", str(tmp_path / "out")).split()
    assert sorted(Path(p).name for p in listed) == ["auth-ca.pem", "documents-root.pem",
                                                    "ocsp.pem", "root.pem", "sign-ca.pem"]


def test_a_wrong_ca_passphrase_is_a_clear_error(env: dict[str, str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MYNUMBERCARD_CA_PASSPHRASE", "not the passphrase")
    result = runner.invoke(app, ["card", "demo", str(tmp_path / "c.json"), "--pin-stdin"],
                           input="1234\nABC123\n")
    assert result.exit_code == 5
    assert "passphrase" in result.output
    assert not (tmp_path / "c.json").exists()


@needs_openssl
def test_card_demo_cert_and_sign_verify_with_openssl(env: dict[str, str], tmp_path: Path):
    card = tmp_path / "card.json"
    made = demo_card(card)
    assert made["name"]
    assert made["sign_serial"]
    assert made["auth_serial"]
    ok("ca", "export", str(tmp_path / "ca"))
    auth_pem = tmp_path / "auth.pem"
    auth_pem.write_text(ok("card", "cert", str(card), "--kind", "auth"))
    refused = runner.invoke(app, ["card", "cert", str(card), "--kind", "sign",
                                  "--password-stdin"], input="")
    assert refused.exit_code == 2  # the signature certificate needs the password
    sign_pem = tmp_path / "sign.pem"
    sign_pem.write_text(ok("card", "cert", str(card), "--kind", "sign", "--password-stdin",
                              stdin="ABC123\n"))
    for kind, pem in (("auth", auth_pem), ("sign", sign_pem)):
        verified = subprocess.run(
            ["openssl", "verify", "-CAfile", str(tmp_path / "ca" / "root.pem"), "-untrusted",
             str(tmp_path / "ca" / f"{kind}-ca.pem"), str(pem)],
            capture_output=True, text=True, check=False)
        assert verified.stdout.strip() == f"{pem}: OK", verified.stderr
    serial = subprocess.run(["openssl", "x509", "-in", str(auth_pem), "-noout", "-serial"],
                            capture_output=True, text=True, check=True).stdout
    assert int(serial.split("=")[1], 16) == int(made["auth_serial"], 16)
    data, signature = tmp_path / "data.txt", tmp_path / "data.sig"
    data.write_bytes(b"my number card")
    ok("card", "sign", str(card), "--kind", "auth", "--pin-stdin", "--in", str(data),
       "--out", str(signature), stdin="1234\n")
    public = tmp_path / "pub.pem"
    subprocess.run(["openssl", "x509", "-in", str(auth_pem), "-pubkey", "-noout", "-out",
                    str(public)], check=True)
    checked = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(public),
                              "-signature", str(signature), str(data)],
                             capture_output=True, text=True, check=False)
    assert checked.stdout.strip() == "Verified OK"


def test_wrong_pins_count_down_lock_and_only_the_counter_unlocks(env: dict[str, str],
                                                                  tmp_path: Path):
    card = tmp_path / "card.json"
    demo_card(card)
    data = tmp_path / "data"
    data.write_bytes(b"x")
    sign = ["card", "sign", str(card), "--kind", "auth", "--in", str(data), "--out",
            str(tmp_path / "sig")]
    first = runner.invoke(app, [*sign, "--pin-stdin"], input="9999\n")
    assert first.exit_code != 0
    assert "2 tries left" in first.output
    runner.invoke(app, [*sign, "--pin-stdin"], input="9999\n")
    third = runner.invoke(app, [*sign, "--pin-stdin"], input="9999\n")
    assert "locked" in third.output
    right_but_locked = runner.invoke(app, [*sign, "--pin-stdin"], input="1234\n")
    assert right_but_locked.exit_code != 0
    assert "municipal office" in right_but_locked.output
    ok("card", "unlock", str(card), "--kind", "auth", "--pin-stdin", stdin="4321\n")
    ok(*sign, "--pin-stdin", stdin="4321\n")


def test_a_card_from_another_ca_is_refused_by_the_counter(env: dict[str, str],
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    card = tmp_path / "card.json"
    demo_card(card)
    data = tmp_path / "data"
    data.write_bytes(b"x")
    sign = ["card", "sign", str(card), "--kind", "auth", "--in", str(data), "--out",
            str(tmp_path / "sig")]
    token = (Path(env["MYNUMBERCARD_HOME"]) / "session").read_text().strip()
    monkeypatch.setenv("MYNUMBERCARD_HOME", str(tmp_path / "another-agency"))
    monkeypatch.setenv("MYNUMBERCARD_TOKEN", token)  # the same member, the same database
    ok("ca", "init")
    before = json.loads(card.read_text())
    refused = runner.invoke(app, ["card", "unlock", str(card), "--kind", "auth",
                                  "--pin-stdin"], input="4321\n")
    assert refused.exit_code != 0
    assert "card-management key" in refused.output
    assert "Traceback" not in refused.output
    after = json.loads(card.read_text())
    assert after["body"]["pins"] == before["body"]["pins"]  # the PIN was not reset
    ok(*sign, "--pin-stdin", stdin="1234\n")
    assert runner.invoke(app, [*sign, "--pin-stdin"], input="4321\n").exit_code != 0


def test_a_corrupted_card_file_is_refused_and_left_alone(env: dict[str, str], tmp_path: Path):
    card = tmp_path / "card.json"
    demo_card(card)
    damaged = card.read_bytes()[:-40]
    card.write_bytes(damaged)
    result = runner.invoke(app, ["card", "cert", str(card), "--kind", "auth"])
    assert result.exit_code == 2
    assert "card" in result.output.lower()
    assert card.read_bytes() == damaged


def test_ocsp_signers_renew_and_every_response_is_re_signed(env: dict[str, str],
                                                           tmp_path: Path):
    made = demo_card(tmp_path / "card.json")
    out = ok("ca", "renew-ocsp", "--yes")
    assert "sign: new OCSP signer" in out
    assert "auth: new OCSP signer" in out
    assert "2 OCSP responses re-signed" in out
    ok("ca", "export", str(tmp_path / "ca"))
    pems = (tmp_path / "ca" / "ocsp.pem").read_bytes()
    signers = x509.load_pem_x509_certificates(pems)
    assert len(signers) == 2
    engine = make_engine(env["MYNUMBERCARD_DATABASE_URL"])
    with SqlUnitOfWork(engine) as uow:
        der = uow.ocsp.get(kind=CertKind.AUTH, serial=int(made["auth_serial"] or "0", 16))
    engine.dispose()
    assert der is not None
    response = x509_ocsp.load_der_ocsp_response(der)
    new_keys = {x509.SubjectKeyIdentifier.from_public_key(s.public_key()).digest
                for s in signers}  # type: ignore[arg-type]
    assert response.responder_key_hash in new_keys  # signed by a renewed signer
    assert "0 OCSP responses re-signed" in ok("ocsp", "refresh")


def test_cert_revoke_suspend_status_and_crl_publish(env: dict[str, str], tmp_path: Path):
    made = demo_card(tmp_path / "card.json")
    status = json.loads(ok("cert", "status", made["auth_serial"]))
    assert status["status"] == "active"
    suspended = json.loads(ok("cert", "suspend", made["auth_serial"]))
    assert (suspended["status"], suspended["reason"]) == ("suspended", "certificateHold")
    revoked = json.loads(ok("cert", "revoke", made["sign_serial"], "--reason",
                             "keyCompromise", "--yes"))
    assert (revoked["status"], revoked["reason"]) == ("revoked", "keyCompromise")
    assert runner.invoke(app, ["cert", "revoke", made["sign_serial"], "--reason",
                               "superseded", "--yes"]).exit_code == 4
    assert runner.invoke(app, ["cert", "revoke", made["auth_serial"], "--reason",
                               "boredom"]).exit_code == 2
    assert runner.invoke(app, ["cert", "status", "abc123"]).exit_code == 3
    assert runner.invoke(app, ["cert", "status", "xyz"]).exit_code == 2
    paths = ok("crl", "publish").split()
    assert len(paths) == 8 + 2  # 4 shards of 2 CAs, and the audit head with its signature
    assert all(Path(p).is_file() for p in paths)


@needs_openssl
def test_openssl_ocsp_against_the_running_responder(env: dict[str, str], server: str,
                                                     tmp_path: Path):
    card = tmp_path / "card.json"
    made = demo_card(card)
    ca = tmp_path / "ca"
    ok("ca", "export", str(ca))
    auth_pem = tmp_path / "auth.pem"
    auth_pem.write_text(ok("card", "cert", str(card), "--kind", "auth"))
    good = openssl_ocsp(server, ca, "auth", "-cert", str(auth_pem))
    assert "Response verify OK" in good
    assert f"{auth_pem}: good" in good
    ok("cert", "revoke", made["auth_serial"], "--reason", "keyCompromise", "--yes")
    revoked_at = time.monotonic()
    while f"{auth_pem}: revoked" not in (revoked := openssl_ocsp(server, ca, "auth", "-cert",
                                                          str(auth_pem))):
        assert time.monotonic() - revoked_at < 3, "a revocation shows within seconds"
        time.sleep(0.2)
    assert "Response verify OK" in revoked
    assert f"{auth_pem}: revoked" in revoked
    assert "Reason: keyCompromise" in revoked
    unknown = openssl_ocsp(server, ca, "auth", "-serial", "0x1234abcd")
    assert "Response verify OK" in unknown
    assert "0x1234abcd: unknown" in unknown
    request = urllib.request.Request(f"{server}/ocsp", data=b"\x30\x03garbage", method="POST",
                                     headers={"Content-Type": "application/ocsp-request"})
    with urllib.request.urlopen(request) as reply:
        assert reply.status == 200
        assert reply.read() == bytes.fromhex("3003 0a01 01")  # malformedRequest
    with urllib.request.urlopen(f"{server}/ocsp/not-base64!") as reply:
        assert reply.read() == bytes.fromhex("3003 0a01 01")
    # The GET form (RFC 6960 A.1) gives the same answer as POST.
    issuer = x509.load_pem_x509_certificate((ca / "auth-ca.pem").read_bytes())
    certificate = x509.load_pem_x509_certificate(auth_pem.read_bytes())
    cert_id_hash = hashes.SHA1()  # noqa: S303 - OCSP CertIDs name issuers by SHA-1 (RFC 5019)
    request_der = x509_ocsp.OCSPRequestBuilder().add_certificate(
        certificate, issuer, cert_id_hash).build().public_bytes(Encoding.DER)
    encoded = urllib.parse.quote(base64.b64encode(request_der).decode(), safe="")
    with urllib.request.urlopen(f"{server}/ocsp/{encoded}") as reply:
        answer = x509_ocsp.load_der_ocsp_response(reply.read())
        assert reply.headers["Content-Type"] == "application/ocsp-response"
    assert answer.certificate_status == x509_ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.key_compromise
