"""The photo as the resident sees it after the check: the working image (long side 512
px, decoded as safely as the check decodes it) with each problem drawn on it, as a JPEG
for the page (docs/resident.md).

- several faces: a red box around each; none: where a face should be (a dashed oval);
- too close or too small: the head's extent (crown to chin) in red beside the guide of
  the size it should have (32-36 mm of the 45 mm photo) in green;
- off centre: the middle of the photo in green, the middle of the face in red;
- background: the busy parts behind the person tinted red;
- too dark, too bright, blurred: the face region framed in orange.
A file that cannot be decoded (not an image, too large, a decompression bomb) gets none.
"""

from __future__ import annotations

import io
from collections.abc import Collection

import numpy as np
from PIL import Image, ImageDraw

from mynumbercard.adapters.photo.checks import MAX_FILE_BYTES, MAX_SIDE_PX, decode, open_header
from mynumbercard.adapters.photo.face import Face, detector
from mynumbercard.adapters.photo.framing import (
    EDGE_THRESHOLD,
    MAX_HEAD_FRACTION,
    SHOULDER_LINE,
    head_of,
    person_mask,
)

RED = (200, 0, 32, 255)
GREEN = (0, 140, 60, 255)
ORANGE = (230, 120, 0, 255)
TINT = (220, 0, 40, 110)
LOWEST_HEAD = 32 / 45  # the head's usual extent: 32-36 mm of the 45 mm photo


def _edges(grey: np.ndarray) -> np.ndarray:
    padded = np.pad(grey, 1, mode="edge")
    h, w = grey.shape
    smooth = np.zeros_like(grey)
    for dy in range(3):
        for dx in range(3):
            smooth += padded[dy:dy + h, dx:dx + w]
    smooth /= 9
    gx = np.zeros_like(smooth)
    gy = np.zeros_like(smooth)
    gx[:, 1:-1] = (smooth[:, 2:] - smooth[:, :-2]) / 2
    gy[1:-1, :] = (smooth[2:, :] - smooth[:-2, :]) / 2
    found: np.ndarray = (np.abs(gx) + np.abs(gy)) > EDGE_THRESHOLD
    return found


def _dashed_vertical(draw: ImageDraw.ImageDraw, x: float, height: int,
                     colour: tuple[int, int, int, int]) -> None:
    for y in range(0, height, 12):
        draw.line([(x, y), (x, min(height, y + 6))], fill=colour, width=3)


class PhotoOverlay:
    def draw(self, data: bytes, found: Collection[str]) -> bytes | None:
        """The annotated working image as JPEG, or None when the file cannot be shown."""
        codes = frozenset(found)
        if len(data) > MAX_FILE_BYTES:
            return None
        try:
            header = open_header(data)
            if max(header.width, header.height) > MAX_SIDE_PX:
                return None
            photo = decode(data, header)
        except Exception:
            return None
        image = Image.fromarray(photo.rgb).convert("RGBA")
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        height, width = photo.grey.shape
        faces = detector().detect(photo.rgb) if codes else []
        main = max(faces, key=lambda f: f.height) if faces else None
        if "multiple_faces" in codes:
            for face in faces:
                draw.rectangle([face.x0, face.y0, face.x1, face.y1], outline=RED, width=4)
        elif "no_face" in codes or main is None:
            if "no_face" in codes:
                draw.ellipse([width * 0.3, height * 0.12, width * 0.7, height * 0.62],
                             outline=GREEN, width=3)
        else:
            _face(draw, layer, photo.grey, main, codes)
        image = Image.alpha_composite(image, layer).convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
        return out.getvalue()


def _face(draw: ImageDraw.ImageDraw, layer: Image.Image, grey: np.ndarray, face: Face,
      codes: frozenset[str]) -> None:
    height, width = grey.shape
    head = head_of(face)
    box = head.face
    if codes & {"too_close", "too_small"}:
        x = min(width - 8, box.x1 + 12)
        draw.line([(x, max(0, head.crown)), (x, min(height, head.chin))], fill=RED, width=5)
        guide_top = (height - MAX_HEAD_FRACTION * height) / 2
        guide = [max(8, box.x0 - 18), guide_top, max(8, box.x0 - 18),
                 guide_top + LOWEST_HEAD * height]
        draw.line(guide, fill=GREEN, width=5)
    if "off_center" in codes:
        _dashed_vertical(draw, width / 2, height, GREEN)
        draw.line([(box.centre_x, 0), (box.centre_x, height)], fill=RED, width=3)
    if "background" in codes:
        behind = ~person_mask((height, width), head) & _edges(grey)
        behind[max(0, int(head.chin + SHOULDER_LINE * head.height)):, :] = False
        tint = np.zeros((height, width, 4), dtype=np.uint8)
        tint[behind] = TINT
        layer.alpha_composite(Image.fromarray(tint, "RGBA"))
    if codes & {"too_dark", "too_bright", "blurred"}:
        draw.rectangle([box.x0, box.y0, box.x1, box.y1], outline=ORANGE, width=4)
