"""The ID-photo check's findings as the application keeps them (docs/photo.md).

Each defect has a code and a severity: a hard one refuses the photo; a soft one is
submitted with a warning and shown to the reviewer (a crop can re-centre a face, a
cluttered background can be judged acceptable by eye)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

# Sizes: KB and MB are decimal (1 KB = 1000 bytes, 1 MB = 1000 000 bytes), as the
# application guidance states them and as the applicant's file manager shows them.
MIN_FILE_BYTES = 20_000
MAX_FILE_BYTES = 7_000_000


class PhotoDefect(StrEnum):
    FORMAT = "format"
    FILE_SIZE = "file_size"
    RESOLUTION = "resolution"
    NO_FACE = "no_face"
    MULTIPLE_FACES = "multiple_faces"
    TOO_CLOSE = "too_close"
    TOO_SMALL = "too_small"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    BLURRED = "blurred"
    OFF_CENTER = "off_center"
    BACKGROUND = "background"


class Severity(StrEnum):
    HARD = "hard"  # the photo cannot be submitted
    SOFT = "soft"  # submitted with a warning


# Hard: the file is unusable, or no single face can be cropped and verified from it.
SEVERITY: Mapping[PhotoDefect, Severity] = {
    code: Severity.SOFT if code in (PhotoDefect.OFF_CENTER, PhotoDefect.BACKGROUND)
    else Severity.HARD for code in PhotoDefect}


@dataclass(frozen=True, slots=True)
class PhotoFinding:
    """One defect found: its measure, the threshold it failed, plain messages."""

    code: PhotoDefect
    severity: Severity
    value: float | str | None
    threshold: str
    message_ja: str
    message_en: str

    @classmethod
    def of(cls, code: str, *, value: float | str | None, threshold: str, message_ja: str,
           message_en: str) -> PhotoFinding:
        """A finding; its severity follows from its code (ValueError on an unknown code)."""
        defect = PhotoDefect(code)
        return cls(defect, SEVERITY[defect], value, threshold, message_ja, message_en)


def refusing(findings: Iterable[PhotoFinding]) -> tuple[PhotoFinding, ...]:
    return tuple(f for f in findings if f.severity is Severity.HARD)


def warnings(findings: Iterable[PhotoFinding]) -> tuple[PhotoFinding, ...]:
    return tuple(f for f in findings if f.severity is Severity.SOFT)


@dataclass(frozen=True, slots=True)
class Box:
    """A region of the photo, in fractions of its width (x) and height (y)."""

    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True, slots=True)
class PhotoMarks:
    """Where the check looked, to draw its findings on the photo for a reviewer: every
    face found (the main one first), the main head (crown to chin), the edges of the
    frame that cut it off, and the background region measured for clutter (in cells)."""

    faces: tuple[Box, ...]
    head: Box | None
    cut: tuple[str, ...]  # "top", "bottom", "left", "right"
    background: tuple[Box, ...]
