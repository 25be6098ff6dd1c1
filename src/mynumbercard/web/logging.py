"""Keep Individual Numbers out of the access log (they travel in some URL paths)."""

from __future__ import annotations

import logging
import re

_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


def redact(text: str) -> str:
    return _TWELVE_DIGITS.sub("<number>", text)


class RedactNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(record.msg) if isinstance(record.msg, str) else record.msg
        return True


def install() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactNumbers) for f in access.filters):
        access.addFilter(RedactNumbers())
