"""The fast path reads a GET target's base64 as `from_path` does, on bytes."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from mynumbercard.web.ocsp import MAX_REQUEST_BYTES, from_path
from mynumbercard.web.ocsp_http import _from_target

# Bytes whose base64 has all three marks (+, / and =).
DER = bytes([0xFB, 0xEF, 0xFF, 0x30, 0x03, 0x0A, 0x01, 0xFE])
B64 = base64.b64encode(DER).decode()


@pytest.mark.parametrize("target", [
    "/ocsp/" + quote(B64, safe=""),  # upper-case escapes, as most clients send them
    "/ocsp/" + B64.replace("+", "%2b").replace("/", "%2f").replace("=", "%3d"),
    "/ocsp/" + B64,  # unescaped
    "/ocsp//" + B64,  # extra slashes, stripped by both
    "/ocsp/" + quote(B64, safe="").replace("A", "%41"),  # another escape: the slow path
    "/ocsp/",
    "/ocsp/not-base64!",
    "/ocsp/%ZZ",
    "/ocsp/" + "A" * (MAX_REQUEST_BYTES * 2 + 4),
])
def test_the_same_request_as_from_path(target: str) -> None:
    assert _from_target(target.encode("latin-1")) == from_path(target)


def test_the_marks_are_read() -> None:
    assert _from_target(("/ocsp/" + quote(B64, safe="")).encode()) == DER
