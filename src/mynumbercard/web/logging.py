"""Keep Individual Numbers out of the server's logs (they travel in some URL paths).

A number may be written in any form: `123456789018`, `1234 5678 9018`, `1234-5678-9018`,
full-width `１２３４５６７８９０１８`, percent-encoded in a path, or mixed. The text is
percent-decoded and NFKC-normalised (full-width digits and hyphens become ASCII) before
any run of 12 or more digits, joined or not by spaces, hyphens or dashes, is replaced.
Over-redacting (a 23-digit Application ID, say) is the safe side.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from urllib.parse import unquote

# "+": a space in a form's query string (a number typed with spaces in a search page)
_SEPARATORS = r"[\s+\-_\u2010-\u2015\u2212\u30fc\uff70]"
_NUMBER_LIKE = re.compile(rf"\d(?:{_SEPARATORS}*\d){{11,}}")
REDACTED = "<number>"
LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    if "%" in text:
        text = unquote(text)
    return _NUMBER_LIKE.sub(REDACTED, unicodedata.normalize("NFKC", text))


class RedactNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(record.msg) if isinstance(record.msg, str) else record.msg
        return True


def install() -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactNumbers) for f in logger.filters):
            logger.addFilter(RedactNumbers())
