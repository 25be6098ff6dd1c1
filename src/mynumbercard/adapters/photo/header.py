"""Read a JPEG's or a PNG's dimensions from its header bytes, without Pillow and without pixels.

This runs before Pillow sees the file, so a header announcing 100000 x 100000 pixels is
refused on its numbers alone: no decoder is started and no memory is reserved for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ImageKind = Literal["JPEG", "PNG"]

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Start-of-frame markers carry the dimensions (C4 DHT, C8 JPG, CC DAC are not frames).
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset(range(0xD0, 0xD8)) | {0x01}
_SOS = 0xDA
_EOI = 0xD9


@dataclass(frozen=True)
class Header:
    kind: ImageKind
    width: int
    height: int


def sniff(data: bytes) -> ImageKind | None:
    """The kind announced by the magic bytes, if it is one we accept."""
    if data.startswith(JPEG_MAGIC):
        return "JPEG"
    if data.startswith(PNG_MAGIC):
        return "PNG"
    return None


def read_header(data: bytes) -> Header | None:
    """The dimensions in the header, or None when the header is not a well-formed one."""
    kind = sniff(data)
    if kind == "PNG":
        return _png(data)
    if kind == "JPEG":
        return _jpeg(data)
    return None


def _png(data: bytes) -> Header | None:
    # signature (8) | length (4) | "IHDR" | width (4) | height (4) | ...
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    return Header("PNG", width, height)


def _jpeg(data: bytes) -> Header | None:  # noqa: PLR0911 - one exit per malformation
    pos = 2  # after SOI
    end = len(data)
    while pos < end:
        if data[pos] != 0xFF:
            return None
        while pos < end and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            return None
        marker = data[pos]
        pos += 1
        if marker in _STANDALONE:
            continue
        if marker in (_SOS, _EOI):
            return None  # scan data or the end before any frame header
        if pos + 2 > end:
            return None
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > end:
            return None
        if marker in _SOF_MARKERS:
            if length < 7:
                return None
            height = int.from_bytes(data[pos + 3 : pos + 5], "big")
            width = int.from_bytes(data[pos + 5 : pos + 7], "big")
            return Header("JPEG", width, height)
        pos += length
    return None
