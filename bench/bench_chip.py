"""The chip through a reader against the chip on its card file, in one run.

    python bench/bench_chip.py [ROUND_TRIPS] [SIGNATURES]     # default 2000 and 100

Starts a private pcscd with vsmartcard's virtual reader (as the tests do), serves an
issued card file into it with `mynumbercard card insert`, and times:

- APDU round trips per second: READ BINARY of 256 bytes of the user-authentication
  certificate, through pcscd (pyscard) and on the card file directly (``CardSession``
  in the process);
- signatures per second with the user-authentication key: through OpenSC's PKCS#11
  module (python-pkcs11, one login, then C_Sign with CKM_SHA256_RSA_PKCS) and on the
  card file directly (the same APDUs: one VERIFY, then COMPUTE DIGITAL SIGNATURE).

Prints each rate and the ratio direct / through the reader.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import pkcs11
from pkcs11 import Mechanism, ObjectClass

from mynumbercard.adapters.pcsc_reader import open_card
from mynumbercard.chip import KeyKind
from mynumbercard.chip.client import CardClient
from mynumbercard.chip.layout import Application
from mynumbercard.chip.processor import CardSession
from mynumbercard.domain.pins import PinKind

from chip_cards import PINS, CardIssuer, issue_card
from pcsc_env import OPENSC_PKCS11, READER, inserted, pcscd, require


def rate(count: int, work: Callable[[], object]) -> float:
    start = time.perf_counter()
    for _ in range(count):
        work()
    return count / (time.perf_counter() - start)


def round_trips(client: CardClient, count: int) -> float:
    client.select(Application.JPKI)
    client.select_ef(0x000A)  # the user-authentication certificate
    return rate(count, lambda: client.exchange(0x00, 0xB0, 0x00, 0x00, le=256))


def direct_signatures(card: Path, count: int) -> float:
    client = CardClient(CardSession(card).transmit)
    client.sign(KeyKind.AUTH, PINS[PinKind.USER_AUTH], b"warm-up")  # selects and verifies
    data = bytes(51)  # a SHA-256 DigestInfo's length
    return rate(count, lambda: client.exchange(0x80, 0x2A, 0x00, 0x80, data, le=256))


def pkcs11_signatures(count: int) -> float:
    library = pkcs11.lib(str(OPENSC_PKCS11))
    token = library.get_token(token_label="JPKI (User Authentication PIN)")
    with token.open(user_pin=PINS[PinKind.USER_AUTH]) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=b"\x01")
        key.sign(b"warm-up", mechanism=Mechanism.SHA256_RSA_PKCS)
        return rate(count, lambda: key.sign(b"a document", mechanism=Mechanism.SHA256_RSA_PKCS))


def main() -> None:
    trips = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    signatures = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    try:
        require()
    except BaseException as skipped:  # pytest.skip outside pytest
        sys.exit(str(skipped))
    work = Path(tempfile.mkdtemp(prefix="bench-chip-"))
    card = issue_card(work / "card", CardIssuer.create())
    direct_trips = round_trips(CardClient(CardSession(card).transmit), trips)
    direct_signs = direct_signatures(card, signatures)
    (work / "pcscd").mkdir()
    with pcscd(work / "pcscd") as daemon:
        os.environ["PCSCLITE_CSOCK_NAME"] = str(daemon.socket_path)
        with inserted(card, daemon):
            with open_card(READER) as client:
                reader_trips = round_trips(client, trips)
            reader_signs = pkcs11_signatures(signatures)
    print(f"APDU round trips/s  direct {direct_trips:9.0f}   through pcscd {reader_trips:7.0f}"
          f"   ratio {direct_trips / reader_trips:6.1f}")
    print(f"signatures/s        direct {direct_signs:9.1f}   OpenSC PKCS#11 {reader_signs:6.1f}"
          f"   ratio {direct_signs / reader_signs:6.1f}")


if __name__ == "__main__":
    main()
