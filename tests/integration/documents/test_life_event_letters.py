"""The letters of the life events, as PDFs read back with pypdf: the sealed PIN-setting
request form (its number once, inside the sealed part), the Individual Number Notice,
the deficiency letter (its QR code decoded from the pixels), the reminder."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from mynumbercard.adapters.documents import PdfLetterPrinter
from mynumbercard.adapters.documents.layout import FACE_HEIGHT_MM
from mynumbercard.adapters.documents.pin_form import SEALED_AREA_MM
from mynumbercard.domain.era import format_both
from mynumbercard.services.letters import (
    DeficiencyNotice,
    IssuanceNotice,
    NumberNotice,
    PinSettingForm,
)

MM = 72 / 25.4

NOTICE = IssuanceNotice(
    holder_name="渡邉 美咲", holder_name_kana="ワタナベ ミサキ", postal_code="2310017",
    address="神奈川県横浜市中区港町1丁目1番地", office_name="横浜市中区役所",
    office_address="神奈川県横浜市中区日本大通35", office_phone="045-224-0000",
    office_hours=("平日 8時45分〜17時00分",), things_to_bring=("この交付通知書",),
    pick_up_deadline=date(2027, 2, 25), issued_on=date(2026, 11, 10),
    notice_date=date(2026, 11, 25), booking_url="https://yoyaku.example.lg.jp/visit",
    reference="141003-2026-004711")

FORM = PinSettingForm(holder_name="渡邉 美咲", holder_name_kana="ワタナベ ミサキ",
                      office_name="横浜市中区役所", notice_date=date(2026, 11, 25),
                      reference="141003-2026-004711", form_number="40718263")
NUMBER = NumberNotice(
    holder_name="山田［佐藤］ 花子", holder_name_kana="ヤマダ ハナコ",
    birth_date=date(2026, 11, 1), individual_number="123456789018", postal_code="1000001",
    address="東京都千代田区千代田1番1号", notice_date=date(2026, 11, 30),
    issuer="東京都千代田区長", office_name="千代田区役所", office_address="東京都千代田区",
    office_phone="03-0000-0000", reference="N0000000007")
DEFICIENCY = DeficiencyNotice(
    holder_name="渡邉 美咲", holder_name_kana="ワタナベ ミサキ", postal_code="2310017",
    address="神奈川県横浜市中区港町1丁目1番地", notice_date=date(2026, 11, 25),
    reason="顔写真が基準に合っていません。", message="背景に影があります。",
    what_to_do=("新しい写真をご用意ください。",),
    application_id="12345678901234567890128",
    application_url="https://apply.example.lg.jp/apply?application_id=12345678901234567890128",
    office_name="横浜市中区役所", office_address="神奈川県横浜市中区日本大通35",
    office_phone="045-224-0000", office_hours=("平日 8時45分〜17時00分",),
    reference="L0000000009")


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def decoded_qr_texts(pdf: bytes, page: int) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[page].render(scale=3.0).to_pil().convert("L")
    finally:
        document.close()
    return [code.text for code in zxingcpp.read_barcodes(image)]


@pytest.fixture(scope="module")
def printer() -> PdfLetterPrinter:
    return PdfLetterPrinter()


def placed_text(pdf: bytes, page: int) -> list[tuple[str, float, float]]:
    """Each run of text on the page with its position, in millimetres from the face's
    top-left corner (x, top)."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            x = tm[4] * cm[0] + cm[4]
            y = tm[5] * cm[3] + cm[5]
            found.append((text, x / MM, FACE_HEIGHT_MM - y / MM))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def test_the_pin_form_number_is_printed_once_and_only_inside_the_sealed_part(
        printer: PdfLetterPrinter) -> None:
    pdf = printer.pin_setting_form(FORM)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = text_of(pdf)
    assert "暗証番号設定依頼書" in text
    assert "封かん部分" in text  # the sealed part is marked
    assert "委任欄" in text
    assert "代理人" in text
    assert text.count(FORM.form_number) == 1
    (hit,) = [(x, top) for run, x, top in placed_text(pdf, 0) if FORM.form_number in run]
    left, top, right, bottom = SEALED_AREA_MM
    assert left <= hit[0] <= right
    assert top <= hit[1] <= bottom
    # every PIN has its row inside the sealed part, too
    for name in ("署名用電子証明書", "利用者証明用電子証明書", "住民基本台帳用",
                 "券面事項入力補助用"):
        (row,) = [t for run, _, t in placed_text(pdf, 0) if name in run]
        assert top <= row <= bottom
    assert FORM.form_number not in repr(FORM)


def test_without_a_signature_certificate_the_form_has_no_row_for_its_pin(
        printer: PdfLetterPrinter) -> None:
    text = text_of(printer.pin_setting_form(dataclasses.replace(FORM, signature_pin=False)))
    assert "署名用電子証明書" not in text
    assert "利用者証明用電子証明書" in text


def test_the_notice_of_issuance_never_carries_the_pin_form_number(
        printer: PdfLetterPrinter) -> None:
    assert FORM.form_number not in text_of(printer.issuance_notice(NOTICE))


def test_the_individual_number_notice_is_as_the_real_one(printer: PdfLetterPrinter) -> None:
    pdf = printer.number_notice(NUMBER)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3  # address face, two inner faces
    address_face = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "1234 5678 9018" not in address_face
    assert "個人番号通知書在中" in address_face
    notice = PdfReader(io.BytesIO(pdf)).pages[1].extract_text()
    for expected in ("個人番号通知書", "1234 5678 9018", "山田［佐藤］ 花子", "ヤマダ ハナコ",
                     format_both(NUMBER.birth_date), format_both(NUMBER.notice_date),
                     "東京都千代田区長"):
        assert expected in notice, expected
    # it says it is not a proof of the number
    assert "個人番号を証明する書類や本人確認の書類としては使えません" in notice.replace("\n", "")
    assert NUMBER.individual_number not in repr(NUMBER)


def test_the_deficiency_letter_says_why_what_to_do_and_how_to_apply_again(
        printer: PdfLetterPrinter) -> None:
    pdf = printer.deficiency_notice(DEFICIENCY)
    text = text_of(pdf)
    for expected in ("不備", DEFICIENCY.reason, DEFICIENCY.message, "新しい写真",
                     "1234 5678 9012 3456 7890 128", format_both(DEFICIENCY.notice_date)):
        assert expected in text, expected
    assert decoded_qr_texts(pdf, 2) == [DEFICIENCY.application_url]


def test_the_reminder_says_it_is_a_reminder_and_gives_the_last_day_kept(
        printer: PdfLetterPrinter) -> None:
    text = text_of(printer.issuance_notice(dataclasses.replace(NOTICE, reminder=True)))
    assert "再通知" in text
    assert "保管期限" in text
    assert "廃棄" in text
    assert format_both(NOTICE.pick_up_deadline) in text
    assert "再通知" not in text_of(printer.issuance_notice(NOTICE))


def test_a_mail_batch_holds_letters_of_every_kind_in_order(printer: PdfLetterPrinter) -> None:
    pdf = printer.mail_batch([NUMBER, DEFICIENCY])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 6
    assert "個人番号通知書" in reader.pages[1].extract_text()
    assert "不備" in reader.pages[4].extract_text()
