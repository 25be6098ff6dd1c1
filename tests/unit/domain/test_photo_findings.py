"""The photo check's findings as the application keeps them: typed codes and severities."""

from __future__ import annotations

import pytest

from mynumbercard.domain.photo import (
    SEVERITY,
    PhotoDefect,
    PhotoFinding,
    Severity,
    refusing,
    warnings,
)


def _finding(code: str) -> PhotoFinding:
    return PhotoFinding.of(code, value=1.0, threshold="t", message_ja="ja", message_en="en")


def test_every_code_has_a_severity_and_only_framing_and_background_are_soft() -> None:
    assert set(SEVERITY) == set(PhotoDefect)
    assert {code for code, s in SEVERITY.items() if s is Severity.SOFT} == {
        PhotoDefect.OFF_CENTER, PhotoDefect.BACKGROUND}


def test_a_findings_severity_follows_from_its_code() -> None:
    assert _finding("blurred").severity is Severity.HARD
    assert _finding("background").severity is Severity.SOFT


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError, match="not_a_defect"):
        _finding("not_a_defect")


def test_hard_findings_refuse_and_soft_ones_warn() -> None:
    found = (_finding("too_dark"), _finding("off_center"), _finding("format"))
    assert [f.code for f in refusing(found)] == [PhotoDefect.TOO_DARK, PhotoDefect.FORMAT]
    assert [f.code for f in warnings(found)] == [PhotoDefect.OFF_CENTER]
