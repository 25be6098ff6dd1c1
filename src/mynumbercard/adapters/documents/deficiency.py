"""The letter to an applicant whose application is deficient (申請書の不備のお知らせ):
what is wrong, what to do, and the Application ID with its QR code to apply again."""

from __future__ import annotations

from mynumbercard.adapters.documents.address import Envelope
from mynumbercard.adapters.documents.apply_face import ApplyFace, draw_apply_face
from mynumbercard.adapters.documents.layout import FACE_WIDTH_MM, MARGIN_MM, Face
from mynumbercard.domain.era import format_both
from mynumbercard.services.letters import DeficiencyNotice

TITLE = "個人番号カード交付申請書の不備のお知らせ"


def envelope(notice: DeficiencyNotice) -> Envelope:
    return Envelope(
        postal_code=notice.postal_code, address=notice.address, name=notice.holder_name,
        name_kana=notice.holder_name_kana, sender_name=notice.office_name,
        sender_address=notice.office_address, sender_phone=notice.office_phone,
        enclosed="個人番号カード申請に関するお知らせ在中", reference=notice.reference)


def draw_reason_face(face: Face, notice: DeficiencyNotice) -> None:
    face.text_right(FACE_WIDTH_MM - MARGIN_MM, face.y_mm, format_both(notice.notice_date), 7)
    face.y_mm += 5
    face.paragraph(TITLE, 11, after_mm=2)
    face.paragraph(f"{notice.holder_name} 様", 10.5, after_mm=2)
    face.paragraph("お申し込みいただいた個人番号カードの交付申請に不備があったため、"
                   "このままではカードを作ることができません。下記をご確認のうえ、"
                   "もう一度申請してください。", 7.5, after_mm=2.5)
    face.heading("不備の内容")
    face.paragraph(notice.reason, 8.5, after_mm=1)
    face.paragraph(notice.message, 7.5, after_mm=2.5)
    face.heading("お手続きの方法")
    face.bullets(notice.what_to_do, 7)
    face.text_right(FACE_WIDTH_MM - MARGIN_MM, 141, f"通知番号 {notice.reference}", 6.5)


def draw_reapply_face(face: Face, notice: DeficiencyNotice) -> None:
    draw_apply_face(face, ApplyFace(
        heading="再申請", application_id=notice.application_id,
        application_url=notice.application_url,
        explanation=("スマートフォンで左のコードを読み取ると、同じ申請書IDでオンラインから"
                    "再申請できます。パソコンからは申請書IDを入力してください。"),
        office_name=notice.office_name, office_address=notice.office_address,
        office_phone=notice.office_phone, office_hours=notice.office_hours,
        footer="窓口へお越しの際は、このお知らせをお持ちください。"))
