"""The face of a letter that carries an Application ID: the ID, its QR code to apply
online, and the office to ask (the deficiency letter, the re-issue form)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mynumbercard.adapters.documents.layout import FOOTER_TOP_MM, MARGIN_MM, Face
from mynumbercard.adapters.documents.validity import group_digits

QR_SIZE_MM = 26.0


@dataclass(frozen=True, slots=True)
class ApplyFace:
    heading: str
    application_id: str
    application_url: str
    explanation: str  # beside the QR code
    office_name: str
    office_address: str
    office_phone: str
    office_hours: Sequence[str]
    footer: str


def draw_apply_face(face: Face, letter: ApplyFace) -> None:
    face.heading(letter.heading)
    face.paragraph("申請書ID", 7, after_mm=0.5)
    face.paragraph(group_digits(letter.application_id), 10, after_mm=1.5)
    top = face.y_mm
    face.qr(letter.application_url, MARGIN_MM - 1.5, top, QR_SIZE_MM)
    face.y_mm = top + 2
    face.paragraph(letter.explanation, 7, x_mm=MARGIN_MM + QR_SIZE_MM, after_mm=0)
    face.y_mm = max(face.y_mm, top + QR_SIZE_MM) + 1
    face.heading("お問い合わせ・窓口")
    face.paragraph(letter.office_name, 8.5, after_mm=0.5)
    face.paragraph(letter.office_address, 7, after_mm=0.5)
    face.paragraph(f"電話 {letter.office_phone}", 7, after_mm=1.5)
    face.paragraph("受付時間", 7, after_mm=0.5)
    face.bullets(letter.office_hours, 7)
    face.text_at(MARGIN_MM, FOOTER_TOP_MM, letter.footer, 6)
