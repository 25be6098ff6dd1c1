"""`mynumbercard serve`'s OCSP fast path (web/ocsp_http.py) over real sockets, and SHA-2
CertIDs checked with `openssl ocsp`."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp as x509_ocsp

from cli_checks import ok

MALFORMED = bytes.fromhex("3003 0a01 01")
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None,
                                   reason="the openssl binary is not installed")


@pytest.fixture
def card(env: dict[str, str], tmp_path: Path) -> dict[str, Path | str]:
    """A demo card, its auth certificate and the CA certificates, exported."""
    made = json.loads(ok("card", "demo", str(tmp_path / "card.json"), "--pin-stdin",
                         stdin="1234\nABC123\n"))
    ok("ca", "export", str(tmp_path / "ca"))
    auth = tmp_path / "auth.pem"
    auth.write_text(ok("card", "cert", str(tmp_path / "card.json"), "--kind", "auth"))
    return {"serial": made["auth_serial"], "cert": auth, "ca": tmp_path / "ca"}


@pytest.fixture
def address(server: str) -> tuple[str, int]:
    """The running server's host and port, for raw HTTP on a socket."""
    parts = urlsplit(server)
    return parts.hostname or "", parts.port or 80

def _request_der(card: dict[str, Path | str], algorithm: hashes.HashAlgorithm) -> bytes:
    issuer = x509.load_pem_x509_certificate((Path(card["ca"]) / "auth-ca.pem").read_bytes())
    certificate = x509.load_pem_x509_certificate(Path(card["cert"]).read_bytes())
    return x509_ocsp.OCSPRequestBuilder().add_certificate(
        certificate, issuer, algorithm).build().public_bytes(Encoding.DER)


def _exchange(address: tuple[str, int], raw: bytes, count: int) -> list[tuple[bytes, bytes]]:
    """Send raw bytes on one connection; read `count` responses as (head, body)."""
    answers = []
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(raw)
        data = b""
        while len(answers) < count:
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                head = data[:end].lower()
                length = int(head.split(b"content-length: ")[1].split(b"\r\n")[0])
                if len(data) >= end + 4 + length:
                    answers.append((head, data[end + 4:end + 4 + length]))
                    data = data[end + 4 + length:]
                    continue
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {len(answers)} answers"
            data += chunk
    return answers


def _post(der: bytes, version: str = "1.1", extra: str = "") -> bytes:
    return (f"POST /ocsp HTTP/{version}\r\nHost: x\r\nContent-Type: application/ocsp-request"
            f"\r\nContent-Length: {len(der)}\r\n{extra}\r\n").encode() + der


def test_pipelined_keep_alive_requests_then_the_api_on_the_same_connection(
        card: dict[str, Path | str], address: tuple[str, int]) -> None:
    der = _request_der(card, hashes.SHA1())  # noqa: S303 - RFC 5019 CertIDs
    raw = _post(der) + _post(der) + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    first, second, health = _exchange(address, raw, 3)
    for head, body in (first, second):
        assert head.startswith(b"http/1.1 200 ok")
        assert b"content-type: application/ocsp-response" in head
        assert b"cache-control: max-age=10, public, no-transform" in head
        assert b"expires: " in head
        assert b"date: " in head
        assert b"connection: keep-alive" in head
        answer = x509_ocsp.load_der_ocsp_response(body)
        assert answer.certificate_status is x509_ocsp.OCSPCertStatus.GOOD
        assert answer.serial_number == int(str(card["serial"]), 16)
    assert first[1] == second[1]
    assert json.loads(health[1])["status"] == "ok"  # handed over to uvicorn and FastAPI


def test_unusual_forms_get_the_same_answers(card: dict[str, Path | str],
                                            address: tuple[str, int]) -> None:
    der = _request_der(card, hashes.SHA1())  # noqa: S303 - RFC 5019 CertIDs
    (plain,) = _exchange(address, _post(der), 1)
    # Chunked: not read by the fast path, served through ASGI; the same bytes.
    chunked = (b"POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               + f"{len(der):x}\r\n".encode() + der + b"\r\n0\r\n\r\n")
    (via_asgi,) = _exchange(address, chunked, 1)
    assert via_asgi[1] == plain[1]
    # HTTP/1.0 without keep-alive: answered, then closed.
    (old,) = _exchange(address, _post(der, "1.0"), 1)
    assert b"connection: close" in old[0]
    assert old[1] == plain[1]
    # Bad requests: malformedRequest, never a server error.
    garbage = _post(b"\x30\x03abc")
    too_long = _post(b"\x30" * 5000)
    not_base64 = b"GET /ocsp/not-base64! HTTP/1.1\r\nHost: x\r\n\r\n"
    empty = b"GET /ocsp HTTP/1.1\r\nHost: x\r\n\r\n"
    for raw in (garbage, too_long, not_base64, empty):
        ((head, body),) = _exchange(address, raw, 1)
        assert head.startswith(b"http/1.1 200 ok"), raw[:40]
        assert body == MALFORMED, raw[:40]
    ((head, _),) = _exchange(address, b"PUT /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
                             1)
    assert head.startswith(b"http/1.1 405")
    ((head, _),) = _exchange(address, b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                             b"Content-Length: 2\r\n\r\nab", 1)
    assert head.startswith(b"http/1.1 400")  # two lengths: uvicorn refuses it


def _until_closed(address: tuple[str, int], parts: list[bytes], pause: float = 0.0
                  ) -> tuple[bytes, bytes]:
    """Send `parts` (with a pause between them) and read until the server closes."""
    with socket.create_connection(address, timeout=10) as sock:
        for i, part in enumerate(parts):
            if i:
                time.sleep(pause)
            sock.sendall(part)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.lower(), body


def test_one_shot_requests_are_answered_and_closed_like_any_other(
        card: dict[str, Path | str], address: tuple[str, int]) -> None:
    """A connection with one request asking to close (web/ocsp_accept.py answers it at
    accept) gets the answer a kept-alive connection gets, then the server closes."""
    der = _request_der(card, hashes.SHA1())  # noqa: S303 - RFC 5019 CertIDs
    ((kept_head, kept),) = _exchange(address, _post(der), 1)
    target = "/ocsp/" + quote(base64.b64encode(der).decode(), safe="")
    one_shots = {
        "POST, Connection: close": [_post(der, extra="Connection: close\r\n")],
        "POST, HTTP/1.0": [_post(der, "1.0")],
        "GET, Connection: close": [f"GET {target} HTTP/1.1\r\nHost: x\r\n"
                                   "Connection: close\r\n\r\n".encode()],
        "head, then the body later": [_post(der, extra="Connection: close\r\n")[:-len(der)],
                                      der],
    }
    for name, parts in one_shots.items():
        head, body = _until_closed(address, parts, pause=0.3)
        assert head.startswith(b"http/1.1 200 ok"), name
        assert b"connection: close" in head, name
        for line in (b"cache-control: max-age=10, public, no-transform", b"etag: ",
                     b"last-modified: ", b"expires: ", b"date: "):
            assert line in head, (name, line)
        assert body == kept, name
    assert b"etag: " in kept_head
    head, body = _until_closed(address, [_post(b"\x30\x03abc", extra="Connection: close\r\n")])
    assert head.startswith(b"http/1.1 200 ok")
    assert body == MALFORMED
    head, body = _until_closed(address, [b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                         b"Connection: close\r\n\r\n"])
    assert head.startswith(b"http/1.1 200 ok")  # handed over to uvicorn and FastAPI
    assert json.loads(body)["status"] == "ok"


def _openssl_ocsp(card: dict[str, Path | str], address: tuple[str, int], *args: str) -> str:
    ca = Path(card["ca"])
    chain = ca / "auth-chain.pem"
    chain.write_bytes((ca / "root.pem").read_bytes() + (ca / "auth-ca.pem").read_bytes())
    result = subprocess.run(
        ["openssl", "ocsp", "-issuer", str(ca / "auth-ca.pem"), *args, "-url",
         f"http://{address[0]}:{address[1]}/ocsp", "-CAfile", str(chain), "-resp_text"],
        capture_output=True, text=True, check=False, timeout=30)
    return result.stdout + result.stderr


@needs_openssl
def test_sha2_cert_ids_are_answered_under_their_own_hash(
        card: dict[str, Path | str], address: tuple[str, int]) -> None:
    cert = str(card["cert"])
    for digest in ("-sha256", "-sha384", "-sha512"):
        good = _openssl_ocsp(card, address, digest, "-cert", cert)
        assert "Response verify OK" in good, good
        assert f"{cert}: good" in good
        assert f"Hash Algorithm: {digest[1:]}" in good
    ok("cert", "revoke", str(card["serial"]), "--reason", "keyCompromise", "--yes")
    revoked_at = time.monotonic()
    while f"{cert}: revoked" not in (revoked := _openssl_ocsp(card, address, "-sha256",
                                                              "-cert", cert)):
        assert time.monotonic() - revoked_at < 3, "a revocation shows within seconds"
        time.sleep(0.2)
    assert "Response verify OK" in revoked
    assert "Reason: keyCompromise" in revoked
    unknown = _openssl_ocsp(card, address, "-sha256", "-serial", "0x1234abcd")
    assert "Response verify OK" in unknown
    assert "0x1234abcd: unknown" in unknown
    assert "Hash Algorithm: sha256" in unknown
