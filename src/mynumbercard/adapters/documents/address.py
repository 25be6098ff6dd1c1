"""The address face (宛名面) every letter shares: recipient, sender, what is inside.

The letters are sealed postcards (圧着はがき): the address face is all that shows in the
post; the notice itself is on the inner faces, seen only once the card is peeled open.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from mynumbercard.adapters.documents.layout import FACE_WIDTH_MM, MARGIN_MM, Face

# Where the holder's name is set on the address face (millimetres from the top-left):
# tests render this area to check that real glyphs were drawn.
NAME_TOP_MM = 52.0
NAME_SIZE_PT = 16.0
NAME_AREA_MM = (MARGIN_MM, NAME_TOP_MM, FACE_WIDTH_MM - MARGIN_MM, NAME_TOP_MM + 8.0)


@dataclass(frozen=True, slots=True)
class Envelope:
    """What the address face shows."""

    postal_code: str
    address: str
    name: str
    name_kana: str
    sender_name: str
    sender_address: str
    sender_phone: str
    enclosed: str  # e.g. 個人番号カード交付通知書在中
    reference: str


def format_postal_code(code: str) -> str:
    """``1008799`` → ``100-8799``; anything not seven digits is printed as given."""
    digits = code.replace("-", "").replace("－", "").strip()
    if len(digits) == 7 and digits.isascii() and digits.isdigit():
        return f"{digits[:3]}-{digits[3:]}"
    return code


def draw_address_face(face: Face, envelope: Envelope) -> None:
    canvas = face.canvas
    # the postage mark of bulk mail paid afterwards (料金後納郵便), top right
    face.box(FACE_WIDTH_MM - MARGIN_MM - 18, 5, 18, 14)
    face.text_at(FACE_WIDTH_MM - MARGIN_MM - 15.5, 7.5, "料金後納", 7)
    face.text_at(FACE_WIDTH_MM - MARGIN_MM - 13, 12.5, "郵便", 7)

    face.text_at(MARGIN_MM, 10, f"〒{format_postal_code(envelope.postal_code)}", 12)
    face.y_mm = 20
    face.paragraph(envelope.address, 10.5, width_mm=FACE_WIDTH_MM - 2 * MARGIN_MM - 4)

    face.text_at(MARGIN_MM + 2, NAME_TOP_MM - 5, envelope.name_kana, 7)
    name_width = stringWidth(envelope.name, face.font, NAME_SIZE_PT) / mm
    face.text_at(MARGIN_MM + 2, NAME_TOP_MM, envelope.name, NAME_SIZE_PT)
    face.text_at(MARGIN_MM + 4 + name_width, NAME_TOP_MM, "様", NAME_SIZE_PT)

    # 親展 (to be opened by the addressee only) and what the card holds
    canvas.setStrokeColorRGB(0.75, 0, 0)
    canvas.setFillColorRGB(0.75, 0, 0)
    face.box(MARGIN_MM, 70, 14, 9)
    face.text_at(MARGIN_MM + 2.5, 72, "親展", 10)
    face.text_at(MARGIN_MM + 17, 72.5, envelope.enclosed, 8.5)
    canvas.setStrokeGray(0)
    canvas.setFillGray(0)
    face.text_at(MARGIN_MM + 17, 78, "重要なお知らせです。必ず開いてお読みください。", 6.5)

    face.y_mm = 112
    face.rule(after_mm=2)
    face.paragraph(envelope.sender_name, 8.5, after_mm=0.3)
    face.paragraph(envelope.sender_address, 7, after_mm=0.3)
    face.paragraph(f"電話 {envelope.sender_phone}", 7, after_mm=0.3)
    face.text_right(FACE_WIDTH_MM - MARGIN_MM, 141, f"通知番号 {envelope.reference}", 6.5)
    face.text_at(MARGIN_MM, 141, "ここからはがしてください →", 6)
