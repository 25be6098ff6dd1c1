"""Face and background checks: no_face, multiple_faces, too_close, too_small, off_center,
background.

Everything is measured on the working image (long side 512 px) from the CenterFace box,
which runs from the hairline to just under the chin, ear to ear, and the person mask. The
head runs from the crown to the box's bottom. Without a usable mask the crown is estimated
``CROWN_ABOVE_BOX`` box heights above the box: on the first evaluation set the crown sat
14-43 % of the box height above it, median about 21 % (a bald head's sits lower).

The person is located by a person-segmentation model (segment.py, MediaPipe's selfie
segmentation): the crown is the top of the person above the face (a bald head and a tall
hairdo alike), the head is cut off at the top when the person reaches the frame's top edge
above the face, and the background is everything outside the person (widened by a margin,
so that loose hair's outline is not counted). Its clutter is the share of its pixels on an
edge (gradient of the smoothed luma over a threshold): a plain wall, even unevenly lit, has
almost none; shelves, furniture, curtains, flags have many. Without a usable mask (the
model saw no person at the face) the geometric rule of the first version stands in: a head
ellipse around the estimated crown-to-chin span, a neck, and shoulders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mynumbercard.adapters.photo.defects import Defect
from mynumbercard.adapters.photo.face import Face

# Faces: a second face counts when its box is at least this share of the main face's height
# (a small face in a poster far behind is still a person in the photo, a speck is not).
SECOND_FACE_MIN_RELATIVE = 0.25

CROWN_ABOVE_BOX = 0.21  # crown above the box top, in box heights (median of the set)
# J-LIS: on the 45 mm tall photo the head (crown to chin) measures 32-36 mm (about 34 mm).
HEAD_RATIO_USUAL = 34 / 45
MAX_HEAD_FRACTION = 36 / 45  # beyond this no 35x45 crop can hold the head at the ratio
MIN_HEAD_FRACTION = 0.30  # head under 30 % of the height: a distant, full-body shot
MIN_CROP_PX = 480  # the 35x45 crop at the usual ratio must itself reach 480 px in height
CUT_TOLERANCE = 0.02  # a face box within 2 % of its width of an edge is cut off by it
CROWN_CUT = 0.05  # the estimated crown over 5 % of the head height above the frame: cut off
MAX_CENTRE_OFFSET = 0.10  # face centre off the middle by over 10 % of the width

EDGE_THRESHOLD = 4.0  # |gx| + |gy| (central differences) of the 3x3-smoothed luma: an edge
MAX_BACKGROUND_CLUTTER = 0.07  # share of background pixels on an edge
SHOULDER_LINE = 0.3  # the background is measured down to this many head heights under the chin
MIN_BACKGROUND_SHARE = 0.08  # less background than this in the frame: not measured
PERSON = 0.5  # segmentation probability over which a pixel is the person
PERSON_MARGIN = 0.025  # the person widened by this share of the width before measuring
HEAD_BAND = 0.25  # the crown is searched over the face box's middle, this far in from each side
CROWN_ROW_SHARE = 0.3  # a row belongs to the head when this share of the band is the person

PersonMap = npt.NDArray[np.float32]  # the person's probability per working-image pixel


@dataclass(frozen=True)
class Head:
    """The main face's head in working-image pixels, for the checks and the pixel measures."""

    face: Face
    crown: float
    chin: float
    # from the person mask: whether the head reaches the frame's top edge (None: no mask,
    # the crown is an estimate from the face box)
    top_cut: bool | None = None

    @property
    def height(self) -> float:
        return self.chin - self.crown


def head_of(face: Face) -> Head:
    return Head(face=face, crown=face.y0 - CROWN_ABOVE_BOX * face.height, chin=face.y1)


def head_in(face: Face, person: PersonMap | None) -> Head:
    """The head from the person mask when it holds the face, else estimated from the box."""
    estimate = head_of(face)
    if person is None:
        return estimate
    height, width = person.shape
    inset = HEAD_BAND * face.width
    x0, x1 = max(0, int(face.x0 + inset)), min(width, int(np.ceil(face.x1 - inset)))
    start = min(height - 1, max(0, int(face.y0 + 0.3 * face.height)))
    if x1 - x0 < 2:
        return estimate
    rows = (person[: start + 1, x0:x1] > PERSON).mean(axis=1) >= CROWN_ROW_SHARE
    if not rows[start]:
        return estimate  # the model did not see the face as a person: no usable mask
    gaps = np.flatnonzero(~rows)
    if gaps.size == 0:  # the person runs up to the top edge: the head is cut off there
        return Head(face=face, crown=0.0, chin=face.y1, top_cut=True)
    crown = min(float(gaps[-1] + 1), face.y0)
    return Head(face=face, crown=crown, chin=face.y1, top_cut=False)


def face_defects(
    faces: Sequence[Face],
    grey: npt.NDArray[np.float32],
    *,
    original_height: int,
    person: Callable[[], PersonMap | None] = lambda: None,
) -> tuple[list[Defect], Head | None]:
    """The defects about faces and background, and the main head when there is exactly one.
    `person` gives the segmentation (only asked for when there is one face)."""
    height, width = grey.shape
    if not faces:
        return [_no_face()], None
    main = max(faces, key=lambda f: f.height)
    others = [
        f for f in faces if f is not main and f.height >= SECOND_FACE_MIN_RELATIVE * main.height
    ]
    if others:
        return [_multiple(1 + len(others))], None
    mask = person()
    head = head_in(main, mask)
    defects = [
        d
        for d in (
            _too_close(head, width, height),
            _too_small(head, height, original_height),
            _off_center(head, width),
        )
        if d is not None
    ]
    if not any(d.code == "too_close" for d in defects):
        clutter = background_clutter(grey, head, mask)
        if clutter is not None and clutter > MAX_BACKGROUND_CLUTTER:
            defects.append(_background(clutter))
    return defects, head


def _no_face() -> Defect:
    return Defect(
        code="no_face",
        value=0,
        threshold="one face, detector score ≥ 0.5",
        message_ja="顔が見つかりません。正面を向いた顔がはっきり写った写真にしてください。",
        message_en="No face was found. Use a photo that clearly shows your face, looking ahead.",
    )


def _multiple(count: int) -> Defect:
    return Defect(
        code="multiple_faces",
        value=count,
        threshold="exactly 1 face",
        message_ja="複数の人が写っています。ご本人だけが写った写真にしてください。",
        message_en="More than one person is in the photo. Use a photo of you alone.",
    )


def _too_close(head: Head, width: int, height: int) -> Defect | None:
    face = head.face
    margin = -CUT_TOLERANCE * face.width
    cut = [
        side
        for side, past in (
            ("top", top_past(head, margin)),
            ("bottom", face.y1 - height),
            ("left", -face.x0),
            ("right", face.x1 - width),
        )
        if past > margin
    ]
    fraction = head.height / height
    if not cut and fraction <= MAX_HEAD_FRACTION:
        return None
    return Defect(
        code="too_close",
        value=f"cut off at the {'/'.join(cut)}" if cut else round(fraction, 3),
        threshold=(
            f"head (crown to chin) ≤ {MAX_HEAD_FRACTION:.0%} of the height, "
            "face inside the frame"
        ),
        message_ja="顔が近すぎるか、枠からはみ出しています。少し離れて、頭から肩まで写してください。",
        message_en=(
            "The face is too close or cut off by the frame. Step back so that your head and "
            "shoulders are in the photo."
        ),
    )


def top_past(head: Head, margin: float) -> float:
    """How far past the top edge the head reaches, compared with `margin` by the caller."""
    if head.top_cut is None:  # estimated crown: cut when over 5 % of the head above the top
        return -head.crown - CROWN_CUT * head.height - margin
    return 1.0 if head.top_cut else margin - 1.0


def _too_small(head: Head, height: int, original_height: int) -> Defect | None:
    head_px = head.height * original_height / height
    needed = max(MIN_HEAD_FRACTION * original_height, HEAD_RATIO_USUAL * MIN_CROP_PX)
    if head_px >= needed:
        return None
    return Defect(
        code="too_small",
        value=round(head_px),
        threshold=(
            f"head ≥ {needed:.0f} px: {MIN_HEAD_FRACTION:.0%} of the height, and a 35×45 mm "
            f"crop with the head at 34 mm at least {MIN_CROP_PX} px tall"
        ),
        message_ja="顔が小さすぎます。もっと近づいて、頭から肩までが大きく写るようにしてください。",
        message_en=(
            "The face is too small. Come closer so that your head and shoulders fill the photo."
        ),
    )


def _off_center(head: Head, width: int) -> Defect | None:
    offset = abs(head.face.centre_x - width / 2) / width
    if offset <= MAX_CENTRE_OFFSET:
        return None
    return Defect(
        code="off_center",
        value=round(offset, 3),
        threshold=f"face centre within {MAX_CENTRE_OFFSET:.0%} of the width from the middle",
        message_ja="顔が中央にありません。顔が写真の中央に来るように撮ってください。",
        message_en="The face is not in the middle. Take the photo with your face centred.",
    )


def _background(clutter: float) -> Defect:
    return Defect(
        code="background",
        value=round(clutter, 3),
        threshold=f"≤ {MAX_BACKGROUND_CLUTTER:.0%} of the background on an edge",
        message_ja="背景に物が写っています。無地の壁の前で撮ってください。",
        message_en="There are objects behind you. Take the photo in front of a plain wall.",
    )


def person_mask(shape: tuple[int, int], head: Head) -> npt.NDArray[np.bool_]:
    """Where the person is, by the geometric rule: head ellipse, neck, shoulders and body."""
    height, width = shape
    face = head.face
    ys = np.arange(height, dtype=np.float32)[:, None]
    xs = np.arange(width, dtype=np.float32)[None, :]
    cx, fw = face.centre_x, face.width
    # head and hair: an ellipse around crown-to-chin, wider than the face box, with margin
    cy = (head.crown + head.chin) / 2
    semi_x, semi_y = 0.80 * fw, 0.62 * head.height
    inside = ((xs - cx) / semi_x) ** 2 + ((ys - cy) / semi_y) ** 2 <= 1.0
    # neck and shoulders: half-width 0.6 face widths at the chin, growing to 2.3 face
    # widths one head height below it, then straight down to the bottom of the frame
    below = (ys - head.chin) / max(head.height, 1.0)
    half = np.where(below < 0.0, 0.0, 0.6 + 1.7 * np.clip(below, 0.0, 1.0)) * fw
    body = (ys >= head.chin - 0.1 * head.height) & (np.abs(xs - cx) <= np.maximum(half, 0.6 * fw))
    return inside | body  # type: ignore[no-any-return]


def background_region(
    shape: tuple[int, int], head: Head, person: PersonMap | None
) -> npt.NDArray[np.bool_]:
    """Where the background is measured: outside the segmented person widened by a margin,
    or, without a mask, outside the geometric outline and above the shoulder line."""
    if person is not None and head.top_cut is not None:
        margin = max(1, round(PERSON_MARGIN * shape[1]))
        inside = person > PERSON
        face = head.face  # the face box is the person's, whatever the mask says at its rim
        inside[max(0, int(face.y0)) : max(0, int(np.ceil(face.y1))),
               max(0, int(face.x0)) : max(0, int(np.ceil(face.x1)))] = True
        return ~_dilate(inside, margin)
    background = ~person_mask(shape, head)
    # above the shoulders, where the rule is sure of the outline; lower, arms and clothes
    # (a bulky jacket, crossed arms) spread wider than any fixed body shape
    background[max(0, int(head.chin + SHOULDER_LINE * head.height)) :, :] = False
    return background


def _dilate(mask: npt.NDArray[np.bool_], radius: int) -> npt.NDArray[np.bool_]:
    """A square dilation, separable: rows then columns."""
    out = mask.copy()
    for shift in range(1, radius + 1):
        out[:, shift:] |= mask[:, :-shift]
        out[:, :-shift] |= mask[:, shift:]
    rows = out.copy()
    for shift in range(1, radius + 1):
        out[shift:, :] |= rows[:-shift, :]
        out[:-shift, :] |= rows[shift:, :]
    return out


def background_clutter(
    grey: npt.NDArray[np.float32], head: Head, person: PersonMap | None = None
) -> float | None:
    """Share of the background (outside the person) on an edge; None when too little shows."""
    background = background_region((grey.shape[0], grey.shape[1]), head, person)
    if background.mean() < MIN_BACKGROUND_SHARE:
        return None
    smooth = _box3(grey)
    gx = np.zeros_like(smooth)
    gy = np.zeros_like(smooth)
    gx[:, 1:-1] = (smooth[:, 2:] - smooth[:, :-2]) / 2
    gy[1:-1, :] = (smooth[2:, :] - smooth[:-2, :]) / 2
    edges = (np.abs(gx) + np.abs(gy)) > EDGE_THRESHOLD
    return float(edges[background].mean())


def _box3(grey: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    padded = np.pad(grey, 1, mode="edge")
    total = np.zeros_like(grey)
    h, w = grey.shape
    for dy in range(3):
        for dx in range(3):
            total += padded[dy : dy + h, dx : dx + w]
    return (total / 9).astype(np.float32)
