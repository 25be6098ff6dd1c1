"""The municipalities' document-signing keys, from an organisational CA of their own
(as LGPKI is in Japan, apart from the JPKI CA of individuals), and the PAdES signature
(pyHanko) on each document a kiosk prints (docs/services.md "The document").

The CA lives in its own directory (`<home>/documents-ca`, beside but apart from the
JPKI CA): `root.pem` and `root.key.pem`, then `<code>.pem` / `<code>.key.pem` per
municipality, made when it first signs. Keys are PKCS#8 encrypted with the CA
passphrase; files are written once (O_EXCL) so that two processes never make two keys
for one municipality.
"""

from __future__ import annotations

import asyncio
import io
import os
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from mynumbercard.adapters.documents.kiosk_certificate import render
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.services.kiosk_ports import DocumentContent

ROOT_NAME = "mynumbercard Local Government Organisation Root CA"
ROOT_YEARS, SIGNER_YEARS = 20, 5
ROOT_FILE = "root.pem"
T = TypeVar("T")
SIGNATURE_SPACE = 8192  # bytes of the CMS (about 2.4 KB with both certificates)


def _name(common: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write_once(path: Path, data: bytes) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return True


class DocumentAuthority:
    """The organisational CA and the municipalities' signing keys."""

    def __init__(self, directory: Path, passphrase: Callable[[], bytes]) -> None:
        self._dir = directory
        self._passphrase_source = passphrase  # asked only when a key is opened or made
        self._lock = threading.Lock()
        self._signers: dict[str, signers.SimpleSigner] = {}

    def __repr__(self) -> str:
        return f"DocumentAuthority({str(self._dir)!r})"

    @cached_property
    def _passphrase(self) -> bytes:
        return self._passphrase_source()

    def _key_pem(self, key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.BestAvailableEncryption(self._passphrase))

    def _load_key(self, path: Path) -> ec.EllipticCurvePrivateKey:
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), self._passphrase)
        except ValueError:
            raise InvalidInput(f"cannot open {path}: wrong CA passphrase?") from None
        assert isinstance(key, ec.EllipticCurvePrivateKey)  # noqa: S101 - we wrote it
        return key

    def root(self, now: datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        """The root, made on first use."""
        cert_path, key_path = self._dir / ROOT_FILE, self._dir / "root.key.pem"
        if not cert_path.exists():
            self._dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            key = ec.generate_private_key(ec.SECP256R1())
            name = _name(ROOT_NAME, "mynumbercard")
            public = key.public_key()
            cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                    .public_key(public).serial_number(x509.random_serial_number())
                    .not_valid_before(now - timedelta(minutes=5))
                    .not_valid_after(now + timedelta(days=365 * ROOT_YEARS))
                    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                    .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                                 False, False), critical=True)
                    .add_extension(x509.SubjectKeyIdentifier.from_public_key(public),
                                   critical=False)
                    .sign(key, hashes.SHA256()))
            if _write_once(key_path, self._key_pem(key)):
                _write_once(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        return (x509.load_pem_x509_certificate(cert_path.read_bytes()),
                self._load_key(key_path))

    def root_pem(self, now: datetime) -> bytes:
        """The root certificate (public: made, with the passphrase, only the first time)."""
        path = self._dir / ROOT_FILE
        if path.exists():
            return path.read_bytes()
        return self.root(now)[0].public_bytes(serialization.Encoding.PEM)

    def _signer_files(self, code: str, name: str, now: datetime) -> tuple[bytes, bytes]:
        if not (code.isascii() and code.isdigit() and len(code) == 5):
            raise InvalidInput("a municipality code is 5 digits")
        cert_path, key_path = self._dir / f"{code}.pem", self._dir / f"{code}.key.pem"
        if not cert_path.exists():
            root_cert, root_key = self.root(now)
            key = ec.generate_private_key(ec.SECP256R1())
            cert = (x509.CertificateBuilder()
                    .subject_name(_name(f"{name}長 文書署名", name))
                    .issuer_name(root_cert.subject).public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(now - timedelta(minutes=5))
                    .not_valid_after(now + timedelta(days=365 * SIGNER_YEARS))
                    .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                                   critical=True)
                    .add_extension(x509.KeyUsage(True, True, False, False, False, False, False,
                                                 False, False), critical=True)
                    .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                        root_key.public_key()), critical=False)
                    .sign(root_key, hashes.SHA256()))
            if _write_once(key_path, self._key_pem(key)):
                _write_once(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        return cert_path.read_bytes(), key_path.read_bytes()

    def signer(self, code: str, name: str, now: datetime) -> signers.SimpleSigner:
        """The municipality's pyHanko signer, loaded once per process."""
        with self._lock:
            found = self._signers.get(code)
            if found is not None:
                return found
            cert_pem, _ = self._signer_files(code, name, now)
            key = self._load_key(self._dir / f"{code}.key.pem")
            key_der = key.private_bytes(serialization.Encoding.DER,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
            cert = x509.load_pem_x509_certificate(cert_pem)
            root = self.root(now)[0]
            made = _LoadedKeySigner(
                key,
                signing_cert=asn1_x509.Certificate.load(
                    cert.public_bytes(serialization.Encoding.DER)),
                signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
                cert_registry=_store([asn1_x509.Certificate.load(
                    root.public_bytes(serialization.Encoding.DER))]))
            self._signers[code] = made
            return made


class _LoadedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses its private key from DER at every signature; this
    one signs with the key loaded once (ECDSA with SHA-256, as every document is
    signed), and leaves anything else to pyHanko."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._loaded = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        if digest_algorithm != "sha256":
            return super().sign_raw(data, digest_algorithm)
        return self._loaded.sign(data, ec.ECDSA(hashes.SHA256()))


def _store(roots: list[asn1_x509.Certificate]) -> SimpleCertificateStore:
    store: SimpleCertificateStore = SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call,unused-ignore]
        roots)
    return store


class SignedDocumentPrinter:
    """The kiosk's `DocumentPrinter`: render, then sign PAdES (baseline B) with the
    municipality's key."""

    def __init__(self, authority: DocumentAuthority) -> None:
        self._authority = authority

    def produce(self, content: DocumentContent) -> bytes:
        unsigned = render(content)
        signer = self._authority.signer(content.municipality_code,
                                        content.municipality_name, content.issued_at)
        writer = IncrementalPdfFileWriter(io.BytesIO(unsigned))
        meta = signers.PdfSignatureMetadata(
            field_name="MunicipalitySignature", md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=f"{content.document.title_ja} {content.verification_code}",
            location=content.municipality_name)
        # A fixed reservation spares pyHanko a trial signature to measure its size.
        out = _run(lambda: signers.async_sign_pdf(writer, meta, signer=signer,
                                                  timestamper=None,
                                                  bytes_reserved=SIGNATURE_SPACE))
        return bytes(out.getvalue())


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """pyHanko signs in a coroutine. Run it here, or, where this thread already runs an
    event loop (a caller that is itself asynchronous), on a thread of its own: its
    synchronous `sign_pdf` would fail there with "asyncio.run() cannot be called from a
    running event loop"."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()
