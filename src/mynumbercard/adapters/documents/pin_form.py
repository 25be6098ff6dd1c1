"""The sealed PIN-setting request form (暗証番号設定依頼書), one face.

The upper part is open: what the form is for and the delegation the holder fills in for
the proxy (委任欄). The lower part is sealed (封かん部分): the holder writes the PINs
there and folds it over the dotted line; the form number is printed there and nowhere
else, so only the clerk who opens the sealed part reads it.
"""

from __future__ import annotations

from reportlab.lib.units import mm

from mynumbercard.adapters.documents.layout import FACE_HEIGHT_MM, FACE_WIDTH_MM, MARGIN_MM, Face
from mynumbercard.domain.era import format_both
from mynumbercard.services.letters import PinSettingForm

TITLE = "暗証番号設定依頼書"
# The sealed part, millimetres from the face's top-left: (left, top, right, bottom).
SEALED_TOP_MM = 84.0
SEALED_AREA_MM = (MARGIN_MM, SEALED_TOP_MM, FACE_WIDTH_MM - MARGIN_MM, FACE_HEIGHT_MM - 4.0)
SEALED_LABEL = "封かん部分　ご本人が暗証番号を記入し、点線で折り返して封をしてください"

PINS = (
    ("署名用電子証明書", "英大文字と数字 6〜16桁", 16),
    ("利用者証明用電子証明書", "数字 4桁", 4),
    ("住民基本台帳用", "数字 4桁", 4),
    ("券面事項入力補助用", "数字 4桁", 4),
)


def draw_form_face(face: Face, form: PinSettingForm) -> None:
    face.text_right(FACE_WIDTH_MM - MARGIN_MM, face.y_mm, format_both(form.notice_date), 7)
    face.y_mm += 5
    face.paragraph(f"個人番号カード　{TITLE}", 11.5, after_mm=1.5)
    face.paragraph(f"{form.holder_name} 様（{form.holder_name_kana}）", 9, after_mm=1.5)
    face.paragraph(
        "ご本人が来庁できず代理人がカードを受け取る場合に限り使います。ご本人が下の封かん"
        "部分に暗証番号を記入し、封をして代理人に託してください。窓口では職員が代理人の"
        "前で開封し、暗証番号を入力した後、この用紙をその場で廃棄します。暗証番号を代理人"
        "に伝えたり、封を開けたりしないでください。",
        6.5, after_mm=2)
    face.heading("委任欄（ご本人が記入してください）", 7.5)
    for line in ("代理人の氏名", "来庁できない理由　□病気　□身体の障害　□その他（　　　　）",
                 "ご本人の署名"):
        face.paragraph(line, 7, after_mm=0.6)
        face.rule(after_mm=2.2)
    face.paragraph(f"受取場所　{form.office_name}　　通知番号 {form.reference}", 6.5,
                   after_mm=0)
    _draw_sealed_part(face, form)


def _draw_sealed_part(face: Face, form: PinSettingForm) -> None:
    left, top, right, bottom = SEALED_AREA_MM
    canvas = face.canvas
    canvas.setDash(2, 1.5)
    face.box(left, top, right - left, bottom - top)
    canvas.setDash()
    face.text_at(left, top - 3.2, "- - - - - - - - - - 山折り - - - - - - - - - -", 6)
    face.y_mm = top + 1.5
    face.paragraph(SEALED_LABEL, 6.5, x_mm=left + 2, width_mm=right - left - 4, after_mm=1)
    face.paragraph(f"依頼書番号　{form.form_number}", 9, x_mm=left + 2, after_mm=1.5)
    for name, rule, boxes in PINS:
        if name == "署名用電子証明書" and not form.signature_pin:
            continue
        face.paragraph(f"{name}（{rule}）", 6.5, x_mm=left + 2, after_mm=0.4)
        _boxes(face, left + 2, face.y_mm, boxes)
        face.y_mm += 6.5
    face.paragraph("職員記入欄　開封・入力・廃棄の確認（　　）", 6, x_mm=left + 2, after_mm=0)


def _boxes(face: Face, x_mm: float, top_mm: float, count: int) -> None:
    side = 4.6
    face.canvas.setLineWidth(0.4)
    for i in range(count):
        face.canvas.rect((x_mm + i * side) * mm, (FACE_HEIGHT_MM - top_mm - side) * mm,
                         side * mm, side * mm, stroke=1, fill=0)
