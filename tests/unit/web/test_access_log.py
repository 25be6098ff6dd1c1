"""The access log never shows an Individual Number, in whatever form it was written."""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest

from mynumbercard.web.logging import RedactNumbers

NUMBER = "123456789018"


def _logged(path: str) -> str:
    """A line as uvicorn's access logger makes it (the path percent-encoded)."""
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:50123", "GET", quote(path, safe="/?=&"), "1.1", 200),
                               None)
    assert RedactNumbers().filter(record)
    return record.getMessage()


@pytest.mark.parametrize("written", [
    NUMBER,
    "1234 5678 9018",
    "1234-5678-9018",
    "１２３４５６７８９０１８",  # full-width digits
    "１２３４－５６７８－９０１８",  # full-width digits and hyphens
    "1234ー5678ー9018",  # the katakana long vowel mark as a dash
    "１２３４ 5678-９０１８",  # mixed
    "1234\u20105678\u22129018",  # hyphen, minus sign
    "1234+5678+9018",  # spaces as a form's GET query writes them (the staff search page)
])
@pytest.mark.parametrize("where", ["/api/v1/numbers/{}/validity", "/api/v1/residents?number={}"])
def test_a_number_in_any_written_form_is_redacted(written: str, where: str):
    line = _logged(where.format(written))
    assert "<number>" in line
    digits = "".join(c for c in line if c.isdigit())
    assert "56789" not in digits  # nothing of the number's middle is left
    assert "5678" not in line
    assert "５６７８" not in line


def test_the_rest_of_the_line_is_kept():
    line = _logged("/api/v1/residents/42/move")
    assert line == '127.0.0.1:50123 - "GET /api/v1/residents/42/move HTTP/1.1" 200'
