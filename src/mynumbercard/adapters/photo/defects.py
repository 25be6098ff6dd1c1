"""What a photo check finds: a defect with its measure, its threshold and plain messages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mynumbercard.domain.photo import SEVERITY, PhotoDefect, PhotoFinding, Severity

__all__ = ["SEVERITY", "Defect", "PhotoReport", "Severity"]

# The codes and their severities are the domain's (domain/photo.py): a hard defect stops
# the submission; a soft one is submitted with a warning and shown to the reviewer.


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
        return SEVERITY[PhotoDefect(self.code)]

    def finding(self) -> PhotoFinding:
        """The finding as the application keeps it."""
        return PhotoFinding.of(self.code, value=self.value, threshold=self.threshold,
                               message_ja=self.message_ja, message_en=self.message_en)

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
