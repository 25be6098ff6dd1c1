"""Administrative commands: only with the issuer's signature over a fresh challenge, and a
refused command changes nothing, byte for byte."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from mynumbercard.chip import (
    CHALLENGE_BYTES,
    AdminCommand,
    Chip,
    DeleteKeyPair,
    GenerateKeyPair,
    KeyKind,
    ResetPin,
    SetInitialPins,
    WriteCertificate,
    admin_message,
    management_public_key_pem,
    new_management_key,
    pack_authorization,
    sign_admin_command,
)
from mynumbercard.domain import errors
from mynumbercard.domain.pins import AdminAuthorizationFailed, PinKind, PinLocked, WrongPin

FACE = {
    "name": "Suzuki Jiro",
    "address": "4-5 Kita-ku, Sapporo",
    "birth_date": "2001-02-28",
    "sex": "male",
    "individual_number": "123456789018",
}
PINS = {
    PinKind.SIGNATURE: "JIRO2001",
    PinKind.USER_AUTH: "8642",
    PinKind.RESIDENT_REGISTER: "9753",
    PinKind.CARD_INFO: "1029",
}


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return new_management_key()


@pytest.fixture(scope="module")
def other_issuer() -> ec.EllipticCurvePrivateKey:
    return new_management_key()


@pytest.fixture(scope="module")
def ca_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def authorize(chip: Chip, key: ec.EllipticCurvePrivateKey, command: AdminCommand) -> bytes:
    return sign_admin_command(key, chip.card_id, chip.admin_challenge(), command)


def run_admin(chip: Chip, key: ec.EllipticCurvePrivateKey, command: AdminCommand) -> object:
    return chip.admin(command, authorize(chip, key, command))  # type: ignore[call-overload]


def issue(public_key: object, ca_key: ec.EllipticCurvePrivateKey) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2025, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2030, 1, 1, tzinfo=UTC))
        .sign(ca_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory, key: ec.EllipticCurvePrivateKey) -> bytes:
    """A freshly personalised card: no PINs, no keys."""
    path = tmp_path_factory.mktemp("blank") / "card.json"
    Chip.personalise(
        path,
        card_id="ADMIN-TEST",
        management_public_key_pem=management_public_key_pem(key),
        card_face=FACE,
    )
    return path.read_bytes()


@pytest.fixture(scope="module")
def issued(
    tmp_path_factory: pytest.TempPathFactory, blank: bytes, key: ec.EllipticCurvePrivateKey
) -> bytes:
    """The same card with its PINs and a user-authentication key pair."""
    path = tmp_path_factory.mktemp("issued") / "card.json"
    path.write_bytes(blank)
    chip = Chip.open(path)
    run_admin(chip, key, SetInitialPins(PINS))
    run_admin(chip, key, GenerateKeyPair(KeyKind.AUTH))
    return path.read_bytes()


@pytest.fixture
def new_card(tmp_path: Path, blank: bytes) -> Chip:
    path = tmp_path / "card.json"
    path.write_bytes(blank)
    return Chip.open(path)


@pytest.fixture
def chip(tmp_path: Path, issued: bytes) -> Chip:
    path = tmp_path / "card.json"
    path.write_bytes(issued)
    return Chip.open(path)


def refused_unchanged(chip: Chip, command: AdminCommand, authorization: object) -> str:
    before = chip.path.read_bytes()
    with pytest.raises(AdminAuthorizationFailed) as refused:
        chip.admin(command, authorization)  # type: ignore[call-overload]
    assert chip.path.read_bytes() == before
    return str(refused.value)


# --- refusals --------------------------------------------------------------------------

COMMANDS: list[Callable[[], AdminCommand]] = [
    lambda: ResetPin(PinKind.USER_AUTH, "1111"),
    lambda: SetInitialPins({PinKind.USER_AUTH: "1111"}),
    lambda: GenerateKeyPair(KeyKind.SIGN),
    lambda: DeleteKeyPair(KeyKind.AUTH),
]


@pytest.mark.parametrize("make", COMMANDS, ids=["reset", "set", "generate", "delete"])
@pytest.mark.parametrize(
    "authorization",
    [None, b"", b"\x00" * CHALLENGE_BYTES, "text"],
    ids=["none", "empty", "challenge-only", "text"],
)
def test_a_missing_authorization_is_refused(
    chip: Chip, make: Callable[[], AdminCommand], authorization: object
) -> None:
    chip.admin_challenge()
    assert "no authorization" in refused_unchanged(chip, make(), authorization)


@pytest.mark.parametrize("make", COMMANDS, ids=["reset", "set", "generate", "delete"])
def test_a_forged_signature_is_refused(
    chip: Chip, key: ec.EllipticCurvePrivateKey, make: Callable[[], AdminCommand]
) -> None:
    command = make()
    authorization = bytearray(authorize(chip, key, command))
    authorization[-5] ^= 0x01
    refused_unchanged(chip, command, bytes(authorization))


@pytest.mark.parametrize("make", COMMANDS, ids=["reset", "set", "generate", "delete"])
def test_another_issuers_key_is_refused(
    chip: Chip, other_issuer: ec.EllipticCurvePrivateKey, make: Callable[[], AdminCommand]
) -> None:
    command = make()
    message = refused_unchanged(chip, command, authorize(chip, other_issuer, command))
    assert "another issuer" in message
    assert chip.status().management_key_fingerprint[:16] in message


def test_an_authorization_is_for_one_command_only(
    chip: Chip, key: ec.EllipticCurvePrivateKey
) -> None:
    authorization = authorize(chip, key, ResetPin(PinKind.USER_AUTH, "1111"))
    refused_unchanged(chip, ResetPin(PinKind.SIGNATURE, "ABC123"), authorization)
    refused_unchanged(chip, DeleteKeyPair(KeyKind.AUTH), authorization)


def test_an_authorization_is_for_one_card_only(chip: Chip, key: ec.EllipticCurvePrivateKey) -> None:
    command = DeleteKeyPair(KeyKind.AUTH)
    authorization = sign_admin_command(key, "ANOTHER-CARD", chip.admin_challenge(), command)
    refused_unchanged(chip, command, authorization)


def test_a_replayed_challenge_is_refused(chip: Chip, key: ec.EllipticCurvePrivateKey) -> None:
    command = ResetPin(PinKind.USER_AUTH, "1111")
    authorization = authorize(chip, key, command)
    chip.admin(command, authorization)
    assert "no outstanding challenge" in refused_unchanged(chip, command, authorization)
    chip.admin_challenge()
    assert "stale or replayed" in refused_unchanged(chip, command, authorization)


def test_a_stale_challenge_is_refused(chip: Chip, key: ec.EllipticCurvePrivateKey) -> None:
    command = ResetPin(PinKind.USER_AUTH, "1111")
    stale = authorize(chip, key, command)
    fresh_challenge = chip.admin_challenge()  # replaces the first one
    assert "stale or replayed" in refused_unchanged(chip, command, stale)
    # a signature over the fresh challenge with the stale challenge's bytes in front
    forged = (
        stale[:CHALLENGE_BYTES]
        + sign_admin_command(key, chip.card_id, fresh_challenge, command)[CHALLENGE_BYTES:]
    )
    refused_unchanged(chip, command, forged)
    chip.admin(command, sign_admin_command(key, chip.card_id, fresh_challenge, command))


def test_no_challenge_no_command(new_card: Chip, key: ec.EllipticCurvePrivateKey) -> None:
    command = SetInitialPins(PINS)
    made_up = sign_admin_command(key, new_card.card_id, b"\x07" * CHALLENGE_BYTES, command)
    assert "no outstanding challenge" in refused_unchanged(new_card, command, made_up)


def test_an_authorised_command_that_cannot_run_changes_nothing(
    chip: Chip, key: ec.EllipticCurvePrivateKey
) -> None:
    command = GenerateKeyPair(KeyKind.AUTH)  # already there
    authorization = authorize(chip, key, command)
    before = chip.path.read_bytes()
    with pytest.raises(errors.Conflict):
        chip.admin(command, authorization)
    assert chip.path.read_bytes() == before


# --- the commands ----------------------------------------------------------------------


def test_reset_pin_unlocks_a_locked_pin(chip: Chip, key: ec.EllipticCurvePrivateKey) -> None:
    for _ in range(3):
        with pytest.raises(WrongPin):
            chip.verify_pin(PinKind.USER_AUTH, "0000")
    with pytest.raises(PinLocked):
        chip.verify_pin(PinKind.USER_AUTH, PINS[PinKind.USER_AUTH])
    run_admin(chip, key, ResetPin(PinKind.USER_AUTH, "2468"))
    assert chip.tries_left(PinKind.USER_AUTH) == 3
    with pytest.raises(WrongPin):
        chip.verify_pin(PinKind.USER_AUTH, PINS[PinKind.USER_AUTH])
    chip.verify_pin(PinKind.USER_AUTH, "2468")
    assert chip.status().locked == frozenset()


def test_reset_pin_checks_the_new_pins_form(chip: Chip, key: ec.EllipticCurvePrivateKey) -> None:
    command = ResetPin(PinKind.SIGNATURE, "lowercase1")
    authorization = authorize(chip, key, command)
    before = chip.path.read_bytes()
    with pytest.raises(errors.InvalidInput) as refused:
        chip.admin(command, authorization)
    assert "lowercase1" not in str(refused.value)
    assert chip.path.read_bytes() == before


def test_set_initial_pins_only_once(new_card: Chip, key: ec.EllipticCurvePrivateKey) -> None:
    run_admin(new_card, key, SetInitialPins(PINS))
    assert set(new_card.status().tries_left.values()) == {3, 5}
    before = new_card.path.read_bytes()
    command = SetInitialPins({PinKind.USER_AUTH: "0001"})
    authorization = authorize(new_card, key, command)
    after_challenge = new_card.path.read_bytes()
    with pytest.raises(errors.Conflict) as refused:
        new_card.admin(command, authorization)
    assert "already set" in str(refused.value)
    assert new_card.path.read_bytes() == after_challenge != before
    new_card.verify_pin(PinKind.USER_AUTH, PINS[PinKind.USER_AUTH])


def test_a_child_card_may_have_no_signature_password(
    new_card: Chip, key: ec.EllipticCurvePrivateKey
) -> None:
    four = {kind: pin for kind, pin in PINS.items() if kind is not PinKind.SIGNATURE}
    run_admin(new_card, key, SetInitialPins(four))
    assert new_card.tries_left(PinKind.SIGNATURE) is None
    run_admin(new_card, key, SetInitialPins({PinKind.SIGNATURE: "LATER15Y"}))  # at 15
    new_card.verify_pin(PinKind.SIGNATURE, "LATER15Y")


def test_set_initial_pins_checks_every_form(
    new_card: Chip, key: ec.EllipticCurvePrivateKey
) -> None:
    command = SetInitialPins({**PINS, PinKind.CARD_INFO: "12345"})
    authorization = authorize(new_card, key, command)
    before = new_card.path.read_bytes()
    with pytest.raises(errors.InvalidInput) as refused:
        new_card.admin(command, authorization)
    assert "card-info-input PIN" in str(refused.value)
    assert new_card.path.read_bytes() == before
    with pytest.raises(errors.InvalidInput):
        SetInitialPins({})


def test_generate_key_pair_returns_a_csr_proving_possession(
    new_card: Chip, key: ec.EllipticCurvePrivateKey
) -> None:
    csr_pem = run_admin(new_card, key, GenerateKeyPair(KeyKind.SIGN))
    assert isinstance(csr_pem, bytes)
    assert csr_pem.startswith(b"-----BEGIN CERTIFICATE REQUEST-----")
    csr = x509.load_pem_x509_csr(csr_pem)
    assert csr.is_signature_valid
    assert csr.signature_hash_algorithm is not None
    assert csr.signature_hash_algorithm.name == "sha256"
    public = csr.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.key_size == 2048
    assert public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == new_card.public_key_pem(KeyKind.SIGN)
    assert new_card.status().keys == {KeyKind.SIGN}


def test_write_certificate_for_the_chips_key(
    chip: Chip, key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey
) -> None:
    public = serialization.load_pem_public_key(chip.public_key_pem(KeyKind.AUTH))
    pem = issue(public, ca_key)
    run_admin(chip, key, WriteCertificate(KeyKind.AUTH, pem))
    assert chip.read_certificate(KeyKind.AUTH) == pem
    assert chip.status().certificates == {KeyKind.AUTH}


def test_write_certificate_with_another_key_is_refused(
    chip: Chip, key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    command = WriteCertificate(KeyKind.AUTH, issue(stranger, ca_key))
    authorization = authorize(chip, key, command)
    before = chip.path.read_bytes()
    with pytest.raises(errors.InvalidInput) as refused:
        chip.admin(command, authorization)
    assert refused.value.code == "card_error"
    assert "not the chip's user-authentication key" in str(refused.value)
    assert chip.path.read_bytes() == before


def test_write_certificate_needs_a_certificate_and_a_key(
    chip: Chip, key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey
) -> None:
    with pytest.raises(errors.InvalidInput):
        authorize(chip, key, WriteCertificate(KeyKind.AUTH, b"not a certificate"))
    public = serialization.load_pem_public_key(chip.public_key_pem(KeyKind.AUTH))
    with pytest.raises(errors.NotFound):
        run_admin(chip, key, WriteCertificate(KeyKind.SIGN, issue(public, ca_key)))


def test_delete_then_generate_renews_the_key(chip: Chip, key: ec.EllipticCurvePrivateKey) -> None:
    old = chip.public_key_pem(KeyKind.AUTH)
    run_admin(chip, key, DeleteKeyPair(KeyKind.AUTH))
    assert chip.status().keys == frozenset()
    assert json.loads(chip.path.read_bytes())["body"]["keys"]["auth"] is None  # gone
    with pytest.raises(errors.NotFound):
        chip.sign(KeyKind.AUTH, PINS[PinKind.USER_AUTH], b"x")
    with pytest.raises(errors.NotFound):
        run_admin(chip, key, DeleteKeyPair(KeyKind.AUTH))
    run_admin(chip, key, GenerateKeyPair(KeyKind.AUTH))
    assert chip.public_key_pem(KeyKind.AUTH) != old


# --- the message -----------------------------------------------------------------------


def test_the_message_is_canonical_and_domain_separated() -> None:
    challenge = bytes(range(32))
    message = admin_message("CARD-1", challenge, ResetPin(PinKind.USER_AUTH, "1234"))
    assert message.startswith(b"mynumbercard/chip-admin/v1\x00")
    assert message == admin_message("CARD-1", challenge, ResetPin("user_auth", "1234"))  # type: ignore[arg-type]
    assert b"CARD-1" in message
    assert challenge in message
    # the new PIN is the holder's secret: it is not in what the issuer signs
    assert b"1234" not in message
    assert message == admin_message("CARD-1", challenge, ResetPin(PinKind.USER_AUTH, "9876"))
    # framing: moving bytes between the card id and the challenge changes the message
    assert admin_message("CARD-", b"1" + challenge[1:], DeleteKeyPair(KeyKind.AUTH)) != (
        admin_message("CARD-1", challenge[1:] + b"\x00", DeleteKeyPair(KeyKind.AUTH))
    )
    kinds = {
        admin_message("C", challenge, GenerateKeyPair(KeyKind.SIGN)),
        admin_message("C", challenge, GenerateKeyPair(KeyKind.AUTH)),
        admin_message("C", challenge, DeleteKeyPair(KeyKind.SIGN)),
        admin_message("C", challenge, SetInitialPins({PinKind.SIGNATURE: "ABC123"})),
        admin_message("C", challenge, SetInitialPins({PinKind.USER_AUTH: "1234"})),
    }
    assert len(kinds) == 5


def test_commands_do_not_show_pins() -> None:
    assert "1234" not in repr(ResetPin(PinKind.USER_AUTH, "1234"))
    assert "ABC123" not in repr(SetInitialPins({PinKind.SIGNATURE: "ABC123"}))


def test_signing_elsewhere_packs_the_same_authorization(
    chip: Chip, key: ec.EllipticCurvePrivateKey
) -> None:
    """An HSM or remote signer signs admin_message(...) and the caller packs it."""
    command = ResetPin(PinKind.CARD_INFO, "5555")
    challenge = chip.admin_challenge()
    signature = key.sign(admin_message(chip.card_id, challenge, command), ec.ECDSA(hashes.SHA256()))
    chip.admin(command, pack_authorization(challenge, signature))
    chip.verify_pin(PinKind.CARD_INFO, "5555")


def test_the_management_key_must_be_p256(tmp_path: Path) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for bad in (pem, b"garbage"):
        with pytest.raises(errors.InvalidInput):
            Chip.personalise(
                tmp_path / "card.json", card_id="X", management_public_key_pem=bad, card_face=FACE
            )
    assert not (tmp_path / "card.json").exists()
    with pytest.raises(errors.InvalidInput):
        sign_admin_command(rsa_key, "X", b"\x00" * 32, DeleteKeyPair(KeyKind.AUTH))  # type: ignore[arg-type]
