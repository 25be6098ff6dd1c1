"""The kiosk's rules: when kiosks serve, the verification code's form, the signed
request's canonical form."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.kiosk import (
    CODE_ALPHABET,
    KioskRefused,
    Maintenance,
    Refusal,
    check_open,
    new_verification_code,
    normalise_code,
)
from mynumbercard.domain.relying_party import canonical_request, sign_request, signature_matches


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=JST)


@pytest.mark.parametrize("moment", [_at(11, 30, 6, 30), _at(11, 30, 22, 59), _at(12, 28, 12),
                                    _at(1, 4, 6, 30)])
def test_kiosks_serve_from_six_thirty_to_eleven(moment: datetime) -> None:
    check_open(moment, [])


@pytest.mark.parametrize("moment", [_at(11, 30, 6, 29), _at(11, 30, 23), _at(12, 29, 12),
                                    _at(12, 31, 12), _at(1, 1, 12), _at(1, 3, 22)])
def test_outside_the_hours_and_the_year_end_break(moment: datetime) -> None:
    with pytest.raises(KioskRefused) as refused:
        check_open(moment, [])
    assert refused.value.refusal is Refusal.OUTSIDE_HOURS


def test_announced_maintenance_closes_kiosks_for_its_window_only() -> None:
    window = Maintenance(_at(11, 30, 9), _at(11, 30, 10))
    with pytest.raises(KioskRefused) as refused:
        check_open(_at(11, 30, 9, 30), [window])
    assert refused.value.refusal is Refusal.MAINTENANCE
    check_open(_at(11, 30, 10), [window])
    check_open(_at(11, 30, 8, 59), [window])
    with pytest.raises(InvalidInput):
        Maintenance(_at(11, 30, 10), _at(11, 30, 9))


def test_a_verification_code_is_read_as_typed() -> None:
    code = new_verification_code()
    assert len(code) == 19
    assert set(code.replace("-", "")) <= set(CODE_ALPHABET)
    assert normalise_code(code.lower().replace("-", " ")) == code
    assert normalise_code("oil0-0000-0000-0000") == "0110-0000-0000-0000"
    for bad in ("", "ABCD", "ABCD-EFGH-JKMN-PQRU", "x" * 41):
        with pytest.raises(InvalidInput):
            normalise_code(bad)


def test_the_signature_covers_method_path_body_time_and_nonce() -> None:
    secret = bytes(range(32))
    request = {"timestamp": 1_790_000_000, "nonce": "abcdefghijklmnop", "method": "POST",
               "path": "/api/v1/kiosk/challenges", "body": b"{}"}
    signature = sign_request(secret, **request)  # type: ignore[arg-type]
    assert signature_matches(secret, signature, **request)  # type: ignore[arg-type]
    for field, other in (("timestamp", 1_790_000_001), ("nonce", "abcdefghijklmnoq"),
                         ("method", "GET"), ("path", "/api/v1/kiosk/transactions"),
                         ("body", b"{ }")):
        assert not signature_matches(secret, signature,  # type: ignore[arg-type]
                                     **{**request, field: other})
    assert canonical_request(**request).startswith(b"MNC-HMAC-SHA256\n1790000000\n")  # type: ignore[arg-type]
    assert datetime.fromtimestamp(1_790_000_000, UTC).year == 2026
