"""The card file: a versioned JSON document with an integrity digest, written atomically.

```
{"format": "mynumbercard-card-file", "version": 1,
 "body": {...}, "body_sha256": "<hex SHA-256 of the canonical JSON of body>"}
```

The canonical JSON is ``json.dumps(body, sort_keys=True, separators=(",", ":"),
ensure_ascii=True)``. The digest detects truncation and corruption; it is not a MAC
(anyone with the file can recompute it), because the file stands for a tamper-resistant
chip and must be kept like the card. Every read checks the marker, the version, the
digest and each field's type and range, and raises ``CardError`` naming what is wrong
(a field path, never a value). See ``docs/chip.md`` for the fields.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mynumbercard.chip.keys import KeyKind
from mynumbercard.chip.pins import PinRecord, params_in_bounds
from mynumbercard.domain import errors
from mynumbercard.domain.pins import POLICIES, CardError, PinKind

FORMAT = "mynumbercard-card-file"
VERSION = 1
MAX_FILE_BYTES = 1024 * 1024  # a card file is a few kilobytes


@dataclass(frozen=True, slots=True)
class KeySlot:
    private_key: bytes = field(repr=False)  # PKCS#8 DER, never leaves the chip package
    certificate: bytes | None = field(default=None, repr=False)  # X.509 DER


@dataclass(frozen=True, slots=True)
class CardState:
    card_id: str
    management_key: bytes = field(repr=False)  # SubjectPublicKeyInfo DER
    management_key_fingerprint: str  # hex SHA-256 of management_key
    challenge: bytes | None = field(repr=False)
    pins: Mapping[PinKind, PinRecord | None]
    keys: Mapping[KeyKind, KeySlot | None] = field(repr=False)
    card_face: Mapping[str, str] = field(repr=False)
    # the issuing CA's certificates (DER) for readers (JPKI EFs 0002 and 000B); optional
    ca_certificates: Mapping[KeyKind, bytes] = field(default_factory=dict, repr=False)


MAX_CARD_ID = 64


def card_id_ok(card_id: object) -> bool:
    """A card id is 1 to 64 printable characters (it is framed, not escaped, in messages)."""
    return isinstance(card_id, str) and 0 < len(card_id) <= MAX_CARD_ID and card_id.isprintable()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _pin_json(record: PinRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "kdf": "scrypt",
        "n": record.n,
        "r": record.r,
        "p": record.p,
        "salt": _b64(record.salt),
        "hash": _b64(record.digest),
        "tries_left": record.tries_left,
    }


def _key_json(slot: KeySlot | None) -> dict[str, Any] | None:
    if slot is None:
        return None
    return {
        "private_key_pkcs8": _b64(slot.private_key),
        "certificate_der": None if slot.certificate is None else _b64(slot.certificate),
    }


def _body(state: CardState) -> dict[str, Any]:
    body: dict[str, Any] = {
        "card_id": state.card_id,
        "management_key": {
            "spki_der": _b64(state.management_key),
            "sha256": state.management_key_fingerprint,
        },
        "challenge": None if state.challenge is None else _b64(state.challenge),
        "pins": {kind.value: _pin_json(state.pins[kind]) for kind in PinKind},
        "keys": {kind.value: _key_json(state.keys[kind]) for kind in KeyKind},
        "card_face": dict(state.card_face),
    }
    if state.ca_certificates:  # absent in files written before it existed (sorted after
        # card_face, which stays first in the body)
        body["issuer_certificates"] = {
            kind.value: _b64(der) for kind, der in state.ca_certificates.items()
        }
    return body


def _canonical(body: Any) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def encode(state: CardState) -> bytes:
    body = _body(state)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "body": body,
        "body_sha256": hashlib.sha256(_canonical(body)).hexdigest(),
    }
    return json.dumps(document, sort_keys=True, indent=1, ensure_ascii=True).encode() + b"\n"


class _Fields:
    """Typed access to a parsed JSON object, raising ``CardError`` with the field path."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, dict):
            raise _bad(path, "an object")
        self.data: dict[str, object] = data
        self.path = path

    def _get(self, name: str) -> object:
        if name not in self.data:
            raise CardError(f"the card file is corrupted: field {self.path}.{name} is missing")
        return self.data[name]

    def obj(self, name: str) -> _Fields:
        return _Fields(self._get(name), f"{self.path}.{name}")

    def opt_obj(self, name: str) -> _Fields | None:
        value = self._get(name)
        return None if value is None else _Fields(value, f"{self.path}.{name}")

    def text(self, name: str) -> str:
        value = self._get(name)
        if not isinstance(value, str):
            raise _bad(f"{self.path}.{name}", "a string")
        return value

    def integer(self, name: str, low: int, high: int) -> int:
        value = self._get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _bad(f"{self.path}.{name}", f"an integer from {low} to {high}")
        return value

    def blob(self, name: str) -> bytes:
        try:
            return base64.b64decode(self.text(name), validate=True)
        except binascii.Error:
            raise _bad(f"{self.path}.{name}", "base64") from None

    def opt_blob(self, name: str) -> bytes | None:
        return None if self._get(name) is None else self.blob(name)


def _bad(path: str, expected: str) -> CardError:
    return CardError(f"the card file is corrupted: field {path} is not {expected}")


def _pin(fields: _Fields | None, kind: PinKind) -> PinRecord | None:
    if fields is None:
        return None
    if fields.text("kdf") != "scrypt":
        raise _bad(f"{fields.path}.kdf", '"scrypt"')
    n, r, p = (fields.integer(x, 1, 2**31) for x in ("n", "r", "p"))
    if not params_in_bounds(n, r, p):
        raise _bad(fields.path, "a PIN record with scrypt parameters in bounds")
    return PinRecord(
        tries_left=fields.integer("tries_left", 0, POLICIES[kind].max_tries),
        salt=fields.blob("salt"),
        digest=fields.blob("hash"),
        n=n,
        r=r,
        p=p,
    )


def _key(fields: _Fields | None) -> KeySlot | None:
    if fields is None:
        return None
    return KeySlot(fields.blob("private_key_pkcs8"), fields.opt_blob("certificate_der"))


def decode(raw: bytes) -> CardState:
    """The state in ``raw``; ``CardError`` for anything that is not an intact card file."""
    if not raw.strip():
        raise CardError("not a card file: the file is empty")
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise CardError(
            "not a card file, or a truncated one: the content is not valid JSON"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CardError(f"not a card file: the format marker {FORMAT!r} is missing")
    version = document.get("version")
    if version != VERSION:
        raise CardError(
            f"unsupported card file version {version!r}: this software reads version {VERSION}"
        )
    top = _Fields(document, "$")
    body = top.obj("body").data
    if hashlib.sha256(_canonical(body)).hexdigest() != top.text("body_sha256"):
        raise CardError(
            "the card file is corrupted: its integrity digest does not match its content"
        )
    fields = _Fields(body, "body")
    management = fields.obj("management_key")
    spki = management.blob("spki_der")
    fingerprint = management.text("sha256")
    if hashlib.sha256(spki).hexdigest() != fingerprint:
        raise _bad("body.management_key", "a key matching its fingerprint")
    pins, keys, face = fields.obj("pins"), fields.obj("keys"), fields.obj("card_face")
    card_face = {name: face.text(name) for name in face.data}
    ca_certificates: dict[KeyKind, bytes] = {}
    if "issuer_certificates" in body:
        cas = fields.obj("issuer_certificates")
        for name in cas.data:
            if name not in {kind.value for kind in KeyKind}:
                raise _bad(f"body.issuer_certificates.{name}", "a key kind")
            ca_certificates[KeyKind(name)] = cas.blob(name)
    card_id = fields.text("card_id")
    if not card_id_ok(card_id):
        raise _bad("body.card_id", f"1 to {MAX_CARD_ID} printable characters")
    return CardState(
        card_id=card_id,
        management_key=spki,
        management_key_fingerprint=fingerprint,
        challenge=fields.opt_blob("challenge"),
        pins={kind: _pin(pins.opt_obj(kind.value), kind) for kind in PinKind},
        keys={kind: _key(keys.opt_obj(kind.value)) for kind in KeyKind},
        card_face=card_face,
        ca_certificates=ca_certificates,
    )


def read(path: Path) -> CardState:
    """Read and check the card file at ``path``."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise errors.NotFound(f"no card file at {path}") from None
    except IsADirectoryError:
        raise CardError(f"not a card file: {path} is a directory") from None
    except OSError as exc:
        raise CardError(f"cannot read the card file {path}: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise CardError("not a card file: the file is far too large")
    return decode(raw)


def write(path: Path, state: CardState, *, create: bool = False) -> None:
    """Write ``state`` atomically: temporary file, fsync, rename, fsync of the directory.

    A crash leaves either the old file or the new one, never a mix. With ``create`` the
    file must not exist yet (``Conflict`` otherwise; nothing is overwritten).
    """
    data = encode(state)
    directory = path.parent
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if create:
            try:
                os.link(tmp, path)  # atomic, and fails if the path exists
            except FileExistsError:
                raise errors.Conflict(
                    f"a file already exists at {path}: refusing to overwrite it"
                ) from None
            except OSError:  # a file system without hard links: check, then rename
                if path.exists():
                    raise errors.Conflict(
                        f"a file already exists at {path}: refusing to overwrite it"
                    ) from None
                os.replace(tmp, path)
            else:
                tmp.unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_directory(directory)


def fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not possible on every platform; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
