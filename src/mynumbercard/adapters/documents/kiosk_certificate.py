"""The document a kiosk prints: a certificate of residence (住民票の写し) or of the
items on the register (住民票記載事項証明書), A4, with its verification code and a QR
code of the verification address (docs/services.md "The document")."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from mynumbercard.adapters.documents.fonts import register_font
from mynumbercard.adapters.documents.layout import draw_qr
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.era import format_both
from mynumbercard.domain.kiosk import KioskDocument
from mynumbercard.services.kiosk_ports import DocumentContent

SEX_JA = {"male": "男", "female": "女", "other": "その他"}
LEFT, WIDTH = 20 * mm, A4[0] - 40 * mm
ATTESTATION = {
    KioskDocument.RESIDENCE_CERTIFICATE: "この写しは、住民票の原本と相違ないことを証明する。",
    KioskDocument.REGISTER_ITEMS: "上記の事項は、住民票に記載されている事項と相違ないことを"
                                  "証明する。",
}


def render(content: DocumentContent) -> bytes:
    """The document as an unsigned PDF (the signature is added by the signer)."""
    font = register_font()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=False)
    canvas.setTitle(content.document.title_ja)
    canvas.setAuthor(content.municipality_name)
    canvas.setSubject(f"verification code {content.verification_code}")
    top = A4[1] - 25 * mm

    def line(text: str, size: float, *, x: float = LEFT, gap: float = 7.5) -> None:
        nonlocal top
        canvas.setFont(font, size)
        canvas.drawString(x, top, text)
        top -= gap * mm

    canvas.setFont(font, 18)
    canvas.drawCentredString(A4[0] / 2, top, content.document.title_ja)
    top -= 14 * mm
    rows = [("氏名", content.name), ("ふりがな", content.name_kana),
            ("生年月日", format_both(content.birth_date)),
            ("性別", SEX_JA.get(content.sex, content.sex)), ("住所", content.address)]
    if content.domicile is not None:
        rows.append(("本籍", content.domicile))
    for label, value in rows:
        line(f"{label}", 9, gap=0)
        line(value, 11, x=LEFT + 28 * mm)
    if content.household:
        top -= 2 * mm
        line("世帯員（同一住所に住民登録のある方）", 10)
        for member in content.household:
            line(f"{member.name}　{format_both(member.birth_date)}生　"
                 f"{SEX_JA.get(member.sex, member.sex)}", 10, x=LEFT + 6 * mm, gap=6.5)
    canvas.setLineWidth(0.4)
    canvas.line(LEFT, top, LEFT + WIDTH, top)
    top -= 10 * mm
    line(ATTESTATION[content.document], 10.5)
    issued = content.issued_at.astimezone(JST)
    line(format_both(issued.date()), 10.5)
    line(f"{content.municipality_name}長（電子署名による）", 12)
    qr_size = 30 * mm
    draw_qr(canvas, content.verify_url, LEFT + WIDTH - qr_size, 18 * mm, qr_size)
    canvas.setFont(font, 9)
    canvas.drawString(LEFT, 40 * mm, "検証コード（Verification code）")
    canvas.setFont(font, 14)
    canvas.drawString(LEFT, 32 * mm, content.verification_code)
    canvas.setFont(font, 7.5)
    canvas.drawString(LEFT, 25 * mm, "真正性の確認: QRコード、または次のページでコードを入力")
    canvas.drawString(LEFT, 21 * mm, content.verify_url.split("?")[0])
    canvas.drawString(LEFT, 17 * mm, f"コンビニ交付 {issued:%Y-%m-%d %H:%M} JST　"
                                     f"団体コード {content.municipality_code}")
    canvas.showPage()
    canvas.save()
    return out.getvalue()
