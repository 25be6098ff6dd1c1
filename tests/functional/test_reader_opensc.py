"""Independent software uses the card: OpenSC's JPKI driver reads and signs through a
private pcscd with vsmartcard's virtual reader, the card served by the real
`mynumbercard card insert`; our own reader side (pyscard) does the counter's unlock and
the holder's `card sign --reader` / `card info --reader`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mynumbercard.adapters.card_terminal import CardManagementKey
from mynumbercard.adapters.pcsc_reader import ReaderTerminal, open_card
from mynumbercard.chip import Chip, KeyKind
from mynumbercard.domain.pins import PinKind

from chip_cards import FACE, PINS, CardIssuer, issue_card
from pcsc_env import OPENSC_PKCS11, READER, Pcscd, cli, inserted

AUTH_PIN = PINS[PinKind.USER_AUTH]
PASSWORD = PINS[PinKind.SIGNATURE]


@pytest.fixture
def daemon(pcsc_daemon: Pcscd) -> Pcscd:
    return pcsc_daemon


@pytest.fixture(scope="module")
def issuer() -> CardIssuer:
    return CardIssuer.create()


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory, issuer: CardIssuer) -> bytes:
    return issue_card(tmp_path_factory.mktemp("card") / "card", issuer).read_bytes()


@pytest.fixture
def card(tmp_path: Path, issued: bytes) -> Path:
    path = tmp_path / "card"
    path.write_bytes(issued)
    return path


def tool(daemon: Pcscd, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, env=daemon.env,
                          timeout=120, check=False)


def pkcs11_sign(daemon: Pcscd, folder: Path, pin: str) -> subprocess.CompletedProcess[str]:
    (folder / "data").write_bytes(b"a document to sign")
    return tool(daemon, "pkcs11-tool", "--module", str(OPENSC_PKCS11), "--slot-index", "0",
                "--login", "--pin", pin, "--sign", "--id", "01", "-m", "SHA256-RSA-PKCS",
                "--input-file", str(folder / "data"), "--output-file", str(folder / "sig"))


def test_pkcs15_tool_lists_and_reads_the_certificates_the_ca_issued(
        daemon: Pcscd, card: Path, issuer: CardIssuer) -> None:
    on_chip = Chip.open(card)
    with inserted(card, daemon):
        listed = tool(daemon, "pkcs15-tool", "--list-certificates")
        auth = tool(daemon, "pkcs15-tool", "--read-certificate", "01")
        ca = tool(daemon, "pkcs15-tool", "--read-certificate", "03")
    assert listed.returncode == 0, listed.stderr
    for label in ("User Authentication Certificate", "Digital Signature Certificate",
                  "User Authentication Certificate CA", "Digital Signature Certificate CA"):
        assert f"[{label}]" in listed.stdout
    assert auth.returncode == 0, auth.stderr
    assert auth.stdout.encode() == on_chip.read_certificate(KeyKind.AUTH)
    assert x509.load_pem_x509_certificate(ca.stdout.encode()) == issuer.certificate


def test_the_signature_certificate_only_after_the_signature_password(
        daemon: Pcscd, card: Path) -> None:
    with inserted(card, daemon):
        refused = tool(daemon, "pkcs15-tool", "--read-certificate", "02")
        read = tool(daemon, "pkcs15-tool", "--verify-pin", "--auth-id", "02", "--pin",
                    PASSWORD, "--read-certificate", "02")
    assert "BEGIN CERTIFICATE" not in refused.stdout
    assert refused.returncode != 0 or "failed" in refused.stderr
    assert read.returncode == 0, read.stderr
    assert read.stdout.encode() == Chip.open(card).read_certificate(KeyKind.SIGN, PASSWORD)


def test_pkcs11_tool_signs_with_the_authentication_key_and_openssl_verifies(
        daemon: Pcscd, card: Path, tmp_path: Path) -> None:
    with inserted(card, daemon):
        signed = pkcs11_sign(daemon, tmp_path, AUTH_PIN)
    assert signed.returncode == 0, signed.stderr
    (tmp_path / "cert.pem").write_bytes(Chip.open(card).read_certificate(KeyKind.AUTH))
    public = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "cert.pem"), "-pubkey",
                             "-noout"], capture_output=True, check=True)
    (tmp_path / "pub.pem").write_bytes(public.stdout)
    verified = subprocess.run(["openssl", "dgst", "-sha256", "-verify",
                               str(tmp_path / "pub.pem"), "-signature", str(tmp_path / "sig"),
                               str(tmp_path / "data")], capture_output=True, text=True,
                              check=False)
    assert verified.returncode == 0, verified.stderr
    assert "Verified OK" in verified.stdout


def test_three_wrong_pins_lock_and_only_the_counters_unlock_opens_it(
        daemon: Pcscd, card: Path, tmp_path: Path, issuer: CardIssuer) -> None:
    with inserted(card, daemon):
        for _ in range(3):
            wrong = pkcs11_sign(daemon, tmp_path, "0000")
            assert wrong.returncode != 0
        locked = pkcs11_sign(daemon, tmp_path, AUTH_PIN)
        assert locked.returncode != 0
        assert "CKR_PIN_LOCKED" in locked.stderr + locked.stdout
        listed = tool(daemon, "pkcs15-tool", "--list-pins")
        assert "Tries left     : 0" in listed.stdout
        # the counter's unlock, through the reader (pyscard), with the management key
        with open_card(READER) as in_reader:
            terminal = ReaderTerminal(in_reader, CardManagementKey(issuer.management_key))
            assert terminal.card_number == "CARD-0001"
            terminal.reset_pin(PinKind.USER_AUTH, "8642")
        signed = pkcs11_sign(daemon, tmp_path, "8642")
        assert signed.returncode == 0, signed.stderr
    assert Chip.open(card).tries_left(PinKind.USER_AUTH) == 3


def test_card_sign_and_card_info_through_the_reader(
        daemon: Pcscd, card: Path, tmp_path: Path) -> None:
    (tmp_path / "doc").write_bytes(b"my tax return")
    with inserted(card, daemon):
        signed = subprocess.run(
            [*cli(), "card", "sign", "--reader", READER, "--kind", "auth", "--in",
             str(tmp_path / "doc"), "--out", str(tmp_path / "doc.sig"), "--pin-stdin"],
            input=f"{AUTH_PIN}\n", capture_output=True, text=True, env=daemon.env,
            timeout=60, check=False)
        info = subprocess.run([*cli(), "card", "info", "--reader", READER, "--pin-stdin"],
                              input=f"{PINS[PinKind.CARD_INFO]}\n", capture_output=True,
                              text=True, env=daemon.env, timeout=60, check=False)
        direct = subprocess.run([*cli(), "card", "info", str(card), "--pin-stdin"],
                                input=f"{PINS[PinKind.CARD_INFO]}\n", capture_output=True,
                                text=True, env=daemon.env, timeout=60, check=False)
    assert signed.returncode == 0, signed.stderr
    certificate = x509.load_pem_x509_certificate(Chip.open(card).read_certificate(KeyKind.AUTH))
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify((tmp_path / "doc.sig").read_bytes(), b"my tax return", padding.PKCS1v15(),
               hashes.SHA256())
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout) == FACE
    # the card is in the reader: the file is not also in the holder's hands
    assert direct.returncode == 2
    assert "in another reader" in direct.stderr


def test_a_second_reader_on_the_same_card_file_is_refused(daemon: Pcscd, card: Path) -> None:
    with inserted(card, daemon):
        second = subprocess.run([*cli(), "card", "insert", str(card), "--port", "1"],
                                capture_output=True, text=True, timeout=30, check=False)
    assert second.returncode == 2
    assert "in another reader" in second.stderr


def test_once_stops_at_the_first_power_off_and_the_file_stays_intact(
        daemon: Pcscd, card: Path) -> None:
    before = card.read_bytes()
    with inserted(card, daemon, "--once") as process:
        tool(daemon, "pkcs15-tool", "--list-pins")
        process.wait(timeout=60)  # pcscd powers an idle card off
    assert process.returncode == 0
    assert Chip.open(card).tries_left(PinKind.USER_AUTH) == 3
    assert card.read_bytes() == before
