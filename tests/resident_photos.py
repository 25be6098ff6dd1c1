"""Photos for the resident pages' tests: one that passes, one with a soft defect, one
with a hard one, and bad files (not an image, 50 MB, a 30,000 x 30,000 decompression
bomb)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from mynumbercard.generators.photos import encode, portrait
from mynumbercard.generators.sample_portrait import sample_portrait


def good() -> bytes:
    return sample_portrait()


def off_centre() -> bytes:
    """The good portrait on a wider plain wall, to the right: `off_center` (soft)."""
    image = Image.open(io.BytesIO(sample_portrait())).convert("RGB")
    width, height = image.size
    canvas = Image.new("RGB", (int(width * 1.5), height), image.getpixel((2, 2)))
    canvas.paste(image, (int(width * 0.5), 0))
    return encode(canvas, quality=92)


def no_face() -> bytes:
    """A synthetic portrait the face detector does not take for a face: `no_face` (hard)."""
    return encode(portrait())


def not_an_image() -> bytes:
    return b"%PDF-1.7 this is a document, not a photo\n" + bytes(30_000)


def fifty_megabytes() -> bytes:
    return b"\xff\xd8\xff\xe0" + bytes(50 * 1000 * 1000 - 4)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def bomb(side: int = 30_000) -> bytes:
    """A small PNG that decodes to side x side pixels (2.7 GB of RGB)."""
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    row = bytes(1 + 3 * side)
    idat = zlib.compress(row * 64, 9)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))
