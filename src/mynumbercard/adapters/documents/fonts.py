"""The Japanese font the letters are set in: IPAex Gothic, shipped by a PyPI package.

IPAexゴシック (``ipaexg.ttf``, TrueType outlines, IPA Font License v1.0) comes inside
the ``matplotlib-fontja`` wheel, so ``pip install`` puts it on every fresh machine; no
system font package is needed. The package is located without importing it (its
``__init__`` would import matplotlib and touch matplotlib's font cache).

reportlab embeds only the glyphs a PDF uses (a subset, ``FontFile2``), so a letter
stays small whatever the size of the font file.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_PACKAGE = "matplotlib_fontja"
FONT_FILE = "fonts/ipaexg.ttf"
FONT_NAME = "IPAexGothic"


class FontMissing(RuntimeError):
    """The font file is not installed (the package is missing or was repackaged)."""


def ipaex_gothic_path() -> Path:
    """Where ``ipaexg.ttf`` is installed; raises ``FontMissing`` with the fix if absent."""
    spec = importlib.util.find_spec(FONT_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / FONT_FILE
        if path.is_file():
            return path
    raise FontMissing(
        f"IPAex Gothic not found: install the {FONT_PACKAGE.replace('_', '-')} package "
        "(pip install -e . does it)"
    )


@cache
def register_font(path: Path | None = None) -> str:
    """Registers the font with reportlab once per process; returns the name to set text in.

    ``path`` selects another TrueType font with Japanese glyphs (``None``: IPAex Gothic).
    """
    font_path = path or ipaex_gothic_path()
    name = FONT_NAME if path is None else f"Letters-{font_path.stem}"
    pdfmetrics.registerFont(TTFont(name, str(font_path)))
    return name
