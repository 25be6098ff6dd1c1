"""``PdfLetterPrinter``: the ``LetterPrinter`` port as PDF postcards set in IPAex Gothic."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from mynumbercard.adapters.documents import (
    deficiency,
    issuance,
    number_notice,
    pin_form,
    reissue_form,
    validity,
)
from mynumbercard.adapters.documents.address import Envelope, draw_address_face
from mynumbercard.adapters.documents.fonts import register_font
from mynumbercard.adapters.documents.layout import FACE_HEIGHT_MM, FACE_WIDTH_MM, Face
from mynumbercard.services.letters import (
    DeficiencyNotice,
    IssuanceNotice,
    MailedLetter,
    NumberNotice,
    PinSettingForm,
    ReissueForm,
    ValidityNotice,
)

DrawFace = Callable[[Face], None]
Letter = tuple[Envelope, Sequence[DrawFace]]  # the address face, then the inner faces


class PdfLetterPrinter:
    """Prints each letter as a sealed postcard (圧着はがき), one PDF page a face of
    100×148 mm: the address face, then the two inner faces.

    ``font_path``: another TrueType font with Japanese glyphs (default: IPAex Gothic from
    the ``matplotlib-fontja`` package). The output is deterministic: the same letter
    gives the same bytes (no timestamp, no random document ID).
    """

    def __init__(self, font_path: Path | None = None) -> None:
        self.font = register_font(font_path)

    def issuance_notice(self, notice: IssuanceNotice) -> bytes:
        return self._print(issuance.title(notice), [_issuance_letter(notice)])

    def pin_setting_form(self, form: PinSettingForm) -> bytes:
        """One face, no address face: it goes in the envelope with the notice."""
        out = io.BytesIO()
        canvas = self._canvas(out, pin_form.TITLE)
        pin_form.draw_form_face(Face(canvas, self.font), form)
        canvas.showPage()
        canvas.save()
        return out.getvalue()

    def number_notice(self, notice: NumberNotice) -> bytes:
        return self._print(number_notice.TITLE, [_number_letter(notice)])

    def deficiency_notice(self, notice: DeficiencyNotice) -> bytes:
        return self._print(deficiency.TITLE, [_deficiency_letter(notice)])

    def reissue_form(self, form: ReissueForm) -> bytes:
        return self._print(reissue_form.TITLE, [_reissue_letter(form)])

    def mail_batch(self, letters: Sequence[MailedLetter]) -> bytes:
        """The outgoing mail's print file: letters of any kind, in order."""
        return self._print("郵送物", [_mailed(letter) for letter in letters])

    def validity_notice(self, notice: ValidityNotice) -> bytes:
        return self._print(validity.title(notice), [_validity_letter(notice)])

    def issuance_notices(self, notices: Sequence[IssuanceNotice]) -> bytes:
        """Many notices in one PDF, three pages each in order: a print run's file for a
        mailing house. The font is embedded once, so a letter costs a fraction of
        ``issuance_notice``'s time and size."""
        return self._print(issuance.TITLE, [_issuance_letter(notice) for notice in notices])

    def validity_notices(self, notices: Sequence[ValidityNotice]) -> bytes:
        """Many validity notices in one PDF (a mailing batch), like `issuance_notices`."""
        title = "有効期限通知書" if len({n.kind for n in notices}) != 1 else validity.title(
            notices[0])
        return self._print(title, [_validity_letter(notice) for notice in notices])

    def _canvas(self, out: io.BytesIO, title: str) -> Canvas:
        canvas = Canvas(
            out,
            pagesize=(FACE_WIDTH_MM * mm, FACE_HEIGHT_MM * mm),
            invariant=True,
            initialFontName=self.font,  # else every page references Helvetica, unused
            pageCompression=True,
        )
        canvas.setTitle(title)
        canvas.setCreator("mynumbercard")
        return canvas

    def _print(self, title: str, letters: Sequence[Letter]) -> bytes:
        out = io.BytesIO()
        canvas = self._canvas(out, title)
        for envelope, inner_faces in letters:
            draw_address_face(Face(canvas, self.font), envelope)
            for draw in inner_faces:
                canvas.showPage()
                draw(Face(canvas, self.font))
            canvas.showPage()
        canvas.save()
        return out.getvalue()


def _issuance_letter(notice: IssuanceNotice) -> Letter:
    return issuance.envelope(notice), [
        lambda face: issuance.draw_notice_face(face, notice),
        lambda face: issuance.draw_pick_up_face(face, notice),
    ]


def _validity_letter(notice: ValidityNotice) -> Letter:
    return validity.envelope(notice), [
        lambda face: validity.draw_expiry_face(face, notice),
        lambda face: validity.draw_renewal_face(face, notice),
    ]


def _number_letter(notice: NumberNotice) -> Letter:
    return number_notice.envelope(notice), [
        lambda face: number_notice.draw_notice_face(face, notice),
        lambda face: number_notice.draw_guidance_face(face, notice),
    ]


def _deficiency_letter(notice: DeficiencyNotice) -> Letter:
    return deficiency.envelope(notice), [
        lambda face: deficiency.draw_reason_face(face, notice),
        lambda face: deficiency.draw_reapply_face(face, notice),
    ]


def _reissue_letter(form: ReissueForm) -> Letter:
    return reissue_form.envelope(form), [
        lambda face: reissue_form.draw_lead_face(face, form),
        lambda face: reissue_form.draw_form_face(face, form),
    ]


def _mailed(letter: MailedLetter) -> Letter:
    if isinstance(letter, NumberNotice):
        return _number_letter(letter)
    if isinstance(letter, DeficiencyNotice):
        return _deficiency_letter(letter)
    if isinstance(letter, ReissueForm):
        return _reissue_letter(letter)
    return _validity_letter(letter)
