"""The application's view of the ID-photo check (adapters/photo): findings as plain data."""

from __future__ import annotations

from typing import Any

from mynumbercard.adapters.photo import Defect, check_photo
from mynumbercard.services.application_ports import PhotoVerdict


def finding(defect: Defect) -> dict[str, Any]:
    return {"code": defect.code, "severity": defect.severity, "value": defect.value,
            "threshold": defect.threshold, "message_ja": defect.message_ja,
            "message_en": defect.message_en}


class PhotoChecker:
    """Runs every check at upload; hard defects refuse the photo, soft ones warn."""

    def inspect(self, data: bytes) -> PhotoVerdict:
        report = check_photo(data)
        return PhotoVerdict(accepted=report.ok, findings=[finding(d) for d in report.defects])
