"""The validity notice (有効期限通知書) of a card or of its certificates, inner faces."""

from __future__ import annotations

from mynumbercard.adapters.documents.address import Envelope
from mynumbercard.adapters.documents.layout import FACE_WIDTH_MM, FOOTER_TOP_MM, MARGIN_MM, Face
from mynumbercard.domain.era import format_both
from mynumbercard.services.letters import ValidityKind, ValidityNotice

TITLES = {
    ValidityKind.CARD: "個人番号カード有効期限通知書",
    ValidityKind.CERTIFICATES: "電子証明書有効期限通知書",
    ValidityKind.CORRECTION: "個人番号カード有効期限の訂正のお知らせ",
}
SUBJECTS = {
    ValidityKind.CARD: "個人番号カード（マイナンバーカード）",
    ValidityKind.CERTIFICATES: "個人番号カードに搭載された電子証明書（署名用・利用者証明用）",
    ValidityKind.CORRECTION: "個人番号カード（マイナンバーカード）",
}
CORRECTION_LEAD = (
    "お渡ししたあなたの個人番号カードの有効期限に誤りがありました。深くお詫び申し上げます。"
    "正しい有効期限は下記のとおりです。カードはそのまま引き続きご利用いただけます。"
)
QR_SIZE_MM = 26.0
# The fraud this letter's proxy form invites (issue 18): printed on it as on the pages.
FRAUD_WARNING = (
    "【ご注意】市区町村や地方公共団体情報システム機構（J-LIS）が、電話・メール・手紙で"
    "カードや暗証番号をたずねることはありません。代理人用の書類を、電話をかけてきた人に"
    "送ることもありません。"
)


def title(notice: ValidityNotice) -> str:
    return TITLES[notice.kind]


def envelope(notice: ValidityNotice) -> Envelope:
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


def group_digits(application_id: str) -> str:
    """The Application ID in groups of four for reading aloud and typing."""
    return " ".join(application_id[i : i + 4] for i in range(0, len(application_id), 4))


def draw_expiry_face(face: Face, notice: ValidityNotice) -> None:
    """Inner left face: what expires and when, from when it can be renewed."""
    face.text_right(FACE_WIDTH_MM - MARGIN_MM, face.y_mm, format_both(notice.notice_date), 7)
    face.y_mm += 5
    face.paragraph(title(notice), 12, after_mm=2)
    face.paragraph(f"{notice.holder_name} 様", 10.5, after_mm=2)
    correction = notice.kind is ValidityKind.CORRECTION
    face.paragraph(
        CORRECTION_LEAD if correction else
        f"あなたの{SUBJECTS[notice.kind]}の有効期限が近づいています。"
        "有効期限を過ぎると、電子証明書を使った手続きやコンビニ交付などが利用できなくなります。"
        "更新の手続きは無料です。",
        7.5,
        after_mm=2.5,
    )
    top = face.y_mm
    face.box(MARGIN_MM, top, FACE_WIDTH_MM - 2 * MARGIN_MM, 15)
    face.text_at(MARGIN_MM + 2, top + 1.8, "正しい有効期限" if correction else "有効期限", 7.5)
    face.text_at(MARGIN_MM + 2, top + 7.5, format_both(notice.expires_on), 11)
    face.y_mm = top + 17
    if not correction:
        face.paragraph(f"更新の受付開始　{format_both(notice.renewal_from)}", 7, after_mm=0.5)
        face.paragraph("有効期限を過ぎた後も更新の手続きができます。", 6.5, after_mm=2.5)
    face.heading("お手続きの方法")
    face.bullets(notice.what_to_do, 7)
    face.y_mm += 1
    face.paragraph(FRAUD_WARNING, 6.5, after_mm=0)
    face.text_right(FACE_WIDTH_MM - MARGIN_MM, 141, f"通知番号 {notice.reference}", 6.5)


def draw_renewal_face(face: Face, notice: ValidityNotice) -> None:
    """Inner right face: for a card the new Application ID and its QR code; the office."""
    if notice.application_id is not None:
        face.heading("新しいカードの申請")
        face.paragraph("申請書ID", 7, after_mm=0.5)
        face.paragraph(group_digits(notice.application_id), 10, after_mm=1.5)
        if notice.application_url is not None:
            top = face.y_mm
            face.qr(notice.application_url, MARGIN_MM - 1.5, top, QR_SIZE_MM)
            face.y_mm = top + 2
            face.paragraph(
                "スマートフォンで左のコードを読み取ると、オンラインで申請できます。"
                "パソコンからは申請書IDを入力してください。",
                7,
                x_mm=MARGIN_MM + QR_SIZE_MM,
                after_mm=0,
            )
            face.y_mm = max(face.y_mm, top + QR_SIZE_MM) + 1
    face.heading("お問い合わせ・窓口")
    face.paragraph(notice.office_name, 8.5, after_mm=0.5)
    face.paragraph(notice.office_address, 7, after_mm=0.5)
    face.paragraph(f"電話 {notice.office_phone}", 7, after_mm=1.5)
    face.paragraph("受付時間", 7, after_mm=0.5)
    face.bullets(notice.office_hours, 7)
    face.text_at(
        MARGIN_MM, FOOTER_TOP_MM, "窓口へお越しの際は、この通知書とカードをお持ちください。", 6
    )
