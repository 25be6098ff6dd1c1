"""Signing and certificates on the chip, and private keys that never come out of it."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from mynumbercard.chip import (
    Chip,
    GenerateKeyPair,
    KeyKind,
    SetInitialPins,
    WriteCertificate,
    management_public_key_pem,
    new_management_key,
    sign_admin_command,
)
from mynumbercard.domain import errors
from mynumbercard.domain.pins import PinKind, PinLocked, WrongPin

FACE = {
    "name": "Sato Ichiro",
    "address": "2-3 Tsurumi, Tsurumi-ku, Yokohama",
    "birth_date": "1975-11-30",
    "sex": "male",
    "individual_number": "123456789018",
}
PINS = {
    PinKind.SIGNATURE: "ICHIRO75X",
    PinKind.USER_AUTH: "3141",
    PinKind.RESIDENT_REGISTER: "2718",
    PinKind.CARD_INFO: "1618",
}
PIN_OF = {KeyKind.SIGN: PINS[PinKind.SIGNATURE], KeyKind.AUTH: PINS[PinKind.USER_AUTH]}
NO_OPENSSL = "the `openssl` binary is not installed: install Debian's openssl package"


def run_admin(chip: Chip, key: ec.EllipticCurvePrivateKey, command: object) -> object:
    challenge = chip.admin_challenge()
    return chip.admin(command, sign_admin_command(key, chip.card_id, challenge, command))  # type: ignore[arg-type]


def issue(csr_pem: bytes, ca_key: ec.EllipticCurvePrivateKey, common_name: str) -> bytes:
    """A stand-in CA: a certificate for the CSR's key (the real CA is elsewhere)."""
    csr = x509.load_pem_x509_csr(csr_pem)
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(issuer)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2025, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2030, 1, 1, tzinfo=UTC))
        .sign(ca_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[KeyKind, bytes]]:
    """A card with PINs, both key pairs and both certificates; copied for each test."""
    key = new_management_key()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path_factory.mktemp("template") / "card.json"
    chip = Chip.personalise(
        path,
        card_id="SIGN-TEST",
        management_public_key_pem=management_public_key_pem(key),
        card_face=FACE,
    )
    run_admin(chip, key, SetInitialPins(PINS))
    certificates = {}
    for kind in KeyKind:
        csr = run_admin(chip, key, GenerateKeyPair(kind))
        assert isinstance(csr, bytes)
        certificates[kind] = issue(csr, ca_key, f"test {kind.value}")
        run_admin(chip, key, WriteCertificate(kind, certificates[kind]))
    return path.read_bytes(), certificates


@pytest.fixture
def chip(tmp_path: Path, template: tuple[bytes, dict[KeyKind, bytes]]) -> Chip:
    path = tmp_path / "card.json"
    path.write_bytes(template[0])
    return Chip.open(path)


@pytest.fixture
def certificates(template: tuple[bytes, dict[KeyKind, bytes]]) -> dict[KeyKind, bytes]:
    return template[1]


def public_key(chip: Chip, kind: KeyKind) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(chip.public_key_pem(kind))
    assert isinstance(key, rsa.RSAPublicKey)
    return key


@pytest.mark.parametrize("kind", list(KeyKind))
def test_keys_are_rsa_2048_with_e_65537(chip: Chip, kind: KeyKind) -> None:
    key = public_key(chip, kind)
    assert key.key_size == 2048
    assert key.public_numbers().e == 65537


def test_the_two_key_pairs_differ(chip: Chip) -> None:
    assert chip.public_key_pem(KeyKind.SIGN) != chip.public_key_pem(KeyKind.AUTH)


@pytest.mark.parametrize("kind", list(KeyKind))
def test_a_signature_verifies_with_the_public_key_and_the_certificate(
    chip: Chip, certificates: dict[KeyKind, bytes], kind: KeyKind
) -> None:
    data = "電子申請 e-Tax 2025".encode()
    signature = chip.sign(kind, PIN_OF[kind], data)
    public_key(chip, kind).verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    from_certificate = x509.load_pem_x509_certificate(certificates[kind]).public_key()
    assert isinstance(from_certificate, rsa.RSAPublicKey)
    from_certificate.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        from_certificate.verify(signature, data + b"!", padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize("kind", list(KeyKind))
def test_a_signature_verifies_with_openssl(chip: Chip, tmp_path: Path, kind: KeyKind) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip(NO_OPENSSL)
    data = tmp_path / "data.bin"
    data.write_bytes(b"\x00\x01 a document to sign \xff" * 100)
    signature = tmp_path / "sig.bin"
    signature.write_bytes(chip.sign(kind, PIN_OF[kind], data.read_bytes()))
    certificate = tmp_path / "cert.pem"
    certificate.write_bytes(chip.read_certificate(kind, PINS[PinKind.SIGNATURE]))
    public = tmp_path / "pub.pem"
    extracted = subprocess.run(
        [openssl, "x509", "-in", str(certificate), "-pubkey", "-noout"],
        capture_output=True,
        check=True,
    )
    public.write_bytes(extracted.stdout)
    assert public.read_bytes() == chip.public_key_pem(kind)

    command = [openssl, "dgst", "-sha256", "-verify", str(public), "-signature", str(signature)]

    def verify() -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*command, str(data)], capture_output=True, check=False
        )

    result = verify()
    assert result.returncode == 0, result.stderr
    assert b"Verified OK" in result.stdout
    data.write_bytes(data.read_bytes() + b"tampered")
    assert verify().returncode != 0


def test_signing_needs_the_pin_of_that_key(chip: Chip) -> None:
    data = b"data"
    # the user-authentication PIN is not a signature password: refused, no try spent
    with pytest.raises(errors.InvalidInput):
        chip.sign(KeyKind.SIGN, PINS[PinKind.USER_AUTH], data)
    # another 4-digit PIN of the card is a wrong entry for the user-authentication PIN
    with pytest.raises(WrongPin) as wrong:
        chip.sign(KeyKind.AUTH, PINS[PinKind.RESIDENT_REGISTER], data)
    assert wrong.value.kind is PinKind.USER_AUTH
    with pytest.raises(WrongPin) as wrong:
        chip.sign(KeyKind.SIGN, "WRONG1234", data)
    assert wrong.value.kind is PinKind.SIGNATURE
    status = chip.status().tries_left
    assert status[PinKind.USER_AUTH] == 2
    assert status[PinKind.SIGNATURE] == 4
    assert status[PinKind.RESIDENT_REGISTER] == 3
    chip.sign(KeyKind.SIGN, PINS[PinKind.SIGNATURE], data)  # resets the signature counter
    assert chip.tries_left(PinKind.SIGNATURE) == 5


def test_a_locked_pin_signs_nothing(chip: Chip) -> None:
    for _ in range(3):
        with pytest.raises(WrongPin):
            chip.sign(KeyKind.AUTH, "0000", b"x")
    with pytest.raises(PinLocked) as locked:
        chip.sign(KeyKind.AUTH, PINS[PinKind.USER_AUTH], b"x")
    assert "municipal office" in str(locked.value)
    chip.sign(KeyKind.SIGN, PINS[PinKind.SIGNATURE], b"x")  # the other key still works


def test_data_must_be_bytes(chip: Chip) -> None:
    with pytest.raises(errors.InvalidInput):
        chip.sign(KeyKind.AUTH, PINS[PinKind.USER_AUTH], "text")  # type: ignore[arg-type]


def test_the_user_authentication_certificate_is_readable_freely(
    chip: Chip, certificates: dict[KeyKind, bytes]
) -> None:
    assert chip.read_certificate(KeyKind.AUTH) == certificates[KeyKind.AUTH]
    assert chip.tries_left(PinKind.SIGNATURE) == 5


def test_the_signature_certificate_needs_the_signature_password(
    chip: Chip, certificates: dict[KeyKind, bytes]
) -> None:
    before = chip.path.read_bytes()
    with pytest.raises(errors.PermissionDenied):
        chip.read_certificate(KeyKind.SIGN)
    assert chip.path.read_bytes() == before  # asking without a password is not a try
    with pytest.raises(WrongPin) as wrong:
        chip.read_certificate(KeyKind.SIGN, "WRONG1234")
    assert wrong.value.tries_left == 4
    pem = chip.read_certificate(KeyKind.SIGN, PINS[PinKind.SIGNATURE])
    assert pem == certificates[KeyKind.SIGN]
    assert chip.tries_left(PinKind.SIGNATURE) == 5


def test_unknown_kinds_are_refused_clearly(chip: Chip) -> None:
    with pytest.raises(errors.InvalidInput) as refused:
        chip.public_key_pem("signing")  # type: ignore[arg-type]
    assert "sign, auth" in str(refused.value)
    with pytest.raises(errors.InvalidInput):
        chip.verify_pin("pin", "1234")  # type: ignore[arg-type]


# --- the private keys never leave the chip -------------------------------------------

REVIEWED_PUBLIC_API = {
    "admin",
    "admin_challenge",
    "card_id",
    "change_pin",
    "open",
    "path",
    "personalise",
    "public_key_pem",
    "read_card_face",
    "read_certificate",
    "sign",
    "status",
    "tries_left",
    "verify_pin",
}


def private_markers(path: Path) -> list[bytes]:
    """Every form a private key could leak in: DER, base64, PEM, the private numbers."""
    markers = []
    for slot in json.loads(path.read_bytes())["body"]["keys"].values():
        der = base64.b64decode(slot["private_key_pkcs8"])
        key = serialization.load_der_private_key(der, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        numbers = key.private_numbers()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        markers += [der[-64:], slot["private_key_pkcs8"][-64:].encode(), pem[-80:-30]]
        for secret in (numbers.d, numbers.p, numbers.q):
            markers += [
                secret.to_bytes((secret.bit_length() + 7) // 8, "big")[:32],
                f"{secret:x}"[:32].encode(),
                f"{secret:X}"[:32].encode(),
                str(secret)[:32].encode(),
            ]
    return markers


def test_the_public_api_is_the_reviewed_one() -> None:
    """A new public method must be added here on purpose, after checking what it returns."""
    assert {name for name in dir(Chip) if not name.startswith("_")} == REVIEWED_PUBLIC_API


def test_the_handle_holds_no_key_material(chip: Chip) -> None:
    assert not hasattr(chip, "__dict__")
    assert set(Chip.__slots__) == {"_card_id", "_path"}


def test_no_public_output_carries_a_private_key(chip: Chip) -> None:
    outputs: list[object] = [
        chip.card_id,
        chip.path,
        chip.status(),
        chip.status().summary(),
        repr(chip),
        str(chip),
        chip.read_card_face(PINS[PinKind.CARD_INFO]),
        chip.admin_challenge(),
    ]
    for kind in KeyKind:
        outputs += [
            chip.public_key_pem(kind),
            chip.read_certificate(kind, PINS[PinKind.SIGNATURE]),
            chip.sign(kind, PIN_OF[kind], b"probe"),
        ]
    for kind in PinKind:
        outputs.append(chip.tries_left(kind))
    for wrong_entry in ("0000", "WRONG0000"):
        for kind in PinKind:
            try:
                chip.verify_pin(kind, wrong_entry)
            except errors.DomainError as exc:
                outputs += [str(exc), repr(exc), exc.args]
    markers = private_markers(chip.path)
    for output in outputs:
        blob = output if isinstance(output, bytes) else repr(output).encode()
        for marker in markers:
            assert marker not in blob


def test_repr_shows_the_card_id_and_status_only(chip: Chip) -> None:
    text = repr(chip)
    assert text.startswith("<Chip card_id='SIGN-TEST' ")
    assert "pins=signature:5,user_auth:3" in text
    assert "keys=sign,auth certificates=sign,auth" in text
    for value in [*PINS.values(), *FACE.values(), str(chip.path)]:
        assert value not in text
