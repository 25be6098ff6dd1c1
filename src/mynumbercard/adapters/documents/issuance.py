"""The notice of issuance (個人番号カード交付通知書) on the two inner faces."""

from __future__ import annotations

from mynumbercard.adapters.documents.address import Envelope
from mynumbercard.adapters.documents.layout import FACE_WIDTH_MM, FOOTER_TOP_MM, MARGIN_MM, Face
from mynumbercard.domain.era import format_both
from mynumbercard.services.letters import IssuanceNotice

TITLE = "個人番号カード交付通知書"
REMINDER_TITLE = "個人番号カード交付通知書（再通知）"
REMINDER_LEAD = (
    "【再通知】先にお送りした交付通知書の受取期限を過ぎましたが、あなたの個人番号カード"
    "（マイナンバーカード）はまだ受け取られていません。下記の保管期限までに、ご本人が"
    "受取場所へお越しください。保管期限を過ぎるとカードは廃棄され、改めて申請が必要に"
    "なります。"
)
QR_SIZE_MM = 26.0

DEFAULT_PROXY_NOTE = (
    "カードはご本人への交付が原則です。病気、身体の障害その他やむを得ない理由により"
    "ご本人が来庁できない場合に限り、代理人が受け取ることができます。代理人の本人確認"
    "書類と、来庁できない理由を証明する書類が必要です。暗証番号はご本人が記入し封をした"
    "同封の暗証番号設定依頼書でお届けください。"
)


def title(notice: IssuanceNotice) -> str:
    return REMINDER_TITLE if notice.reminder else TITLE


def envelope(notice: IssuanceNotice) -> Envelope:
    return Envelope(
        postal_code=notice.postal_code,
        address=notice.address,
        name=notice.holder_name,
        name_kana=notice.holder_name_kana,
        sender_name=notice.office_name,
        sender_address=notice.office_address,
        sender_phone=notice.office_phone,
        enclosed=f"{title(notice)}在中",
        reference=notice.reference,
    )


def draw_notice_face(face: Face, notice: IssuanceNotice) -> None:
    """Inner left face: what happened, the deadline, booking a visit."""
    face.text_right(FACE_WIDTH_MM - MARGIN_MM, face.y_mm, format_both(notice.notice_date), 7)
    face.y_mm += 5
    face.paragraph(title(notice), 12 if notice.reminder else 13, after_mm=2)
    face.paragraph(f"{notice.holder_name} 様", 10.5, after_mm=2)
    face.paragraph(
        REMINDER_LEAD if notice.reminder else
        "あなたの個人番号カード（マイナンバーカード）の準備ができましたので、お知らせします。"
        "下記の受取期限までに、ご本人が受取場所へお越しください。",
        7.5 if not notice.reminder else 6.8,
        after_mm=2.5,
    )

    top = face.y_mm
    face.box(MARGIN_MM, top, FACE_WIDTH_MM - 2 * MARGIN_MM, 15)
    face.text_at(MARGIN_MM + 2, top + 1.8,
                 "保管期限（この日を過ぎるとカードは廃棄されます）" if notice.reminder
                 else "受取期限", 7.5)
    face.text_at(MARGIN_MM + 2, top + 7.5, format_both(notice.pick_up_deadline), 11)
    face.y_mm = top + 17
    face.paragraph(f"カード発行日　{format_both(notice.issued_on)}", 7, after_mm=0.5)
    if not notice.reminder:
        face.paragraph("受取期限を過ぎたときは、受取場所へお問い合わせください。", 6.5,
                       after_mm=2.5)
    else:
        face.y_mm += 2.5

    face.heading("来庁のご予約")
    top = face.y_mm
    face.qr(notice.booking_url, MARGIN_MM - 1.5, top, QR_SIZE_MM)
    text_x = MARGIN_MM + QR_SIZE_MM
    face.y_mm = top + 2
    face.paragraph(
        "窓口の混雑を避けるため、来庁日時のご予約をお願いします。"
        "スマートフォンで左のコードを読み取ってください。",
        7,
        x_mm=text_x,
        after_mm=1.5,
    )
    face.paragraph(notice.booking_url, 5.5, x_mm=text_x, after_mm=0)
    face.y_mm = max(face.y_mm, top + QR_SIZE_MM) + 1
    face.text_right(FACE_WIDTH_MM - MARGIN_MM, 141, f"通知番号 {notice.reference}", 6.5)


def draw_pick_up_face(face: Face, notice: IssuanceNotice) -> None:
    """Inner right face: what to bring, pick-up by a proxy, where and when."""
    face.heading("お持ちいただくもの")
    face.bullets(notice.things_to_bring, 7)
    face.heading("代理人による受取")
    face.paragraph(notice.proxy_note or DEFAULT_PROXY_NOTE, 6.5, after_mm=2)
    face.heading("受取場所・お問い合わせ")
    face.paragraph(notice.office_name, 8.5, after_mm=0.5)
    face.paragraph(notice.office_address, 7, after_mm=0.5)
    face.paragraph(f"電話 {notice.office_phone}", 7, after_mm=1.5)
    face.paragraph("受付時間", 7, after_mm=0.5)
    face.bullets(notice.office_hours, 7)
    face.text_at(MARGIN_MM, FOOTER_TOP_MM, "この通知書は受取の際に必ずお持ちください。", 6)
