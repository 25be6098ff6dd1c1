"""The leak scan: secrets and personal data outside the places they belong.

What it looks for, in every file under a directory (the data directories, the logs the
run wrote) and in every table of every SQLite database there:

- passwords and passphrases the tests know (their module constants), in plain text;
- private keys: PEM blocks, PKCS#8 / PKCS#1 DER, and the base64 of PKCS#8 DER;
- Individual Numbers held by the residents of the databases scanned, in any form: plain,
  grouped by spaces or hyphens, in full-width digits.

Where they belong (and so are not reported): numbers in the `residents` table, in card
files (the chip carries the card face) and in letters (PDF; their text is compressed
anyway); keys in a CA directory (`ca/`), in card files and in a PKCS#11 token's store;
a passphrase in the file that holds it (`*passphrase*`). An encrypted key is also
allowed in a key store's file (`*.key.pem`, such as a root key taken offline).
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
# Twelve digits, ASCII or full-width, in one run or grouped 4-4-4 by a space or a hyphen.
_DIGIT = "[0-9０-９]"
_SEPARATOR = "[ \\-‐－　]?"
NUMBER_PATTERN = re.compile(
    f"(?<![0-9０-９])({_DIGIT}{{4}}){_SEPARATOR}({_DIGIT}{{4}}){_SEPARATOR}({_DIGIT}{{4}})"
    f"(?![0-9０-９])")

_PEM_KEY = re.compile(rb"-----BEGIN ((?:RSA |EC |DSA |OPENSSH )?PRIVATE KEY)-----")
_PEM_ENCRYPTED = re.compile(rb"-----BEGIN ENCRYPTED PRIVATE KEY-----")
_DER_KEYS = {
    "PKCS#8 RSA key (DER)": bytes.fromhex("020100300d06092a864886f70d01010105000482"),
    "PKCS#8 EC key (DER)": bytes.fromhex("020100301306072a8648ce3d0201"),
    "PKCS#8 RSA key (base64)": b"BgkqhkiG9w0BAQEFAASC",
    "PKCS#8 EC key (base64)": b"AgEAMBMGByqGSM49AgEG",
}
_PKCS1_RSA = re.compile(rb"\x30\x82..\x02\x01\x00\x02\x82\x01\x01\x00", re.DOTALL)

CARD_FILE_MARKER = b'"format": "mynumbercard-card-file"'
CARD_FILE_MARKER_COMPACT = b'"format":"mynumbercard-card-file"'
SQLITE_MAGIC = b"SQLite format 3\x00"
NUMBERS_BELONG_IN = {"residents"}


@dataclass(frozen=True)
class Finding:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def normalise_number(text: str) -> str:
    return re.sub("[^0-9]", "", text.translate(_FULL_WIDTH))


def numbers_in(text: str, known: set[str]) -> Iterator[str]:
    """Known Individual Numbers written in `text`, in any form."""
    for match in NUMBER_PATTERN.finditer(text):
        number = normalise_number(match.group(0))
        if number in known:
            yield number


def _is_card_file(data: bytes) -> bool:
    """A card file, or what is left of one (its body comes first, its face first in it:
    a truncated file keeps them)."""
    return (CARD_FILE_MARKER in data or CARD_FILE_MARKER_COMPACT in data
            or (data.lstrip().startswith(b"{") and b'"card_face"' in data[:200]))


def _key_place(path: Path) -> bool:
    """A CA directory, a key store, a PKCS#11 token's objects."""
    return bool({"ca", "keys", "tokens"} & set(path.parts)) or path.suffix == ".object"


def scan_bytes(where: str, data: bytes, *, path: Path | None, secrets: Iterable[str],
               numbers: set[str], numbers_allowed: bool = False) -> list[Finding]:
    found: list[Finding] = []
    card_file = _is_card_file(data)
    key_place = path is not None and _key_place(path)
    if not card_file:
        for match in _PEM_KEY.finditer(data):
            found.append(Finding(where, f"a private key in PEM ({match.group(1).decode()})"))
        if not key_place:
            if _PEM_ENCRYPTED.search(data) and not (path and path.name.endswith(".key.pem")):
                found.append(Finding(where, "an encrypted private key outside a CA directory"))
            for name, marker in _DER_KEYS.items():
                if marker in data:
                    found.append(Finding(where, f"a {name}"))
            if _PKCS1_RSA.search(data):
                found.append(Finding(where, "a PKCS#1 RSA key (DER)"))
    passphrase_file = path is not None and "passphrase" in path.name
    for secret in secrets:
        if not passphrase_file and secret.encode() in data:
            found.append(Finding(where, f"a password the tests use ({secret[:2]}…)"))
    if numbers and not (numbers_allowed or card_file):
        text = data.decode("utf-8", errors="replace")
        for number in sorted(set(numbers_in(text, numbers))):
            found.append(Finding(where, f"Individual Number …{number[-4:]}"))
    return found


def residents_numbers(database: Path) -> set[str]:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
            rows = connection.execute(
                "SELECT individual_number FROM residents WHERE individual_number IS NOT NULL")
            return {row[0] for row in rows}
    except sqlite3.Error:
        return set()


def scan_sqlite(database: Path, *, secrets: Iterable[str], numbers: set[str]) -> list[Finding]:
    """Every text and blob value of every table, each table as one document."""
    found: list[Finding] = []
    secrets = list(secrets)
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    except sqlite3.Error:
        return found
    with connection:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            chunks: list[bytes] = []
            for row in connection.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from sqlite_master
                for value in row:
                    if isinstance(value, str):
                        chunks.append(value.encode())
                    elif isinstance(value, bytes):
                        chunks.append(value)
            found += scan_bytes(f"{database}#{table}", b"\n".join(chunks), path=None,
                                secrets=secrets, numbers=numbers,
                                numbers_allowed=table in NUMBERS_BELONG_IN)
    connection.close()
    return found


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def scan_tree(root: Path, *, secrets: Iterable[str]) -> list[Finding]:
    """Scan every file under `root`; SQLite databases table by table. The Individual
    Numbers looked for are those of every residents table found under `root`."""
    secrets = sorted(set(secrets))
    files = list(_files(root))
    databases = [p for p in files if _is_sqlite(p)]
    numbers: set[str] = set()
    for database in databases:
        numbers |= residents_numbers(database)
    found: list[Finding] = []
    for path in files:
        if path in databases:
            found += scan_sqlite(path, secrets=secrets, numbers=numbers)
            continue
        if path.name.endswith(("-wal", "-shm", "-journal")):
            continue  # pages of a database, read through SQLite above
        try:
            data = path.read_bytes()
        except OSError:
            continue
        found += scan_bytes(str(path), data, path=path, secrets=secrets, numbers=numbers,
                            numbers_allowed=path.suffix == ".pdf")
    return found


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(16) == SQLITE_MAGIC
    except OSError:
        return False


TESTS = Path(__file__).resolve().parent
_SECRET_NAME = re.compile(r"(PASSWORD|PASSPHRASE|SECRET)S?$")


def known_secrets(min_length: int = 6) -> set[str]:
    """The passwords and passphrases of the tests and of the demo: module constants of
    the test modules loaded, and of the demo (`mynumbercard.generators.demo`)."""
    found: set[str] = set()
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None) or ""
        if not (name == "mynumbercard.generators.demo" or file.startswith(str(TESTS))):
            continue
        for attribute, value in list(vars(module).items()):
            if (_SECRET_NAME.search(attribute) and isinstance(value, str)
                    and len(value) >= min_length):
                found.add(value)
    return found
