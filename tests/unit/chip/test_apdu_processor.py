"""The chip over APDUs: ISO 7816-4 parsing, the JPKI and card-info applications, the
issuer's commands, and the status word for every refusal (docs/chip.md)."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mynumbercard.chip import KeyKind, ResetPin, sign_admin_command
from mynumbercard.chip.client import SHA256_DIGEST_INFO, CardClient
from mynumbercard.chip.layout import ATR, Application, basic_four_ef, parse_tlvs
from mynumbercard.chip.processor import CardSession
from mynumbercard.domain.pins import AdminAuthorizationFailed, PinKind, PinLocked, WrongPin

from chip_cards import FACE, PINS, CardIssuer, issue_card

JPKI = "00A4040C0A" + Application.JPKI.value.hex()
CARD_INFO = "00A4040C0A" + Application.CARD_INFO.value.hex()


@pytest.fixture(scope="module")
def ca() -> CardIssuer:
    return CardIssuer.create()


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory, ca: CardIssuer) -> bytes:
    return issue_card(tmp_path_factory.mktemp("card") / "card", ca).read_bytes()


@pytest.fixture
def card(tmp_path: Path, issued: bytes) -> Path:
    path = tmp_path / "card"
    path.write_bytes(issued)
    return path


@pytest.fixture
def session(card: Path) -> CardSession:
    return CardSession(card)


def send(session: CardSession, *hexes: str) -> tuple[bytes, str]:
    """Send each command; the last one's data and status word (hex)."""
    answer = b"\x90\x00"
    for text in hexes:
        answer = session.transmit(bytes.fromhex(text))
    return answer[:-2], answer[-2:].hex().upper()


def pin(text: str) -> str:
    return f"{len(text):02X}" + text.encode().hex()


def test_the_atr_is_the_one_opensc_matches_for_jpki() -> None:
    assert ATR.hex(":") == "3b:e0:00:ff:81:31:fe:45:14"


@pytest.mark.parametrize(("command", "status"), [
    ("", "6700"), ("00", "6700"), ("00A404", "6700"),
    ("00A4040C00AABB", "6700"),  # extended length
    ("00A4040C05D392", "6700"),  # Lc longer than the data
    ("00A4040C01D3920000", "6700"),  # data longer than Lc and Le
    ("FFA40000", "6E00"), ("0CA40000", "6E00"), ("01A40000", "6881"),
    ("00600000", "6D00"), ("00900000", "6D00"), ("00FE0000", "6D00"), ("80B00000", "6E00"),
    ("002A0080", "6E00"),
])
def test_malformed_commands_get_the_iso_status_word(
        session: CardSession, command: str, status: str) -> None:
    assert send(session, command)[1] == status


def test_select_and_read_the_authentication_certificate_without_a_pin(
        session: CardSession, card: Path) -> None:
    assert send(session, "00A4040C0AD392F0002601000000FF")[1] == "6A82"
    assert send(session, "00A4020C02000A")[1] == "6A82"  # no application selected yet
    assert send(session, "00B0000004")[1] == "6986"  # no current EF
    head, status = send(session, JPKI, "00A4020C02000A", "00B0000004")
    assert status == "9000"
    size = int.from_bytes(head[2:4], "big") + 4
    client = CardClient(session.transmit)
    pem = client.read_certificate(KeyKind.AUTH)
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    assert len(der) == size
    _, status = send(session, JPKI, "00A4020C02000A", f"00B0{size - 2:04X}10")
    assert status == "6282"  # fewer bytes than asked: the end came first
    assert send(session, f"00B0{size:04X}10")[1] == "6B00"
    assert send(session, "00B0800010")[1] == "6A81"  # short EF identifiers: not supported
    assert send(session, "00B00000")[1] == "6700"  # no Le
    assert send(session, JPKI, "00A4020C020018", "00B0000010")[1] == "6981"  # a PIN EF


def test_the_signature_certificate_needs_the_signature_password(session: CardSession) -> None:
    assert send(session, JPKI, "00A4020C020001", "00B0000004")[1] == "6982"
    assert send(session, "00A4020C02001B", "00200080" + pin(PINS[PinKind.SIGNATURE]))[1] == "9000"
    body, status = send(session, "00A4020C020001", "00B0000004")
    assert (body[:2], status) == (b"\x30\x82", "9000")
    assert send(session, JPKI, "00A4020C020001", "00B0000004")[1] == "6982"  # reselected


def test_verify_counts_and_locks_exactly_and_the_query_never_spends_a_try(
        session: CardSession, card: Path, ca: CardIssuer) -> None:
    select = (JPKI, "00A4020C020018")
    assert send(session, *select, "00200080")[1] == "63C3"
    assert send(session, *select, "00200080" + pin("0000"))[1] == "63C2"
    assert send(session, "00200080")[1] == "63C2"
    assert send(session, "00200080" + pin("abc"))[1] == "6A80"  # not the form: not a try
    assert send(session, "00200080")[1] == "63C2"
    assert send(session, "00200080" + pin("0001"))[1] == "63C1"
    assert send(session, "00200080" + pin("0002"))[1] == "63C0"
    assert send(session, "00200080")[1] == "63C0"
    assert send(session, "00200080" + pin(PINS[PinKind.USER_AUTH]))[1] == "6983"
    assert send(session, "00200180")[1] == "6A86"
    assert send(session, "00200081")[1] == "6A86"
    # only the issuer's reset opens it again
    client = CardClient(session.transmit)
    command = ResetPin(PinKind.USER_AUTH, "4321")
    client.admin(command, sign_admin_command(ca.management_key, "CARD-0001",
                                             client.admin_challenge(), command))
    assert send(session, *select, "00200080")[1] == "63C3"
    assert send(session, "00200080" + pin("4321"))[1] == "9000"


def test_compute_digital_signature_with_the_selected_key_after_its_pin(
        session: CardSession) -> None:
    digest_info = SHA256_DIGEST_INFO + hashlib.sha256(b"data").digest()
    cds = f"802A0080{len(digest_info):02X}{digest_info.hex()}00"
    assert send(session, JPKI, "00A4020C020017", cds)[1] == "6982"
    assert send(session, "00A4020C020018", "00200080" + pin(PINS[PinKind.USER_AUTH]))[1] == "9000"
    assert send(session, "00A4020C020018", cds)[1] == "6981"  # a PIN EF is not a key
    assert send(session, "00A4020C020017", "802A0081" + cds[8:])[1] == "6A86"
    assert send(session, "802A0080" + f"{246:02X}" + "00" * 246)[1] == "6700"
    signature, status = send(session, cds)
    assert status == "9000"
    certificate = x509.load_pem_x509_certificate(
        CardClient(session.transmit).read_certificate(KeyKind.AUTH))
    public = certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(signature, b"data", padding.PKCS1v15(), hashes.SHA256())
    # the signature key is behind the other password
    assert send(session, "00A4020C02001A", cds)[1] == "6982"


def test_the_card_info_application_gives_the_number_and_the_four_items_after_its_pin(
        session: CardSession) -> None:
    assert send(session, CARD_INFO, "00A4020C020001", "00B0000000")[1] == "6982"
    assert send(session, "00A4020C020011", "00200080")[1] == "63C3"
    assert send(session, "00200080" + pin(PINS[PinKind.CARD_INFO]))[1] == "9000"
    number, status = send(session, "00A4020C020001", "00B0000000")
    assert (number, status) == (b"\xff\x10\x0c123456789018", "6282")
    four, _ = send(session, "00A4020C020002", "00B0000000")
    items = parse_tlvs(four)
    assert items[b"\xdf\x22"].decode() == FACE["name"]
    assert items[b"\xdf\x24"] == b"19900401"
    assert items[b"\xdf\x25"] == b"2"
    offsets = items[b"\xdf\x21"]
    for index, tag in enumerate((b"\xdf\x22", b"\xdf\x23", b"\xdf\x24", b"\xdf\x25")):
        at = int.from_bytes(offsets[2 * index: 2 * index + 2], "big")
        assert four[at: at + 2] == tag
    assert CardClient(session.transmit).read_card_face(PINS[PinKind.CARD_INFO]) == FACE


def test_a_long_basic_four_ef_uses_long_form_lengths() -> None:
    face = {**FACE, "address": "東京都" * 60}
    items = parse_tlvs(basic_four_ef(face))
    assert items[b"\xdf\x23"].decode() == face["address"]


def test_the_resident_register_pin_has_the_same_verify_semantics(session: CardSession) -> None:
    select = ("00A4040C0A" + Application.RESIDENT_REGISTER.value.hex(), "00A4020C02001C")
    assert send(session, *select, "00200080")[1] == "63C3"
    assert send(session, "00200080" + pin("0000"))[1] == "63C2"
    assert send(session, "00200080" + pin(PINS[PinKind.RESIDENT_REGISTER]))[1] == "9000"
    assert send(session, "00200080")[1] == "63C3"


def test_change_reference_data_after_verify(session: CardSession) -> None:
    select = (JPKI, "00A4020C020018")
    assert send(session, *select, "00240180" + pin("9999"))[1] == "6982"
    assert send(session, "00240080" + pin("9999"))[1] == "6A86"
    assert send(session, "00200080" + pin(PINS[PinKind.USER_AUTH]))[1] == "9000"
    assert send(session, "00240180" + pin("99"))[1] == "6A80"
    assert send(session, "00240180" + pin("9999"))[1] == "9000"
    assert send(session, *select, "00200080" + pin("9999"))[1] == "9000"


def test_admin_commands_need_the_management_key_over_a_fresh_challenge(
        session: CardSession, card: Path, ca: CardIssuer) -> None:
    client = CardClient(session.transmit)
    command = ResetPin(PinKind.USER_AUTH, "4321")
    before = card.read_bytes()
    with pytest.raises(AdminAuthorizationFailed):
        client.admin(command, b"\x00" * 40)
    other = CardIssuer.create()
    with pytest.raises(AdminAuthorizationFailed):
        client.admin(command, sign_admin_command(other.management_key, "CARD-0001",
                                                 client.admin_challenge(), command))
    challenge = client.admin_challenge()
    authorization = sign_admin_command(ca.management_key, "CARD-0001", challenge, command)
    client.admin(command, authorization)
    with pytest.raises(AdminAuthorizationFailed):  # a replay
        client.admin(command, authorization)
    assert card.read_bytes() != before
    assert send(session, "00840000")[1] == "6700"
    assert send(session, "0084000010")[1] == "6C20"
    assert len(send(session, "0084000020")[0]) == 32
    assert send(session, "80E60000")[1] == "6A86"
    assert send(session, "80E60100")[1] == "6A80"  # no new PIN
    assert send(session, "80E6010007110004" + b"4321".hex())[1] == "6982"  # no authorization
    assert send(session, "80E6010003010001")[1] == "6A80"  # truncated field
    assert send(session, "00C00000FF")[1] == "6985"  # no response waiting
    assert send(session, "00E60100")[1] == "6E00"


def test_command_chaining_is_bounded_and_in_order(session: CardSession) -> None:
    assert send(session, "90E2010003AABBCC")[1] == "9000"
    assert send(session, "00A4040C0A" + Application.JPKI.value.hex())[1] == "6883"
    assert send(session, "90A40000020000")[1] == "6A81"  # no chaining for SELECT
    chunk = "90E20100FF" + "00" * 255
    statuses = {send(session, chunk)[1] for _ in range(40)}
    assert "6A84" in statuses


def test_a_card_file_that_goes_away_or_breaks_answers_memory_failure(
        session: CardSession, card: Path) -> None:
    assert send(session, JPKI)[1] == "9000"
    card.write_bytes(card.read_bytes()[:100])
    assert send(session, "00A4020C02000A")[1] == "6581"
    card.unlink()
    assert send(session, "00A4020C02000A")[1] == "6581"


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300) | st.builds(
    lambda head, body: head + body,
    st.sampled_from([b"\x00\xa4\x04\x0c", b"\x00\xb0\x00\x00", b"\x00\xa4\x02\x0c",
                     b"\x80\x2a\x00\x80", b"\x00\x84\x00\x00", b"\x80\xe0\x01\x00",
                     b"\x00\xc0\x00\x00", b"\x90\xe2\x01\x00", b"\x00\x24\x01\x80"]),
    st.binary(max_size=260)))
def test_any_bytes_get_a_status_word_and_never_an_exception(
        session: CardSession, raw: bytes) -> None:
    answer = session.transmit(raw)
    assert len(answer) >= 2
    sw1 = answer[-2]
    assert sw1 in (0x90, 0x61, 0x62, 0x63, 0x65, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D,
                   0x6E, 0x6F)
    assert answer[-2:] != b"\x6f\x00"  # nothing fell through to "no precise diagnosis"


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.booleans(), max_size=7))
def test_the_pin_counter_follows_the_rules_exactly(
        tmp_path_factory: pytest.TempPathFactory, issued: bytes, entries: list[bool]) -> None:
    path = tmp_path_factory.mktemp("counter") / "card"
    path.write_bytes(issued)
    client = CardClient(CardSession(path).transmit)
    left = 3
    for right in entries:
        entry = PINS[PinKind.USER_AUTH] if right else "0000"
        if left == 0:
            with pytest.raises(PinLocked):
                client.verify_pin(PinKind.USER_AUTH, entry)
        elif right:
            client.verify_pin(PinKind.USER_AUTH, entry)
            left = 3
        else:
            with pytest.raises(WrongPin):
                client.verify_pin(PinKind.USER_AUTH, entry)
            left -= 1
        assert client.tries_left(PinKind.USER_AUTH) == left


def test_two_readers_on_one_card_file_keep_the_counter_exact(card: Path) -> None:
    """Each command takes the card's lock: of ten wrong entries from two sessions in
    threads, exactly three are compared (63 C2, 63 C1, 63 C0) and the rest are told it is
    locked; the file stays a valid card."""
    sessions = [CardSession(card), CardSession(card)]
    for session in sessions:
        send(session, JPKI, "00A4020C020018")
    answers: list[str] = []
    lock = threading.Lock()

    def guess(session: CardSession) -> None:
        for _ in range(5):
            _, status = send(session, "00200080" + pin("0000"))
            with lock:
                answers.append(status)

    threads = [threading.Thread(target=guess, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == sorted(["63C2", "63C1", "63C0"] + ["6983"] * 7)
    assert CardClient(CardSession(card).transmit).tries_left(PinKind.USER_AUTH) == 0
