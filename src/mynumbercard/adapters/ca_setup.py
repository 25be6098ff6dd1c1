"""Creating and opening the CA: keys in files or an HSM, the hierarchy, the card key."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509

from mynumbercard.adapters.card_terminal import MANAGEMENT_KEY_FILE, CardManagementKey
from mynumbercard.adapters.certificate_authority import AuditHeadChecker, JpkiAuthority
from mynumbercard.adapters.pki import CaHierarchy, CaSigner, FileKeyStore, KeyStore, authorities
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from mynumbercard.adapters.pki.hsm import Pkcs11KeyStore

OLD_PASSPHRASE_FILE = "passphrase"  # noqa: S105 - where it once lay, beside the keys
Prompt = Callable[[str], str]


@dataclass(frozen=True)
class CaConfig:
    directory: Path
    passphrase: str | None
    base_url: str
    crl_shards: int
    pkcs11_module: str | None = None
    pkcs11_token: str | None = None
    pkcs11_pin: str | None = None
    passphrase_file: Path | None = None
    prompt: Prompt | None = None  # asks on a terminal; None where nobody can answer

    def __repr__(self) -> str:
        return f"CaConfig(directory={str(self.directory)!r}, hsm={self.pkcs11_module!r})"


class PassphraseBesideKeys(Conflict):
    code = "ca_passphrase_beside_keys"


class NoPassphrase(InvalidInput):
    code = "ca_passphrase_missing"


def _inside(path: Path, directory: Path) -> bool:
    return path.resolve().is_relative_to(directory.resolve())


def _read_file(path: Path, config: CaConfig) -> bytes:
    if _inside(path, config.directory):
        raise PassphraseBesideKeys(
            f"MYNUMBERCARD_CA_PASSPHRASE_FILE ({path}) lies inside the CA's directory "
            f"({config.directory}): keep the passphrase away from the keys it protects")
    mode = path.stat().st_mode
    if mode & 0o077:
        raise InvalidInput(f"the CA passphrase file {path} is readable by others "
                           f"(mode {mode & 0o777:04o}): chmod 600 {path}")
    secret = path.read_bytes().strip()
    if not secret:
        raise InvalidInput(f"the CA passphrase file {path} is empty")
    return secret


def write_passphrase_file(path: Path) -> bytes:
    """A new random passphrase in `path` (0600, its directory 0700); never overwrites."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    secret = secrets.token_urlsafe(32).encode()
    with os.fdopen(fd, "wb") as out:
        out.write(secret)
    return secret


def _passphrase(config: CaConfig, *, create: bool) -> bytes:
    """The operator's passphrase: the environment, a file they name outside the CA's
    directory, or a prompt. A passphrase file left beside the keys by an older version
    is refused, with the command that moves it."""
    old = config.directory / OLD_PASSPHRASE_FILE
    if old.exists():
        raise PassphraseBesideKeys(
            f"the CA passphrase lies beside the keys ({old}); move it out and name it: "
            f"install -d -m 700 /etc/mynumbercard && mv {old} /etc/mynumbercard/ca-passphrase"
            " && export MYNUMBERCARD_CA_PASSPHRASE_FILE=/etc/mynumbercard/ca-passphrase")
    if config.passphrase:
        return config.passphrase.encode()
    if config.passphrase_file is not None:
        path = config.passphrase_file
        if path.exists():
            return _read_file(path, config)
        if not create:
            raise NoPassphrase(f"the CA passphrase file {path} does not exist")
        if _inside(path, config.directory):
            _read_file(path, config)  # the same refusal as for an existing file
        return write_passphrase_file(path)
    if not create and not (config.directory / "ca.json").exists():
        raise NotFound("no CA here: run `mynumbercard ca init` first")
    if config.prompt is not None:
        secret = config.prompt("CA key passphrase: ")
        if create and config.prompt("The same again: ") != secret:
            raise InvalidInput("the two passphrases differ")
        if secret:
            return secret.encode()
    raise NoPassphrase("no CA passphrase: set MYNUMBERCARD_CA_PASSPHRASE_FILE to a file "
                       "(mode 0600, outside the CA's directory), run from a terminal to be "
                       "asked, or keep the keys in an HSM (MYNUMBERCARD_PKCS11_*)")


def document_passphrase(config: CaConfig) -> bytes:
    """The passphrase the municipalities' document-signing keys are sealed with: the CA
    operator's own (adapters/document_signing.py)."""
    return _passphrase(config, create=False)


def key_store(config: CaConfig, *, create: bool = False) -> KeyStore:
    if config.pkcs11_module:
        from mynumbercard.adapters.pki.hsm import Pkcs11KeyStore  # noqa: PLC0415 - C ext

        if not config.pkcs11_token or not config.pkcs11_pin:
            raise InvalidInput("an HSM needs MYNUMBERCARD_PKCS11_TOKEN and _PKCS11_PIN")
        return Pkcs11KeyStore(config.pkcs11_module, config.pkcs11_token, config.pkcs11_pin)
    return FileKeyStore(config.directory / "keys", _passphrase(config, create=create))


def _management_label(hierarchy: CaHierarchy) -> str:
    return f"mnc-{hierarchy.ident}-card-management"


def initialise(config: CaConfig, *, now: datetime) -> CaHierarchy:
    """Create the hierarchy and the card-management key (in the HSM when the CA keys
    are); refuse an existing one."""
    if (config.directory / "ca.json").exists():
        raise Conflict(f"a CA exists already in {config.directory}: refusing to overwrite it")
    keys = key_store(config, create=True)
    hierarchy = CaHierarchy.initialise(config.directory, keys=keys, now=now,
                                       base_url=config.base_url, crl_shards=config.crl_shards)
    if isinstance(keys, FileKeyStore):
        CardManagementKey.create(config.directory, _passphrase(config, create=True))
    else:
        _token(keys).generate_ec(_management_label(hierarchy))
    return hierarchy


def audit_head_checker(config: CaConfig) -> AuditHeadChecker:
    """The signature CA's certificate from `ca.json`, without opening any key."""
    metadata = authorities.read_metadata(config.directory)
    pem = metadata["certificates"][CertKind.SIGN.value]
    return AuditHeadChecker(x509.load_pem_x509_certificate(pem.encode("ascii")))


def issuing_certificate(config: CaConfig, kind: CertKind) -> x509.Certificate:
    """An issuing CA's certificate from `ca.json`, without opening any key (checking a
    card's answer needs no passphrase)."""
    metadata = authorities.read_metadata(config.directory)
    pem = metadata["certificates"][kind.value]
    return x509.load_pem_x509_certificate(pem.encode("ascii"))


class _NoKeys:
    """A key store that opens nothing: the CA's public side needs no passphrase."""

    def generate(self, label: str) -> CaSigner:
        raise NoPassphrase("the CA's public side opens no key")

    def load(self, label: str) -> CaSigner:
        raise NoPassphrase("the CA's public side opens no key")


def public_authority(config: CaConfig) -> JpkiAuthority:
    """The CA's certificates and settings from `ca.json`, without a passphrase or any
    key (the console's CA page on a web server that cannot sign)."""
    return JpkiAuthority(CaHierarchy.open(config.directory, keys=_NoKeys()))


def open_authority(config: CaConfig) -> JpkiAuthority:
    return JpkiAuthority(CaHierarchy.open(config.directory, keys=key_store(config)))


def management_key(config: CaConfig) -> CardManagementKey:
    """The card-management key: in the HSM when the CA keys are (a CA made before the
    key moved there keeps its file), else in its passphrase-encrypted file."""
    keys = key_store(config)
    if isinstance(keys, FileKeyStore):
        return CardManagementKey.load(config.directory, _passphrase(config, create=False))
    hierarchy = CaHierarchy.open(config.directory, keys=keys)
    label = _management_label(hierarchy)
    signer = _token(keys).load_ec(label)
    if signer is None:
        if not (config.directory / MANAGEMENT_KEY_FILE).exists():
            raise NotFound(f"no card-management key labelled {label!r} in the token")
        return CardManagementKey.load(config.directory, _passphrase(config, create=False))
    return CardManagementKey(signer)


def _token(keys: KeyStore) -> Pkcs11KeyStore:
    from mynumbercard.adapters.pki.hsm import Pkcs11KeyStore  # noqa: PLC0415 - C ext

    if not isinstance(keys, Pkcs11KeyStore):  # pragma: no cover - only two kinds of store
        raise InvalidInput(f"no card-management key in {keys!r}")
    return keys
