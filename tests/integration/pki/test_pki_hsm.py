"""CA keys in an HSM over PKCS#11, with Debian's softhsm2: made inside, never out.

The OpenSSL checks of chains, CRLs and OCSP also run on softhsm2 keys (the "softhsm2"
half of test_pki_openssl.py); here are the HSM's own properties and the hierarchy's
life on HSM keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp

from mynumbercard.adapters.pki import (
    CaAlreadyInitialised,
    CaHierarchy,
    CaKeyNotFound,
    CertKind,
    HolderIdentity,
    HsmUnavailable,
    InvalidCsr,
    OcspStatus,
    RevokedEntry,
    WrongHsmPin,
)
from mynumbercard.adapters.pki.errors import CaKeyExists

from softhsm import softhsm_module

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield softhsm_module(tmp_path_factory, monkeypatch)


@pytest.fixture(scope="module")
def store(module: str) -> Iterator[Any]:
    from mynumbercard.adapters.pki.hsm import Pkcs11KeyStore  # noqa: PLC0415

    with Pkcs11KeyStore(module, "mnc", "1234") as opened:
        yield opened


def test_keys_are_made_inside_and_cannot_leave(store: Any) -> None:
    import pkcs11  # noqa: PLC0415

    signer = store.generate("hsm-test-sealed")
    assert signer.is_extractable() is False
    assert signer.is_sensitive() is True
    with pytest.raises(pkcs11.AttributeSensitive):
        signer._key[pkcs11.Attribute.PRIVATE_EXPONENT]
    data = b"a TBSCertificate, say"
    signer.public_key().verify(signer.sign(data), data, padding.PKCS1v15(), hashes.SHA256())
    assert signer.public_key().key_size == 2048
    assert "1234" not in repr(store)
    assert "1234" not in repr(signer)


def test_the_card_management_key_is_made_inside_and_signs_there(store: Any) -> None:
    import pkcs11  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415

    signer = store.generate_ec("hsm-test-card-management")
    assert signer.is_extractable() is False
    with pytest.raises(pkcs11.AttributeSensitive):
        signer._key[pkcs11.Attribute.VALUE]
    assert isinstance(signer.public_key().curve, ec.SECP256R1)
    data = b"an admin command and its challenge"
    signer.public_key().verify(signer.sign(data), data, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(CaKeyExists):
        store.generate_ec("hsm-test-card-management")
    loaded = store.load_ec("hsm-test-card-management")
    assert loaded.public_key() == signer.public_key()
    assert store.load_ec("hsm-test-no-such-key") is None
    assert "1234" not in repr(signer)


def test_labels_are_exclusive_and_keys_load_again(store: Any, module: str) -> None:
    from mynumbercard.adapters.pki.hsm import Pkcs11KeyStore  # noqa: PLC0415

    made = store.generate("hsm-test-again")
    with pytest.raises(CaKeyExists):
        store.generate("hsm-test-again")
    with pytest.raises(CaKeyNotFound):
        store.load("hsm-test-missing")
    with Pkcs11KeyStore(module, "mnc", "1234") as other:
        loaded = other.load("hsm-test-again")
        assert loaded.public_key().public_numbers() == made.public_key().public_numbers()


def test_a_wrong_pin_or_a_missing_token_is_a_clear_error(store: Any, module: str) -> None:
    from mynumbercard.adapters.pki.hsm import Pkcs11KeyStore  # noqa: PLC0415

    with pytest.raises(WrongHsmPin):
        Pkcs11KeyStore(module, "mnc", "0000")
    with pytest.raises(HsmUnavailable):
        Pkcs11KeyStore(module, "no-such-token", "1234")
    with pytest.raises(HsmUnavailable):
        Pkcs11KeyStore("/nonexistent/libpkcs11.so", "mnc", "1234")


def test_a_hierarchy_lives_on_hsm_keys(store: Any, module: str, tmp_path: Path) -> None:
    from mynumbercard.adapters.pki.hsm import Pkcs11KeyStore  # noqa: PLC0415

    ca = CaHierarchy.initialise(
        tmp_path / "ca", keys=store, now=NOW, base_url="http://ca.test", crl_shards=4
    )
    with pytest.raises(CaAlreadyInitialised):
        CaHierarchy.initialise(tmp_path / "ca", keys=store, now=NOW, base_url="http://ca.test")
    with Pkcs11KeyStore(module, "mnc", "1234") as keys:
        reopened = CaHierarchy.open(tmp_path / "ca", keys=keys)
        reopened.verify_keys()
        holder_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([]))
            .sign(holder_key, hashes.SHA256())
            .public_bytes(serialization.Encoding.PEM)
        )
        holder = HolderIdentity(
            "鈴木　次郎",
            "スズキ　ジロウ",
            date(2001, 4, 2),
            "male",
            "北海道札幌市中央区北１条西２丁目",
        )
        for kind in CertKind:
            cert = reopened.issue(
                kind=kind,
                csr_pem=csr,
                serial=41,
                holder=holder if kind is CertKind.SIGN else None,
                not_before=NOW,
                not_after=NOW + timedelta(days=365),
            )
            cert.verify_directly_issued_by(ca.issuing_certificate(kind))
        with pytest.raises(InvalidCsr):
            reopened.issue(
                kind=CertKind.AUTH,
                csr_pem=csr.replace(b"A", b"B", 1),
                serial=42,
                holder=None,
                not_before=NOW,
                not_after=NOW + timedelta(days=1),
            )
        crl = x509.load_der_x509_crl(
            reopened.build_crl(
                kind=CertKind.SIGN,
                shard=1,
                entries=[RevokedEntry(41, NOW, x509.ReasonFlags.certificate_hold)],
                number=1,
                this_update=NOW,
                next_update=NOW + timedelta(days=1),
            )
        )
        assert crl.is_signature_valid(ca.issuing_certificate(CertKind.SIGN).public_key())  # type: ignore[arg-type]
        response = ocsp.load_der_ocsp_response(
            reopened.ocsp_response(
                kind=CertKind.AUTH,
                serial=41,
                status=OcspStatus.REVOKED,
                revoked_at=NOW,
                reason=x509.ReasonFlags.key_compromise,
                this_update=NOW,
                next_update=NOW + timedelta(days=1),
            )
        )
        responder = ca.ocsp_certificate(CertKind.AUTH)
        responder_key = responder.public_key()
        assert isinstance(responder_key, rsa.RSAPublicKey)
        responder_key.verify(
            response.signature, response.tbs_response_bytes, padding.PKCS1v15(), hashes.SHA256()
        )
        assert response.revocation_reason is x509.ReasonFlags.key_compromise
