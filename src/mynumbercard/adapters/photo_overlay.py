"""The photo as the resident sees it after the check: the working image (long side 512
px, decoded as safely as the check decodes it) with each problem drawn on it from the
check's marks (`photo/marks.py`: the same detector and rules), as a JPEG for the page
(docs/resident.md).

- several faces: a red box around each; none: a green oval where a face should be;
- too close or too small: the head (crown to chin) framed in red, the edges that cut
  it off in red, and in green the height a head should have (32-36 mm of 45 mm);
- off centre: the middle of the photo in green, the middle of the face in red;
- background: the part measured behind the person tinted red;
- too dark, too bright, blurred: the face framed in orange.
A file that cannot be decoded (not an image, too large, a decompression bomb) gets none.
"""

from __future__ import annotations

import io
from collections.abc import Collection

from PIL import Image, ImageDraw

from mynumbercard.adapters.photo.checks import MAX_SIDE_PX, decode, open_header
from mynumbercard.adapters.photo.marks import locate
from mynumbercard.domain.photo import MAX_FILE_BYTES, Box, PhotoMarks

RED = (200, 0, 32, 255)
GREEN = (0, 140, 60, 255)
ORANGE = (230, 120, 0, 255)
TINT = (220, 0, 40, 90)
HEAD_SPAN = (32 / 45, 36 / 45)  # the head's extent on the 45 mm photo


class PhotoOverlay:
    def draw(self, data: bytes, found: Collection[str]) -> bytes | None:
        """The working image with the problems of `found` (defect codes) drawn, as JPEG;
        None when the file cannot be shown."""
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
        codes = frozenset(found)
        marks = locate(data) if codes else None
        if marks is not None:
            layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
            _draw(ImageDraw.Draw(layer), marks, codes, *image.size)
            image = Image.alpha_composite(image, layer)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=85)
        return out.getvalue()


def _px(box: Box, width: int, height: int) -> tuple[float, float, float, float]:
    return box.x0 * width, box.y0 * height, box.x1 * width, box.y1 * height


def _draw(draw: ImageDraw.ImageDraw, marks: PhotoMarks, codes: frozenset[str], width: int,
          height: int) -> None:
    if "no_face" in codes:
        draw.ellipse([width * 0.3, height * 0.12, width * 0.7, height * 0.62],
                     outline=GREEN, width=3)
    if "multiple_faces" in codes:
        for face in marks.faces:
            draw.rectangle(_px(face, width, height), outline=RED, width=4)
        return
    if "background" in codes:
        for cell in marks.background:
            draw.rectangle(_px(cell, width, height), fill=TINT)
    head = marks.head
    if head is None:
        return
    x0, y0, x1, y1 = _px(head, width, height)
    if codes & {"too_close", "too_small"}:
        draw.rectangle([x0, y0, x1, y1], outline=RED, width=4)
        edges = {"top": [(0, 2), (width, 2)], "bottom": [(0, height - 3), (width, height - 3)],
                 "left": [(2, 0), (2, height)], "right": [(width - 3, 0), (width - 3, height)]}
        for side in marks.cut:
            draw.line(edges[side], fill=RED, width=6)
        guide_x = max(6.0, x0 - 14)
        top = (height - HEAD_SPAN[1] * height) / 2
        draw.line([(guide_x, top), (guide_x, top + HEAD_SPAN[0] * height)], fill=GREEN,
                  width=5)
    if "off_center" in codes:
        for y in range(0, height, 14):
            draw.line([(width / 2, y), (width / 2, min(height, y + 7))], fill=GREEN, width=3)
        centre = (x0 + x1) / 2
        draw.line([(centre, 0), (centre, height)], fill=RED, width=3)
    if codes & {"too_dark", "too_bright", "blurred"} and marks.faces:
        draw.rectangle(_px(marks.faces[0], width, height), outline=ORANGE, width=4)
