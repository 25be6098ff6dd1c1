"""What a photo check finds: a defect with its measure, its threshold and plain messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Severity = Literal["hard", "soft"]

# A hard defect stops the submission; a soft one is submitted with a warning and shown to
# the reviewer. Hard: the file is unusable, or no single face can be cropped and verified
# from it. Soft: a reviewer may still accept it (a crop can re-centre a face, a cluttered
# background can be judged acceptable by eye). See docs/photo.md.
SEVERITY: Mapping[str, Severity] = {
    "format": "hard",
    "file_size": "hard",
    "resolution": "hard",
    "no_face": "hard",
    "multiple_faces": "hard",
    "too_close": "hard",
    "too_small": "hard",
    "too_dark": "hard",
    "too_bright": "hard",
    "blurred": "hard",
    "off_center": "soft",
    "background": "soft",
}


@dataclass(frozen=True)
class Defect:
    code: str
    value: float | str | None
    threshold: str
    message_ja: str
    message_en: str

    def __post_init__(self) -> None:
        if self.code not in SEVERITY:
            raise ValueError(f"unknown photo defect code {self.code!r}")

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.code]

    @property
    def message(self) -> str:
        """English, then Japanese: what the CLI and the JSON show."""
        return f"{self.message_en} / {self.message_ja}"


@dataclass(frozen=True)
class PhotoReport:
    ok: bool
    defects: tuple[Defect, ...]

    @classmethod
    def of(cls, defects: Iterable[Defect]) -> PhotoReport:
        found = tuple(defects)
        return cls(ok=not any(d.severity == "hard" for d in found), defects=found)

    @property
    def hard(self) -> tuple[Defect, ...]:
        return tuple(d for d in self.defects if d.severity == "hard")

    @property
    def soft(self) -> tuple[Defect, ...]:
        return tuple(d for d in self.defects if d.severity == "soft")
