"""The CA hierarchy: a root, an issuing CA for signature certificates and one for
user-authentication certificates, and a delegated OCSP signer under each issuing CA.

The hierarchy lives in one file, `ca.json` in its directory (metadata, key labels and
the certificates in PEM), created exclusively and replaced atomically; the private keys
stay in the `KeyStore`, loaded on first use and checked against their certificates.
Every signature goes through a `CaSigner`, whether the key is in a file or an HSM.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from mynumbercard.adapters.pki import authorities, crl, profiles
from mynumbercard.adapters.pki.authorities import SHA256, aware
from mynumbercard.adapters.pki.errors import (
    CaAlreadyInitialised,
    MissingHolderIdentity,
    PersonalDataNotAllowed,
)
from mynumbercard.adapters.pki.keys import CaSigner, KeyStore, SignerKey, same_public_key
from mynumbercard.adapters.pki.ocsp import OcspSigning, OcspStatus, issuer_hashes
from mynumbercard.adapters.pki.profiles import CertKind, HolderIdentity
from mynumbercard.domain import errors

MAX_SERIAL = 2**159  # serials are positive and at most 20 octets (RFC 5280 §4.1.2.2)
MAX_SHARDS = 65536
# OCSP CertIDs name issuers by SHA-1 hashes (RFC 5019 §2.1.1), not as a signature.
_SHA1 = hashes.SHA1()  # noqa: S303
CERT_ID_HASHES = (_SHA1, hashes.SHA256(), hashes.SHA384(), hashes.SHA512())


class CaHierarchy:
    """Open with `CaHierarchy.open`, create with `CaHierarchy.initialise`."""

    def __init__(self, directory: Path, keys: KeyStore, metadata: dict[str, Any]) -> None:
        self.directory = directory
        self._keys = keys
        self._metadata = metadata
        self.base_url: str = metadata["base_url"]
        self.crl_shards: int = metadata["crl_shards"]
        self._certificates = {
            role: x509.load_pem_x509_certificate(pem.encode("ascii"))
            for role, pem in metadata["certificates"].items()
        }
        self._signers: dict[str, CaSigner] = {}
        self._ocsp: dict[CertKind, OcspSigning] = {}
        self._lock = threading.Lock()
        self._issuer_index: dict[tuple[str, bytes, bytes], CertKind] = {}
        for kind in CertKind:
            for algorithm in CERT_ID_HASHES:
                name_hash, key_hash = issuer_hashes(self._certificates[kind], algorithm)
                self._issuer_index[(algorithm.name, name_hash, key_hash)] = kind
        self._names = {kind: self._certificates[kind].subject.public_bytes() for kind in CertKind}
        self._key_ids = {
            kind: self._certificates[kind]
            .extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            .value.digest
            for kind in CertKind
        }

    def __repr__(self) -> str:
        return f"CaHierarchy(directory={str(self.directory)!r}, id={self._metadata['id']!r})"

    # --- creating and opening ---------------------------------------------------------

    @classmethod
    def initialise(
        cls,
        directory: Path,
        *,
        keys: KeyStore,
        now: datetime,
        base_url: str,
        crl_shards: int = 64,
        ocsp_lifetime: timedelta = authorities.OCSP_LIFETIME,
    ) -> CaHierarchy:
        """Make the keys and certificates; `CaAlreadyInitialised` if there is a hierarchy."""
        now = aware(now, "now")
        base_url = base_url.rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise errors.InvalidInput("the CA base URL must be an http(s) URL")
        if not 1 <= crl_shards <= MAX_SHARDS:
            raise errors.InvalidInput(f"crl_shards must be between 1 and {MAX_SHARDS}")
        directory = Path(directory)
        if (directory / authorities.METADATA).exists():
            raise CaAlreadyInitialised()
        ident = secrets.token_hex(4)
        labels = authorities.key_labels(ident)
        signers = {role: keys.generate(label) for role, label in labels.items()}
        certificates = authorities.create_authorities(
            signers, ident=ident, now=now, ocsp_lifetime=ocsp_lifetime
        )
        metadata = {
            "format": 1,
            "id": ident,
            "base_url": base_url,
            "crl_shards": crl_shards,
            "created_at": now.isoformat(),
            "keys": labels,
            "certificates": {role: authorities.pem(cert) for role, cert in certificates.items()},
        }
        directory.mkdir(parents=True, exist_ok=True)
        authorities.write_metadata(directory, metadata, exclusive=True)
        hierarchy = cls(directory, keys, metadata)
        hierarchy._signers.update(signers)
        return hierarchy

    @classmethod
    def open(cls, directory: Path, *, keys: KeyStore) -> CaHierarchy:
        """The hierarchy in directory; `CaNotInitialised` if there is none. Keys load
        on first use (a wrong passphrase shows then, as `WrongCaKeyPassphrase`)."""
        directory = Path(directory)
        metadata = authorities.read_metadata(directory)
        try:
            return cls(directory, keys, metadata)
        except (KeyError, TypeError, ValueError) as exc:
            raise errors.Conflict(f"the CA metadata in {directory} is damaged") from exc

    @property
    def ident(self) -> str:
        """The hierarchy's random id (in every CA name and key label)."""
        return str(self._metadata["id"])

    def verify_keys(self) -> None:
        """Load the keys the CA works with (both issuing CAs and both OCSP signers) and
        check them against their certificates: a start-up check, where a wrong passphrase
        or PIN or a missing or foreign key shows. The root key is used only by
        `initialise`, so it may be taken offline afterwards; it is not loaded here."""
        with self._lock:
            for role in self._metadata["keys"]:
                if role != "root":
                    self._load(role)

    def renew_ocsp_signer(
        self, kind: CertKind, *, now: datetime, lifetime: timedelta = authorities.OCSP_LIFETIME
    ) -> x509.Certificate:
        """A fresh delegated OCSP key and certificate for kind (do it well before expiry)."""
        kind = CertKind(kind)
        now = aware(now, "now")
        role = f"{kind}-ocsp"
        with self._lock:
            label = authorities.next_ocsp_label(self._metadata["keys"][role])
            signer = self._keys.generate(label)
            cert = authorities.ocsp_certificate(
                kind=kind,
                ident=self._metadata["id"],
                issuer=self._certificates[kind],
                issuer_signer=self._load(kind),
                public_key=signer.public_key(),
                now=now,
                lifetime=lifetime,
            )
            self._metadata["keys"][role] = label
            self._metadata["certificates"][role] = authorities.pem(cert)
            authorities.write_metadata(self.directory, self._metadata, exclusive=False)
            self._certificates[role] = cert
            self._signers[role] = signer
            self._ocsp.pop(kind, None)
            return cert

    def _load(self, role: str) -> CaSigner:
        signer = self._signers.get(role)
        if signer is None:
            signer = self._keys.load(self._metadata["keys"][role])
            same_public_key(signer, self._certificates[role].public_key())
            self._signers[role] = signer
        return signer

    def _signer(self, role: str) -> CaSigner:
        with self._lock:
            return self._load(role)

    # --- certificates -----------------------------------------------------------------

    @property
    def root_certificate(self) -> x509.Certificate:
        return self._certificates["root"]

    def issuing_certificate(self, kind: CertKind) -> x509.Certificate:
        return self._certificates[CertKind(kind)]

    def ocsp_certificate(self, kind: CertKind) -> x509.Certificate:
        return self._certificates[f"{CertKind(kind)}-ocsp"]

    def export(self, target: Path) -> list[Path]:
        """Write root.pem, sign-ca.pem, auth-ca.pem and ocsp.pem (both OCSP signers)."""
        target = Path(target)
        target.mkdir(parents=True, exist_ok=True)

        def pem(*roles: str) -> bytes:
            return b"".join(
                self._certificates[r].public_bytes(serialization.Encoding.PEM) for r in roles
            )

        files = {
            "root.pem": pem("root"),
            "sign-ca.pem": pem("sign"),
            "auth-ca.pem": pem("auth"),
            "ocsp.pem": pem("sign-ocsp", "auth-ocsp"),
        }
        for name, data in files.items():
            (target / name).write_bytes(data)
        return [target / name for name in files]

    def issue(
        self,
        *,
        kind: CertKind,
        csr_pem: bytes,
        serial: int,
        holder: HolderIdentity | None,
        not_before: datetime,
        not_after: datetime,
    ) -> x509.Certificate:
        """Sign a certificate for the key in csr_pem (whose signature must verify)."""
        kind = CertKind(kind)
        if kind is CertKind.SIGN and holder is None:
            raise MissingHolderIdentity("a signature certificate needs the holder's identity")
        if kind is CertKind.AUTH and holder is not None:
            raise PersonalDataNotAllowed(
                "a user-authentication certificate carries no personal data"
            )
        if isinstance(serial, bool) or not 0 < serial < MAX_SERIAL:
            raise errors.InvalidInput("the serial must be a positive integer of at most 20 octets")
        not_before = aware(not_before, "not_before")
        not_after = aware(not_after, "not_after")
        issuer = self._certificates[kind]
        if not not_before < not_after:
            raise errors.InvalidDates("not_before must be before not_after")
        if not_before < issuer.not_valid_before_utc or not_after > issuer.not_valid_after_utc:
            raise errors.InvalidDates("the validity must lie within the issuing CA's own")
        public_key = authorities.csr_public_key(csr_pem)
        shard = self.shard_of(serial)
        builder = profiles.subscriber_certificate(
            kind=kind,
            issuer=issuer,
            public_key=public_key,
            serial=serial,
            holder=holder,
            not_before=not_before,
            not_after=not_after,
            crl_url=self.crl_url(kind, shard),
            delta_crl_url=self.crl_url(kind, shard, delta=True),
            ocsp_url=self.ocsp_url,
            ca_issuers_url=self.ca_issuers_url(kind),
        )
        return builder.sign(SignerKey(self._signer(kind)), SHA256)

    # --- status: CRLs and OCSP --------------------------------------------------------

    @property
    def ocsp_url(self) -> str:
        return f"{self.base_url}/ocsp"

    def ca_issuers_url(self, kind: CertKind) -> str:
        """Where the issuing CA's certificate is served, DER (the web layer serves it)."""
        return f"{self.base_url}/ca/{CertKind(kind)}-ca.cer"

    def shard_of(self, serial: int) -> int:
        return serial % self.crl_shards

    def crl_url(self, kind: CertKind, shard: int, *, delta: bool = False) -> str:
        if not 0 <= shard < self.crl_shards:
            raise errors.InvalidInput(f"CRL shard must be between 0 and {self.crl_shards - 1}")
        return f"{self.base_url}/crl/{CertKind(kind)}/{shard}{'-delta' if delta else ''}.crl"

    def build_crl(
        self,
        *,
        kind: CertKind,
        shard: int,
        entries: Iterable[crl.RevokedEntry],
        number: int,
        this_update: datetime,
        next_update: datetime,
        delta_base: int | None = None,
    ) -> bytes:
        """A signed full (or, with delta_base, delta) CRL for one shard, DER."""
        kind = CertKind(kind)
        shards = self.crl_shards
        return crl.build_crl(
            signer=self._signer(kind),
            issuer_name=self._names[kind],
            authority_key_id=self._key_ids[kind],
            entries=entries,
            belongs=lambda serial: serial % shards == shard,
            number=number,
            this_update=this_update,
            next_update=next_update,
            scope_url=self.crl_url(kind, shard),
            freshest_url=self.crl_url(kind, shard, delta=True),
            delta_base=delta_base,
        )

    def sign_statement(self, kind: CertKind, data: bytes) -> bytes:
        """kind's issuing CA signs `data` (RSASSA-PKCS1-v1_5, SHA-256): a detached
        signature, checked with that CA's certificate. Refused for anything that starts
        like DER (a SEQUENCE), so it can never stand for a certificate's or a CRL's."""
        if not data or data[0] == 0x30:
            raise errors.InvalidInput("the CA signs statements, never DER structures")
        return self._signer(CertKind(kind)).sign(data)

    def ocsp_response(
        self,
        *,
        kind: CertKind,
        serial: int,
        status: OcspStatus,
        revoked_at: datetime | None,
        reason: x509.ReasonFlags | None,
        this_update: datetime,
        next_update: datetime,
        hash_algorithm: hashes.HashAlgorithm | None = None,
        produced_at: datetime | None = None,
    ) -> bytes:
        """A complete, successful OCSPResponse (DER) signed by kind's OCSP signer."""
        kind = CertKind(kind)
        responder = self._certificates[f"{kind}-ocsp"]
        if aware(this_update, "this_update") >= responder.not_valid_after_utc:
            raise errors.Conflict(f"the {kind} OCSP signer has expired: renew it")
        signing = self._ocsp.get(kind)
        if signing is None:
            signer = self._signer(f"{kind}-ocsp")
            signing = OcspSigning(
                issuer=self._certificates[kind], responder=responder, signer=signer
            )
            self._ocsp[kind] = signing
        return signing.response(
            serial=serial,
            status=OcspStatus(status),
            revoked_at=revoked_at,
            reason=reason,
            this_update=this_update,
            next_update=next_update,
            produced_at=produced_at or this_update,
            hash_algorithm=hash_algorithm or _SHA1,
        )

    def kind_for_issuer(
        self,
        *,
        issuer_name_hash: bytes,
        issuer_key_hash: bytes,
        hash_algorithm: hashes.HashAlgorithm,
    ) -> CertKind | None:
        """Which of our issuing CAs an OCSP CertID names, if any."""
        return self._issuer_index.get((hash_algorithm.name, issuer_name_hash, issuer_key_hash))

    def issuer_key_hash(self, kind: CertKind) -> bytes:
        """The SHA-1 issuerKeyHash of a CertID naming this issuing CA: the prefix of its
        certificates' keys in the OCSP answer store."""
        return issuer_hashes(self._certificates[kind], hashes.SHA1())[1]  # noqa: S303 - RFC 5019 CertID
