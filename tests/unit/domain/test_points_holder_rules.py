"""The holder's side of My Number Points, pure parts: the points page's code, a client
certificate's fingerprint (what the card signs: test_card_statement.py)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.points import normalise_sign_in_code
from mynumbercard.domain.relying_party import certificate_sha256, check_fingerprint


@pytest.mark.parametrize("typed", ["ab12-cd34", "AB12CD34", " ab12 cd34 ", "AB12-CD34"])
def test_a_sign_in_code_as_typed(typed: str) -> None:
    assert normalise_sign_in_code(typed) == "AB12-CD34"


def test_the_letters_read_alike_are_forgiven_and_others_refused() -> None:
    assert normalise_sign_in_code("oill-0000") == "0111-0000"
    for bad in ("AB12-CD3", "AB12-CD345", "AB12-CDU4", "", "x" * 30):
        with pytest.raises(InvalidInput):
            normalise_sign_in_code(bad)


def test_a_certificate_fingerprint_is_the_sha256_of_its_der() -> None:
    der = bytes([0x30, 0x82, 0x01, 0x00]) + bytes(range(200))
    body = base64.b64encode(der).decode()
    pem = "-----BEGIN CERTIFICATE-----\n" + "\n".join(
        body[i:i + 64] for i in range(0, len(body), 64)) + "\n-----END CERTIFICATE-----\n"
    assert certificate_sha256(pem) == hashlib.sha256(der).hexdigest()
    for bad in ("", "junk", pem.replace("CERTIFICATE", "PRIVATE KEY"),
                "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----"):
        with pytest.raises(InvalidInput):
            certificate_sha256(bad)
    assert check_fingerprint("AB:" * 31 + "AB") == "ab" * 32
    with pytest.raises(InvalidInput):
        check_fingerprint("ab" * 31)
