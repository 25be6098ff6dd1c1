"""The ID-photo check (issue 6): safe decoding and image-quality checks. See docs/photo.md."""

from mynumbercard.adapters.photo.checks import Check, DecodedPhoto, check_photo
from mynumbercard.adapters.photo.defects import SEVERITY, Defect, PhotoReport

__all__ = ["SEVERITY", "Check", "DecodedPhoto", "Defect", "PhotoReport", "check_photo"]
