"""The letters as PDFs: Japanese text that extracts, an embedded font whose glyphs
render, a QR code that decodes to the booking or application URL, a small file."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pypdfium2
import pytest
import zxingcpp
from PIL import Image, ImageChops
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from mynumbercard.adapters.documents import PdfLetterPrinter
from mynumbercard.adapters.documents.address import NAME_AREA_MM
from mynumbercard.adapters.documents.layout import FACE_HEIGHT_MM, FACE_WIDTH_MM
from mynumbercard.domain.era import format_both
from mynumbercard.services.letters import (
    IssuanceNotice,
    LetterPrinter,
    ValidityKind,
    ValidityNotice,
)

STANDARD_14 = {
    "Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique", "Helvetica",
    "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique", "Times-Roman",
    "Times-Bold", "Times-Italic", "Times-BoldItalic", "Symbol", "ZapfDingbats",
}  # fmt: skip

NOTICE = IssuanceNotice(
    holder_name="渡邉 美咲",
    holder_name_kana="ワタナベ ミサキ",
    postal_code="2310017",
    address="神奈川県横浜市中区港町1丁目1番地 港ハイツ502号室",
    office_name="横浜市中区役所 戸籍課 マイナンバーカード交付窓口",
    office_address="神奈川県横浜市中区日本大通35 中区役所1階",
    office_phone="045-224-0000",
    office_hours=("平日 8時45分〜17時00分", "第2・第4土曜日 9時〜12時（予約制）"),
    things_to_bring=("この交付通知書", "本人確認書類（運転免許証、パスポートなど）", "通知カード"),
    pick_up_deadline=date(2027, 2, 25),
    issued_on=date(2026, 11, 10),
    notice_date=date(2026, 11, 25),
    booking_url="https://yoyaku.example.lg.jp/visit?notice=141003-2026-004711",
    reference="141003-2026-004711",
)

VALIDITY = ValidityNotice(
    kind=ValidityKind.CARD,
    holder_name="渡邉 美咲",
    holder_name_kana="ワタナベ ミサキ",
    postal_code="231-0017",
    address="神奈川県横浜市中区港町1丁目1番地",
    expires_on=date(2027, 1, 31),
    renewal_from=date(2026, 10, 31),
    notice_date=date(2026, 11, 25),
    what_to_do=("申請書IDでオンライン申請するか、申請書を郵送してください。",),
    office_name="横浜市中区役所 戸籍課",
    office_address="神奈川県横浜市中区日本大通35",
    office_phone="045-224-0000",
    office_hours=("平日 8時45分〜17時00分",),
    reference="V-2026-000042",
    application_id="12345678901234567890128",
    application_url="https://apply.example.lg.jp/?id=12345678901234567890128",
)


@pytest.fixture(scope="module")
def printer() -> PdfLetterPrinter:
    return PdfLetterPrinter()


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def render(pdf: bytes, page: int, scale: float = 4.0) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image: Image.Image = document[page].render(scale=scale).to_pil().convert("L")
    finally:
        document.close()
    return image


def crop_mm(image: Image.Image, box: tuple[float, float, float, float]) -> Image.Image:
    """Crops ``box`` (left, top, right, bottom in mm from the face's top-left)."""
    per_mm_x = image.width / FACE_WIDTH_MM
    per_mm_y = image.height / FACE_HEIGHT_MM
    left, top, right, bottom = box
    return image.crop(
        (round(left * per_mm_x), round(top * per_mm_y),
         round(right * per_mm_x), round(bottom * per_mm_y))
    )  # fmt: skip


def decoded_qr_texts(pdf: bytes, page: int) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(render(pdf, page, scale=3.0))]


def test_the_printer_is_a_letter_printer(printer: PdfLetterPrinter) -> None:
    port: LetterPrinter = printer
    assert port.issuance_notice(NOTICE).startswith(b"%PDF-")


def test_issuance_notice_text_is_there_in_japanese(printer: PdfLetterPrinter) -> None:
    text = text_of(printer.issuance_notice(NOTICE))
    for expected in [
        "個人番号カード交付通知書",
        "〒231-0017",
        NOTICE.holder_name,
        NOTICE.holder_name_kana,
        "様",
        "受取期限",
        "2027年2月25日（令和9年2月25日）",
        "2026年11月10日（令和8年11月10日）",  # the card's issue date
        format_both(NOTICE.notice_date),
        *NOTICE.office_hours,
        *NOTICE.things_to_bring,
        NOTICE.office_phone,
        NOTICE.reference,
        "代理人",
    ]:
        assert expected in text, expected
    flat = text.replace("\n", "")
    assert NOTICE.address in flat  # the address may wrap
    assert NOTICE.office_name in flat


def test_proxy_note_replaces_the_default(printer: PdfLetterPrinter) -> None:
    notice = dataclasses.replace(NOTICE, proxy_note="代理人の受取はできません。")
    assert "代理人の受取はできません。" in text_of(printer.issuance_notice(notice))


def test_the_qr_code_carries_the_booking_url(printer: PdfLetterPrinter) -> None:
    pdf = printer.issuance_notice(NOTICE)
    assert decoded_qr_texts(pdf, 1) == [NOTICE.booking_url]
    assert decoded_qr_texts(pdf, 0) == []  # nothing readable on the address face


def test_a_long_url_still_decodes(printer: PdfLetterPrinter) -> None:
    url = "https://yoyaku.example.lg.jp/visit?" + "&".join(f"k{i}=v{i}" for i in range(20))
    pdf = printer.issuance_notice(dataclasses.replace(NOTICE, booking_url=url))
    assert decoded_qr_texts(pdf, 1) == [url]


def fonts_of(pdf: bytes) -> list[DictionaryObject]:
    reader = PdfReader(io.BytesIO(pdf))
    fonts = []
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        for ref in resources["/Font"].get_object().values():
            fonts.append(ref.get_object())
    return fonts


def test_the_japanese_font_is_embedded(printer: PdfLetterPrinter) -> None:
    fonts = fonts_of(printer.issuance_notice(NOTICE))
    assert fonts
    for font in fonts:
        base = str(font["/BaseFont"]).lstrip("/")
        assert base not in STANDARD_14
        assert "IPAexGothic" in base
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # the TrueType program itself, subset
        assert "/ToUnicode" in font  # so that the text extracts and searches


def test_the_glyphs_render_not_boxes(printer: PdfLetterPrinter) -> None:
    """A font without the glyphs draws every character as the same box (tofu): two
    names of the same length would look identical. Here they must differ, and ink
    must be there."""
    first = crop_mm(render(printer.issuance_notice(NOTICE), 0), NAME_AREA_MM)
    other = dataclasses.replace(NOTICE, holder_name="佐藤 健太")
    second = crop_mm(render(printer.issuance_notice(other), 0), NAME_AREA_MM)
    blank = dataclasses.replace(NOTICE, holder_name="")
    empty = crop_mm(render(printer.issuance_notice(blank), 0), NAME_AREA_MM)
    assert ImageChops.difference(first, second).getbbox() is not None
    ink = sum(first.histogram()[:128])  # pixels darker than mid-grey
    assert ink > 0.02 * first.width * first.height
    assert ink > 2 * sum(empty.histogram()[:128])


def test_a_postcard_is_small_and_deterministic(printer: PdfLetterPrinter) -> None:
    pdf = printer.issuance_notice(NOTICE)
    assert len(pdf) < 200_000
    assert printer.issuance_notice(NOTICE) == pdf
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3  # address face and the two inner faces
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (100, 148)


def test_a_card_validity_notice(printer: PdfLetterPrinter) -> None:
    pdf = printer.validity_notice(VALIDITY)
    text = text_of(pdf)
    for expected in [
        "個人番号カード有効期限通知書",
        VALIDITY.holder_name,
        "2027年1月31日（令和9年1月31日）",
        "2026年10月31日（令和8年10月31日）",
        "1234 5678 9012 3456 7890 128",
        *VALIDITY.what_to_do,
        *VALIDITY.office_hours,
    ]:
        assert expected in text, expected
    assert decoded_qr_texts(pdf, 2) == [VALIDITY.application_url]
    assert len(pdf) < 200_000
    # the fraud warning (issue 18), as the resident pages say it
    flat = text.replace("\n", "")
    assert "電話・メール・手紙でカードや暗証番号をたずねることはありません" in flat
    assert "電話をかけてきた人に送ることもありません" in flat


def test_a_certificates_validity_notice_has_no_application(printer: PdfLetterPrinter) -> None:
    notice = dataclasses.replace(
        VALIDITY,
        kind=ValidityKind.CERTIFICATES,
        what_to_do=("カードと暗証番号をお持ちのうえ、窓口で更新してください。",),
        application_id=None,
        application_url=None,
    )
    pdf = printer.validity_notice(notice)
    text = text_of(pdf)
    assert "電子証明書有効期限通知書" in text
    assert "申請書ID" not in text
    assert decoded_qr_texts(pdf, 2) == []


def test_a_print_run_holds_every_letter_in_order(printer: PdfLetterPrinter) -> None:
    names = ["渡邉 美咲", "佐藤 健太", "髙橋 さくら"]
    notices = [
        dataclasses.replace(NOTICE, holder_name=name, booking_url=f"{NOTICE.booking_url}{i}")
        for i, name in enumerate(names)
    ]
    pdf = printer.issuance_notices(notices)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3 * len(names)
    for i, name in enumerate(names):
        assert name in reader.pages[3 * i].extract_text()
        assert decoded_qr_texts(pdf, 3 * i + 1) == [notices[i].booking_url]
    assert len(pdf) < 2 * len(printer.issuance_notice(NOTICE))
