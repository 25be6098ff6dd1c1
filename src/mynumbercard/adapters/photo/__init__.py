"""The ID-photo check (issue 6): safe decoding, face, framing, background and image-quality
checks. `check_photo(data) -> PhotoReport` is the entry point; see docs/photo.md."""

from mynumbercard.adapters.photo.checks import Check, DecodedPhoto, check_photo
from mynumbercard.adapters.photo.defects import SEVERITY, Defect, PhotoReport, Severity
from mynumbercard.adapters.photo.face import ModelMissing, detector

__all__ = [
    "SEVERITY",
    "Check",
    "DecodedPhoto",
    "Defect",
    "ModelMissing",
    "PhotoReport",
    "Severity",
    "check_photo",
    "detector",
]
