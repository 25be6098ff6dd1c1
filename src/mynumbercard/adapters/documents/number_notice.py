"""The Individual Number Notice (個人番号通知書), inner faces.

As the real notice (since 2020-05-25): the name, the birth date, the number, the date it
was issued and the issuing mayor; it says that it cannot be used to prove the number or
as identification, and how to apply for the card.
"""

from __future__ import annotations

from mynumbercard.adapters.documents.address import Envelope
from mynumbercard.adapters.documents.layout import FACE_WIDTH_MM, FOOTER_TOP_MM, MARGIN_MM, Face
from mynumbercard.domain.era import format_both
from mynumbercard.services.letters import NumberNotice

TITLE = "個人番号通知書"
NOT_A_PROOF = ("この通知書は、個人番号を証明する書類や本人確認の書類としては使えません。"
               "個人番号の提示が必要な手続では、個人番号カードまたは個人番号が記載された"
               "住民票の写しなどをお使いください。")
KEEP_IT = (
    "個人番号は一生使う番号です。この通知書は大切に保管してください。",
    "個人番号は、法律で定められた社会保障・税・災害対策の手続に限って使われます。"
    "むやみに他人に教えないでください。",
    "住所や氏名が変わっても、この通知書の記載は変更されません。",
)
APPLY = (
    "個人番号カード（マイナンバーカード）は、申請により無料で交付されます。",
    "申請はスマートフォン・パソコン・郵送・証明写真機、またはお住まいの市区町村の窓口で"
    "できます。",
)


def group_number(number: str) -> str:
    """The number in groups of four, as printed on the notice."""
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))


def envelope(notice: NumberNotice) -> Envelope:
    return Envelope(
        postal_code=notice.postal_code, address=notice.address, name=notice.holder_name,
        name_kana=notice.holder_name_kana, sender_name=notice.office_name,
        sender_address=notice.office_address, sender_phone=notice.office_phone,
        enclosed=f"{TITLE}在中", reference=notice.reference)


def draw_notice_face(face: Face, notice: NumberNotice) -> None:
    face.paragraph(TITLE, 14, after_mm=3)
    top = face.y_mm
    face.box(MARGIN_MM, top, FACE_WIDTH_MM - 2 * MARGIN_MM, 46)
    face.y_mm = top + 2
    for label, value, size in (("個人番号", group_number(notice.individual_number), 14),
                               ("氏名", notice.holder_name, 11),
                               ("氏名の振り仮名", notice.holder_name_kana, 7.5),
                               ("生年月日", format_both(notice.birth_date), 8)):
        face.paragraph(label, 6.5, x_mm=MARGIN_MM + 2, after_mm=0.3)
        face.paragraph(value, size, x_mm=MARGIN_MM + 4, after_mm=1.2)
    face.y_mm = top + 49
    face.paragraph(f"発行日　{format_both(notice.notice_date)}", 7.5, after_mm=1)
    face.paragraph(f"発行者　{notice.issuer}", 7.5, after_mm=3)
    face.heading("ご注意")
    face.paragraph(NOT_A_PROOF, 7, after_mm=1.5)
    face.text_right(FACE_WIDTH_MM - MARGIN_MM, 141, f"通知番号 {notice.reference}", 6.5)


def draw_guidance_face(face: Face, notice: NumberNotice) -> None:
    face.heading("個人番号について")
    face.bullets(KEEP_IT, 7)
    face.heading("個人番号カードの申請")
    face.bullets(APPLY, 7)
    face.heading("お問い合わせ")
    face.paragraph(notice.office_name, 8.5, after_mm=0.5)
    face.paragraph(notice.office_address, 7, after_mm=0.5)
    face.paragraph(f"電話 {notice.office_phone}", 7, after_mm=1.5)
    face.text_at(MARGIN_MM, FOOTER_TOP_MM, "この通知書は再発行されません。大切に保管してください。",
                 6)
