"""Drawing helpers for the letters: a cursor down a face, Japanese line breaking, QR codes.

Coordinates are in millimetres from the face's top-left corner (reportlab's origin is
bottom-left in points; ``Face`` converts). Japanese has no spaces to break at: a line
breaks between any two characters, except that closing punctuation never starts a
line and opening brackets never end one (a simple 禁則処理).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy
import zxingcpp
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

# The face of a postcard (官製はがき), portrait.
FACE_WIDTH_MM = 100.0
FACE_HEIGHT_MM = 148.0
MARGIN_MM = 7.0
FOOTER_TOP_MM = 140.0

_NO_LINE_START = set("、。，．・：；？！ー）」』】〕］｝〉》ぁぃぅぇぉっゃゅょァィゥェォッャュョ")
_NO_LINE_END = set("（「『【〔［｛〈《")


@lru_cache(maxsize=4096)
def wrap(text: str, font: str, size: float, width_mm: float) -> tuple[str, ...]:
    """Lines of ``text`` no wider than ``width_mm`` at ``size`` points, breaking between
    characters (explicit newlines kept), with the 禁則 rules above. Cached: the fixed
    sentences of a letter are wrapped once per process."""
    limit = width_mm * mm
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        line_width = 0.0
        for char in paragraph:
            char_width = stringWidth(char, font, size)
            if not line or line_width + char_width <= limit:
                line += char
                line_width += char_width
                continue
            if char in _NO_LINE_START or line[-1] in _NO_LINE_END:
                # carry the line's tail over, back to a character that may start a line
                cut = len(line) - 1
                while cut > 1 and (line[cut] in _NO_LINE_START or line[cut - 1] in _NO_LINE_END):
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:] + char
            else:
                lines.append(line)
                line = char
            if not lines[-1]:  # a one-character line followed by 、: nothing to carry
                lines.pop()
            line_width = stringWidth(line, font, size)
        lines.append(line)
    return tuple(lines)


class Face:
    """One face of the postcard (one PDF page) with a text cursor moving down it."""

    def __init__(self, canvas: Canvas, font: str) -> None:
        self.canvas = canvas
        self.font = font
        self.y_mm = MARGIN_MM

    def _baseline(self, top_mm: float, size: float) -> float:
        return float(FACE_HEIGHT_MM * mm - top_mm * mm - size * 0.88)

    def text_at(self, x_mm: float, top_mm: float, text: str, size: float) -> None:
        """One line with its top at ``top_mm``; does not move the cursor."""
        self.canvas.setFont(self.font, size)
        self.canvas.drawString(x_mm * mm, self._baseline(top_mm, size), text)

    def text_right(self, right_mm: float, top_mm: float, text: str, size: float) -> None:
        self.canvas.setFont(self.font, size)
        self.canvas.drawRightString(right_mm * mm, self._baseline(top_mm, size), text)

    def paragraph(
        self,
        text: str,
        size: float,
        *,
        x_mm: float = MARGIN_MM,
        width_mm: float | None = None,
        leading: float = 1.35,
        after_mm: float = 1.5,
    ) -> None:
        """Wrapped text at the cursor; the cursor moves below it."""
        width = width_mm if width_mm is not None else FACE_WIDTH_MM - x_mm - MARGIN_MM
        for line in wrap(text, self.font, size, width):
            self.text_at(x_mm, self.y_mm, line, size)
            self.y_mm += size * leading / mm
        self.y_mm += after_mm

    def heading(self, text: str, size: float = 8.5) -> None:
        """A section heading: a dark bar with white text, full width."""
        height = size * 1.5 / mm
        self.canvas.setFillGray(0.2)
        self.canvas.rect(
            MARGIN_MM * mm,
            (FACE_HEIGHT_MM - self.y_mm - height) * mm,
            (FACE_WIDTH_MM - 2 * MARGIN_MM) * mm,
            height * mm,
            stroke=0,
            fill=1,
        )
        self.canvas.setFillGray(1)
        self.text_at(MARGIN_MM + 1.5, self.y_mm + (height - size / mm) / 2, text, size)
        self.canvas.setFillGray(0)
        self.y_mm += height + 1.5

    def bullets(self, lines: Iterable[str], size: float, mark: str = "・") -> None:
        indent = stringWidth(mark, self.font, size) / mm
        for line in lines:
            self.text_at(MARGIN_MM, self.y_mm, mark, size)
            self.paragraph(line, size, x_mm=MARGIN_MM + indent, after_mm=0.4)
        self.y_mm += 1.0

    def box(self, x_mm: float, top_mm: float, width_mm: float, height_mm: float) -> None:
        self.canvas.setLineWidth(0.6)
        self.canvas.rect(
            x_mm * mm,
            (FACE_HEIGHT_MM - top_mm - height_mm) * mm,
            width_mm * mm,
            height_mm * mm,
            stroke=1,
            fill=0,
        )

    def rule(self, after_mm: float = 2.0) -> None:
        self.canvas.setLineWidth(0.3)
        y = (FACE_HEIGHT_MM - self.y_mm) * mm
        self.canvas.line(MARGIN_MM * mm, y, (FACE_WIDTH_MM - MARGIN_MM) * mm, y)
        self.y_mm += after_mm

    def qr(self, data: str, x_mm: float, top_mm: float, size_mm: float) -> None:
        """A QR code of ``data`` (error correction M, quiet zone of 4 modules included in
        ``size_mm``), drawn as vector rectangles, one per run of dark modules in a row."""
        draw_qr(
            self.canvas, data, x_mm * mm, (FACE_HEIGHT_MM - top_mm - size_mm) * mm, size_mm * mm
        )


def qr_matrix(data: str) -> list[list[bool]]:
    """The modules of ``data`` as a QR code (byte mode, error correction M, the mask
    chosen by the standard's penalty rules), rows top to bottom, ``True`` for dark;
    without the quiet zone. zxing-cpp encodes in C++: about 0.3 ms a code, where a
    pure-Python encoder spends about 5 ms choosing the mask."""
    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = code.to_image(scale=1, add_quiet_zones=False)
    modules = numpy.asarray(image) == 0  # one byte a module: 0 dark, 255 light
    return [[bool(dark) for dark in row] for row in modules.tolist()]


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """``data`` as a QR code in the square of side ``size`` points at (``x``, ``y``), a
    quiet zone of 4 modules included, drawn as one filled path of vector rectangles (one
    per run of dark modules in a row)."""
    matrix = qr_matrix(data)
    quiet = 4
    cell = size / (len(matrix) + 2 * quiet)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + quiet + 1) * cell
        column = 0
        width = len(row)
        while column < width:
            if row[column]:
                start = column
                while column < width and row[column]:
                    column += 1
                path.rect(x + (start + quiet) * cell, top, (column - start) * cell, cell)
            else:
                column += 1
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)
