"""The ID-photo check pipeline: safe decoding, then the face, background and pixel checks.

Order, cheapest first, and each step only when the previous one allows it:

1. size of the upload in bytes (``file_size``); a file over 7 MB is never decoded;
2. magic bytes, then our own header parse (``format``, ``resolution``): a header above
   6000 px a side stops here, before Pillow is even asked;
3. Pillow opens the header (no pixels yet) and must agree on the format and dimensions;
4. the pixels are decoded small (JPEG ``draft`` to 1/2, 1/4 or 1/8 scale) and scaled to
   ``WORKING_LONG_SIDE`` px; a truncated or corrupt stream is a ``format`` defect;
5. the face detector (CenterFace, face.py), the face and background checks (framing.py), then
   the pixel checks (``too_dark``, ``too_bright``, ``blurred``) on the face box, then
   any extra checks given by the caller, on ``DecodedPhoto``.

See docs/photo.md for the thresholds and why.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFile

from mynumbercard.adapters.photo.defects import Defect, PhotoReport
from mynumbercard.adapters.photo.face import detector
from mynumbercard.adapters.photo.framing import Head, face_defects
from mynumbercard.adapters.photo.header import Header, read_header, sniff
from mynumbercard.adapters.photo.segment import segmenter
from mynumbercard.domain.photo import MAX_FILE_BYTES, MIN_FILE_BYTES  # the guidance's sizes

MIN_SIDE_PX = 480
MAX_SIDE_PX = 6000

# The grey image every pixel check works on: long side scaled to this many pixels, so the
# measures do not depend on the camera's resolution and cost the same for every photo.
WORKING_LONG_SIDE = 512

# Exposure and sharpness are measured on the detected face box; without a face, on the central
# region, where the face of a framed ID photo would be: the plain background would
# otherwise pull the brightness towards its own colour and the sharpness towards zero.
CENTRE_X = (0.25, 0.75)
CENTRE_Y = (0.15, 0.75)

MIN_MEAN_LUMA = 60.0  # mean grey level (0-255, ITU-R 601 luma) below this: too dark
MAX_MEAN_LUMA = 200.0  # above this: too bright (washed out)
MAX_CLIPPED_SHARE = 0.05  # or more than 5 % of the face blown out (luma ≥ 250): too bright
CLIPPED_LUMA = 250.0
# Sharpness: the face's finest detail against all its contrast, at one face scale (see
# `sharpness`). A blur is refused when it would show on the card's printed photo: always
# from a sigma of 1 % of the face's width, never at 0.5 % (in between, by the face's own
# detail); softer, the reviewer judges it. The threshold is the highest reading of a tuning
# face blurred by 1 % (docs/photo.md, `bench/photo_sharpness_study.py --calibrate`).
SHARPNESS_WIDTH = 128  # the face box is brought down to this many pixels wide to measure it
MIN_SHARPNESS = 2.5  # per cent; the highest tuning reading of a face blurred by 1 % of its width

# Pillow's own bomb guard (Image.MAX_IMAGE_PIXELS, 89 Mpx) is a second line: ours is 36 Mpx.
# Keep truncated images an error: a half-uploaded photo must fail, not be padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

# Everything a decoder may raise on hostile input.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    zlib.error,
    IndexError,
    TypeError,
    MemoryError,
)

GreyImage = npt.NDArray[np.float32]
RgbImage = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class DecodedPhoto:
    """What the pixel checks and the later face and background checks receive."""

    width: int  # of the original photo
    height: int
    rgb: RgbImage  # (h, w, 3), long side WORKING_LONG_SIDE
    grey: GreyImage  # (h, w), ITU-R 601 luma 0-255


Check = Callable[[DecodedPhoto], Iterable[Defect]]


class _Rejected(Exception):
    def __init__(self, defect: Defect) -> None:
        super().__init__(defect.code)
        self.defect = defect


def check_photo(data: bytes, *, extra_checks: Sequence[Check] = ()) -> PhotoReport:
    """Every check on one uploaded file; never raises on bad input."""
    defects: list[Defect] = []
    size_defect = file_size_defect(len(data))
    if size_defect is not None:
        defects.append(size_defect)
    try:
        header = open_header(data)
        resolution = resolution_defect(header.width, header.height)
        if resolution is not None:
            defects.append(resolution)
            if max(header.width, header.height) > MAX_SIDE_PX:
                return PhotoReport.of(defects)  # never decode an oversized image
        if len(data) > MAX_FILE_BYTES:
            return PhotoReport.of(defects)  # nor an oversized file: it fails anyway
        photo = decode(data, header)
    except _Rejected as rejected:
        defects.append(rejected.defect)
        return PhotoReport.of(defects)
    defects.extend(analyse(photo))
    for check in extra_checks:
        defects.extend(check(photo))
    return PhotoReport.of(defects)


# -- step 1: bytes -------------------------------------------------------------------------


def file_size_defect(size: int) -> Defect | None:
    if MIN_FILE_BYTES <= size <= MAX_FILE_BYTES:
        return None
    small = size < MIN_FILE_BYTES
    return Defect(
        code="file_size",
        value=size,
        threshold=f"{MIN_FILE_BYTES}–{MAX_FILE_BYTES} bytes (20 KB–7 MB)",
        message_ja=(
            "ファイルが小さすぎます(20KB以上にしてください)。"
            if small
            else "ファイルが大きすぎます(7MB以下にしてください)。"
        ),
        message_en=(
            "The file is too small (it must be at least 20 KB)."
            if small
            else "The file is too large (it must be at most 7 MB)."
        ),
    )


# -- step 2 and 3: header ----------------------------------------------------------------


def _format_defect(reason: str) -> Defect:
    return Defect(
        code="format",
        value=reason,
        threshold="JPEG or PNG, complete and readable",
        message_ja="JPEGまたはPNG形式の、読み取れる写真ファイルを選んでください。",
        message_en="Choose a readable photo file in JPEG or PNG format.",
    )


def resolution_defect(width: int | None, height: int | None) -> Defect | None:
    if width is not None and height is not None:
        if min(width, height) >= MIN_SIDE_PX and max(width, height) <= MAX_SIDE_PX:
            return None
        value: str | None = f"{width}x{height}"
        small = min(width, height) < MIN_SIDE_PX
    else:
        value, small = None, False  # refused by Pillow's bomb guard before we saw the size
    return Defect(
        code="resolution",
        value=value,
        threshold=f"each side {MIN_SIDE_PX}–{MAX_SIDE_PX} px",
        message_ja=(
            f"画像が小さすぎます(縦横とも{MIN_SIDE_PX}ピクセル以上にしてください)。"
            if small
            else f"画像が大きすぎます(縦横とも{MAX_SIDE_PX}ピクセル以下にしてください)。"
        ),
        message_en=(
            f"The image is too small (each side must be at least {MIN_SIDE_PX} pixels)."
            if small
            else f"The image is too large (each side must be at most {MAX_SIDE_PX} pixels)."
        ),
    )


def open_header(data: bytes) -> Header:
    """The dimensions, from our parse, confirmed by Pillow's; raises _Rejected."""
    kind = sniff(data)
    if kind is None:
        raise _Rejected(_format_defect("not a JPEG or PNG file"))
    header = read_header(data)
    if header is None:
        raise _Rejected(_format_defect(f"malformed {kind} header"))
    if max(header.width, header.height) > MAX_SIDE_PX:
        return header  # the caller refuses it on resolution; Pillow never sees it
    try:
        with _bombs_are_errors(), Image.open(io.BytesIO(data)) as image:
            detected, size = image.format, image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _Rejected(_unknown_resolution()) from error
    except _DECODE_ERRORS as error:
        raise _Rejected(_format_defect(f"unreadable {kind}")) from error
    if detected != kind:
        raise _Rejected(_format_defect(f"{kind} magic bytes but {detected} content"))
    if size != (header.width, header.height):
        raise _Rejected(_format_defect("inconsistent dimensions in the header"))
    return header


def _unknown_resolution() -> Defect:
    defect = resolution_defect(None, None)
    assert defect is not None  # noqa: S101 - resolution_defect(None, None) always finds one
    return defect


@contextmanager
def _bombs_are_errors() -> Iterator[None]:
    """Pillow warns (instead of refusing) between 89 and 179 Mpx: make that an error too."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


# -- step 4: pixels ------------------------------------------------------------------------


def decode(data: bytes, header: Header) -> DecodedPhoto:
    """Decode small: JPEG's DCT scaling, then a box filter down to the working size."""
    scale = WORKING_LONG_SIDE / max(header.width, header.height)
    target = (max(1, round(header.width * scale)), max(1, round(header.height * scale)))
    try:
        with _bombs_are_errors(), Image.open(io.BytesIO(data)) as image:
            if header.kind == "JPEG":
                image.draft("RGB", target)  # decodes at 1/2, 1/4 or 1/8 when that suffices
            image.load()
            rgb = _flatten_to_rgb(image)
            if rgb.size != target:
                rgb = rgb.resize(target, Image.Resampling.BOX)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _Rejected(_unknown_resolution()) from error
    except _DECODE_ERRORS as error:
        raise _Rejected(_format_defect(f"truncated or corrupt {header.kind} data")) from error
    pixels = np.asarray(rgb, dtype=np.uint8)
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    grey = pixels.astype(np.float32) @ weights
    return DecodedPhoto(width=header.width, height=header.height, rgb=pixels, grey=grey)


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white (a transparent background reads as plain)."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda v: v / 257).convert("L")  # 16-bit grey to 8-bit
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


# -- step 5: face, background and pixel checks ---------------------------------------------


def analyse(photo: DecodedPhoto) -> list[Defect]:
    """Everything after decoding: faces, framing, background, then exposure and sharpness."""
    faces = detector().detect(photo.rgb)
    found, head = face_defects(
        faces,
        photo.grey,
        original_height=photo.height,
        person=lambda: segmenter().person(photo.rgb),
    )
    return found + pixel_defects(photo, head)


def face_region(grey: GreyImage, head: Head) -> GreyImage:
    """The face box, inside the frame; the central region when too little of it is."""
    h, w = grey.shape
    face = head.face
    x0, x1 = max(0, int(face.x0)), min(w, int(face.x1))
    y0, y1 = max(0, int(face.y0)), min(h, int(face.y1))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return centre(grey)
    return grey[y0:y1, x0:x1]


def centre(grey: GreyImage) -> GreyImage:
    h, w = grey.shape
    return grey[
        int(h * CENTRE_Y[0]) : max(int(h * CENTRE_Y[1]), int(h * CENTRE_Y[0]) + 3),
        int(w * CENTRE_X[0]) : max(int(w * CENTRE_X[1]), int(w * CENTRE_X[0]) + 3),
    ]


def mean_luma(region: GreyImage) -> float:
    return float(region.mean())


def laplacian_variance(region: GreyImage) -> float:
    if min(region.shape) < 3:
        return 0.0
    lap = (
        region[:-2, 1:-1]
        + region[2:, 1:-1]
        + region[1:-1, :-2]
        + region[1:-1, 2:]
        - 4.0 * region[1:-1, 1:-1]
    )
    return float(lap.var())


def sharpness(region: GreyImage) -> float:
    """How much of the region's contrast is fine detail, in percent: the variance of the
    4-neighbour Laplacian over the variance of the luma, on the region brought down to
    SHARPNESS_WIDTH px wide (never up). The ratio does not change with exposure or contrast
    (a face in dim light or flat light is not less sharp), and the fixed scale makes it
    judge blur in proportion to the face, not to the frame or the camera."""
    h, w = region.shape
    if w > SHARPNESS_WIDTH:
        size = (SHARPNESS_WIDTH, max(3, round(h * SHARPNESS_WIDTH / w)))
        image = Image.fromarray(np.ascontiguousarray(region, dtype=np.float32), "F")
        region = np.asarray(image.resize(size, Image.Resampling.BOX), dtype=np.float32)
    spread = float(region.var())
    if spread < 1e-6:
        return 0.0  # a flat region has no detail at all
    return 100.0 * laplacian_variance(region) / spread


def pixel_defects(photo: DecodedPhoto, head: Head | None = None) -> list[Defect]:
    """Exposure and sharpness, on the face box when there is one, else the central region."""
    region = centre(photo.grey) if head is None else face_region(photo.grey, head)
    defects: list[Defect] = []
    luma = round(mean_luma(region), 1)
    if luma < MIN_MEAN_LUMA:
        defects.append(
            Defect(
                code="too_dark",
                value=luma,
                threshold=f"mean luma ≥ {MIN_MEAN_LUMA:g} (0–255)",
                message_ja="写真が暗すぎます。明るい場所で撮り直してください。",
                message_en="The photo is too dark. Take it again in better light.",
            )
        )
    elif luma > MAX_MEAN_LUMA or float((region >= CLIPPED_LUMA).mean()) > MAX_CLIPPED_SHARE:
        defects.append(
            Defect(
                code="too_bright",
                value=luma,
                threshold=(
                    f"mean luma ≤ {MAX_MEAN_LUMA:g} (0–255) and ≤ {MAX_CLIPPED_SHARE:.0%} "
                    f"of it ≥ {CLIPPED_LUMA:g}"
                ),
                message_ja="写真が明るすぎます(白飛び)。光を抑えて撮り直してください。",
                message_en="The photo is too bright (washed out). Take it again with less light.",
            )
        )
    detail = round(sharpness(region), 2)
    if detail < MIN_SHARPNESS:
        defects.append(
            Defect(
                code="blurred",
                value=detail,
                threshold=(
                    f"fine detail ≥ {MIN_SHARPNESS:g} % of the face's contrast "
                    f"(Laplacian / luma variance, face {SHARPNESS_WIDTH} px wide)"
                ),
                message_ja="写真がぼやけています。ピントを合わせて撮り直してください。",
                message_en="The photo is blurred. Take it again in focus.",
            )
        )
    return defects
