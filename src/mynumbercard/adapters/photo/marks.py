"""Where the check looked (domain.photo.PhotoMarks), for the review desk: the same
decoding, face detector, person segmentation and rules as the check (framing.py), kept as boxes in
fractions of the photo so that a page can draw them over it."""

from __future__ import annotations

import numpy as np

from mynumbercard.adapters.photo.checks import _Rejected, decode, open_header
from mynumbercard.adapters.photo.face import Face, detector
from mynumbercard.adapters.photo.framing import (
    CUT_TOLERANCE,
    Head,
    PersonMap,
    background_region,
    head_in,
    top_past,
)
from mynumbercard.adapters.photo.segment import segmenter
from mynumbercard.domain.photo import Box, PhotoMarks

CELLS = 24  # the background is drawn as cells of 1/24 of the long side


def locate(data: bytes) -> PhotoMarks | None:
    """The marks of a photo, or None when it cannot be decoded (its findings say why)."""
    try:
        photo = decode(data, open_header(data))
    except _Rejected:
        return None
    height, width = photo.grey.shape
    faces = sorted(detector().detect(photo.rgb), key=lambda f: -f.height)
    if not faces:
        return PhotoMarks((), None, (), ())

    def box(x0: float, y0: float, x1: float, y1: float) -> Box:
        return Box(max(0.0, x0 / width), max(0.0, y0 / height),
                   min(1.0, x1 / width), min(1.0, y1 / height))

    person = segmenter().person(photo.rgb) if len(faces) == 1 else None
    head = head_in(faces[0], person)
    return PhotoMarks(
        faces=tuple(box(f.x0, f.y0, f.x1, f.y1) for f in faces),
        head=box(head.face.x0, head.crown, head.face.x1, head.chin),
        cut=_cut_sides(head, width, height),
        background=_background_cells(head, person, width, height) if len(faces) == 1 else (),
    )


def _cut_sides(head: Head, width: int, height: int) -> tuple[str, ...]:
    """The frame's edges past which the head reaches (as framing's too_close decides)."""
    face: Face = head.face
    margin = -CUT_TOLERANCE * face.width
    return tuple(side for side, past in (
        ("top", top_past(head, margin)),
        ("bottom", face.y1 - height),
        ("left", -face.x0),
        ("right", face.x1 - width),
    ) if past > margin)


def _background_cells(
    head: Head, person: PersonMap | None, width: int, height: int
) -> tuple[Box, ...]:
    """The background as framing measures it (outside the person), as runs of cells along
    each row of cells."""
    background = background_region((height, width), head, person)
    cell = max(width, height) / CELLS
    rows, cols = int(np.ceil(height / cell)), int(np.ceil(width / cell))
    boxes: list[Box] = []
    for r in range(rows):
        y0, y1 = int(r * cell), min(height, int((r + 1) * cell))
        start: int | None = None
        for c in range(cols + 1):
            x0, x1 = int(c * cell), min(width, int((c + 1) * cell))
            inside = c < cols and bool(background[y0:y1, x0:x1].mean() > 0.5)
            if inside and start is None:
                start = c
            elif not inside and start is not None:
                boxes.append(Box(start * cell / width, y0 / height,
                                 min(1.0, x0 / width), y1 / height))
                start = None
    return tuple(boxes)
