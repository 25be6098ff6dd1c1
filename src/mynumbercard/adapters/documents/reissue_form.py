"""The form for a new card after a lost one (個人番号カード交付申請書（再交付）): why a new
card is needed, and the new Application ID with its QR code to apply."""

from __future__ import annotations

from mynumbercard.adapters.documents.address import Envelope
from mynumbercard.adapters.documents.apply_face import ApplyFace, draw_apply_face
from mynumbercard.adapters.documents.layout import FACE_WIDTH_MM, MARGIN_MM, Face
from mynumbercard.adapters.documents.validity import FRAUD_WARNING
from mynumbercard.domain.era import format_both
from mynumbercard.services.letters import ReissueForm

TITLE = "個人番号カード交付申請書（再交付）"


def envelope(form: ReissueForm) -> Envelope:
    return Envelope(
        postal_code=form.postal_code, address=form.address, name=form.holder_name,
        name_kana=form.holder_name_kana, sender_name=form.office_name,
        sender_address=form.office_address, sender_phone=form.office_phone,
        enclosed=f"{TITLE}在中", reference=form.reference)


def draw_lead_face(face: Face, form: ReissueForm) -> None:
    face.text_right(FACE_WIDTH_MM - MARGIN_MM, face.y_mm, format_both(form.notice_date), 7)
    face.y_mm += 5
    face.paragraph(TITLE, 11, after_mm=2)
    face.paragraph(f"{form.holder_name} 様", 10.5, after_mm=2)
    face.paragraph("紛失の届出があった個人番号カードが見つからなかったため、カードの電子証明書"
                   "（署名用・利用者証明用）を失効しました。このカードは今後使えません。"
                   "新しいカードの交付を、この申請書で申請してください。", 7.5, after_mm=2.5)
    face.heading("お手続きの方法")
    face.bullets(form.what_to_do, 7)
    face.y_mm += 1
    face.paragraph(FRAUD_WARNING, 6.5, after_mm=0)
    face.text_right(FACE_WIDTH_MM - MARGIN_MM, 141, f"通知番号 {form.reference}", 6.5)


def draw_form_face(face: Face, form: ReissueForm) -> None:
    draw_apply_face(face, ApplyFace(
        heading="申請", application_id=form.application_id,
        application_url=form.application_url,
        explanation=("スマートフォンで左のコードを読み取ると、この申請書IDでオンラインから"
                    "申請できます。パソコンからは申請書IDを入力してください。"),
        office_name=form.office_name, office_address=form.office_address,
        office_phone=form.office_phone, office_hours=form.office_hours,
        footer="窓口へお越しの際は、この申請書をお持ちください。"))
