"""Letters as PDF: sealed postcards in Japanese with embedded fonts and QR codes.

See docs/documents.md. The one entry point is ``PdfLetterPrinter``.
"""

from mynumbercard.adapters.documents.printer import PdfLetterPrinter

__all__ = ["PdfLetterPrinter"]
