"""The application's view of the ID-photo check (adapters/photo): typed findings."""

from __future__ import annotations

from mynumbercard.adapters.photo import check_photo
from mynumbercard.adapters.photo.marks import locate
from mynumbercard.domain.photo import PhotoMarks
from mynumbercard.services.application_ports import PhotoVerdict


class PhotoChecker:
    """Runs every check at upload; hard defects refuse the photo, soft ones warn."""

    def inspect(self, data: bytes) -> PhotoVerdict:
        report = check_photo(data)
        return PhotoVerdict(accepted=report.ok,
                            findings=tuple(d.finding() for d in report.defects))

    def marks(self, data: bytes) -> PhotoMarks | None:
        """Where the check looked, to draw on the photo (the review desk)."""
        return locate(data)
