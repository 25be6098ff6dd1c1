"""The file key store: encrypted at rest, exclusive, clear errors, no way out for a key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mynumbercard.adapters.pki import (
    CaKeyNotFound,
    FileKeyStore,
    WrongCaKeyPassphrase,
)
from mynumbercard.adapters.pki.errors import CaKeyExists
from mynumbercard.adapters.pki.keys import CaKeyUnreadable, SignerKey
from mynumbercard.domain import errors


@pytest.fixture
def store(tmp_path: Path) -> FileKeyStore:
    return FileKeyStore(tmp_path / "keys", "correct horse battery staple")


def test_a_generated_key_signs_with_pkcs1v15_sha256_and_loads_back(store: FileKeyStore) -> None:
    signer = store.generate("root")
    signature = signer.sign(b"to be signed")
    signer.public_key().verify(signature, b"to be signed", padding.PKCS1v15(), hashes.SHA256())
    loaded = store.load("root")
    assert loaded.public_key().public_numbers() == signer.public_key().public_numbers()
    assert signer.public_key().key_size == 2048


def test_the_key_file_is_encrypted_and_private(store: FileKeyStore) -> None:
    store.generate("root")
    path = store.directory / "root.key.pem"
    pem = path.read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(pem, password=None)


def test_a_wrong_passphrase_is_a_clear_domain_error(store: FileKeyStore) -> None:
    store.generate("root")
    other = FileKeyStore(store.directory, "wrong passphrase")
    with pytest.raises(WrongCaKeyPassphrase) as caught:
        other.load("root")
    assert isinstance(caught.value, errors.AuthenticationFailed)
    assert caught.value.message == "wrong CA key passphrase"
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_the_passphrase_never_shows(store: FileKeyStore) -> None:
    signer = store.generate("root")
    assert "horse" not in repr(store)
    assert "horse" not in repr(signer)
    assert "horse" not in repr(SignerKey(signer))


def test_an_empty_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(errors.InvalidInput):
        FileKeyStore(tmp_path, "")


def test_labels_are_exclusive_and_must_exist(store: FileKeyStore) -> None:
    first = store.generate("root")
    with pytest.raises(CaKeyExists):
        store.generate("root")
    assert store.load("root").public_key().public_numbers() == first.public_key().public_numbers()
    with pytest.raises(CaKeyNotFound):
        store.load("missing")
    with pytest.raises(errors.InvalidInput):
        store.load("../escape")


def test_a_damaged_or_plain_key_file_is_refused_clearly(store: FileKeyStore) -> None:
    store.directory.mkdir(parents=True)
    (store.directory / "junk.key.pem").write_bytes(b"not a key at all")
    with pytest.raises(CaKeyUnreadable):
        store.load("junk")
    plain = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (store.directory / "plain.key.pem").write_bytes(plain)
    with pytest.raises(CaKeyUnreadable):
        store.load("plain")
    (store.directory / "plain.key.pem").unlink()  # planted: the run's leak scan finds it


def test_the_signer_key_adapter_only_signs(store: FileKeyStore) -> None:
    key = SignerKey(store.generate("root"))
    signature = key.sign(b"data", padding.PKCS1v15(), hashes.SHA256())
    key.public_key().verify(signature, b"data", padding.PKCS1v15(), hashes.SHA256())
    assert key.key_size == 2048
    with pytest.raises(TypeError):
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    with pytest.raises(TypeError):
        key.private_numbers()
    with pytest.raises(ValueError, match="PKCS1-v1_5 and SHA-256"):
        key.sign(b"data", padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    with pytest.raises(ValueError, match="PKCS1-v1_5 and SHA-256"):
        key.sign(b"data", pss, hashes.SHA256())
