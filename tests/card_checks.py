"""Where a card's private keys are: whoever has a file holding them can sign as the holder."""

from __future__ import annotations

import base64
import json
from pathlib import Path


def private_keys(card: bytes) -> list[bytes]:
    """The PKCS#8 DER private keys in a card file."""
    slots = json.loads(card)["body"]["keys"].values()
    return [base64.b64decode(slot["private_key_pkcs8"]) for slot in slots if slot]


def files_holding_keys(root: Path, card: bytes) -> list[Path]:
    """Every file under `root` holding one of the card's private keys, as DER, as the
    card file's base64, or as a PEM's first line."""
    needles: list[bytes] = []
    for der in private_keys(card):
        text = base64.b64encode(der)
        needles += [der, text, text[:64]]
    assert needles, "the card has no key pair"
    return [path for path in sorted(root.rglob("*"))
            if path.is_file() and any(n in path.read_bytes() for n in needles)]
