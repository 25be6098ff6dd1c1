"""Search keys: names, kana and addresses folded so that what a clerk types matches.

A clerk types 'やまだ', 'ﾔﾏﾀﾞ' or 'ヤマダ' for 山田 (ヤマダ), '１丁目' or '1丁目'. The folding:

1. NFKC: full-width Latin and digits become ASCII, half-width katakana full-width
   (with its voiced marks composed: 'ﾀﾞ' -> 'ダ'), the ideographic space a space;
2. hiragana become katakana (ぁ..ゖ and ゝゞ, shifted by 0x60);
3. ASCII letters lower-case (foreign residents' names in Latin letters);
4. spaces and other ASCII whitespace removed ('山田 太郎' and '山田太郎' match).

The register stores the folded keys (``name_key``, ``kana_key``, ``address_key``) next to
the text, computed here on every write and in bulk loads; migration 0013 backfills them
with the same steps in SQL (``normalize(.., NFKC)`` and ``translate``), and a test keeps
both equal. Keys are cut to their column's length: a prefix search is bounded shorter.
"""

from __future__ import annotations

import unicodedata

NAME_KEY_LENGTH = 120
ADDRESS_KEY_LENGTH = 200
MAX_PREFIX = 40  # the longest prefix a search accepts (a family name is at most 40)

HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097)) + "ゝゞ"
KATAKANA = "".join(chr(ord(c) + 0x60) for c in HIRAGANA)
UPPER, LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
WHITESPACE = " \t\n\r\x0b\x0c"

_TABLE = str.maketrans(HIRAGANA + UPPER, KATAKANA + LOWER, WHITESPACE)


def fold(text: str) -> str:
    """The folded form of ``text`` (steps 1-4 above); the same for every spelling."""
    return unicodedata.normalize("NFKC", text).translate(_TABLE)


def name_key(family_name: str, given_name: str) -> str:
    return fold(family_name + given_name)[:NAME_KEY_LENGTH]


def address_key(address: str) -> str:
    return fold(address)[:ADDRESS_KEY_LENGTH]
