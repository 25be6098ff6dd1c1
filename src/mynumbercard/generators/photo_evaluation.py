"""The evaluation set of the ID-photo check: real photos from packages, and defects made from them.

A set directory (the repository's is ``tests/photo_eval``) holds ``manifest.json`` and
``sources/``: photos of persons with a segmentation mask each (made once, offline, see the
set's README) and the head's geometry, cluttered scenes, and untouched photos with their
expected defects. The derived cases are built in memory, deterministically:

- ``good``: the person cut out along the mask and laid on a plain, slightly graded wall,
  framed as an ID photo (head 62 % of the height, centred);
- one defect each: ``too_close`` (head at 95 %, or the top of the head cut off),
  ``too_small`` (head at 20 %), ``off_center``, ``background`` (laid on a cluttered scene),
  ``too_dark``, ``too_bright``, ``blurred``, ``resolution`` (shrunk under 480 px),
  ``multiple_faces`` (two persons side by side), ``no_face`` (scenes and a bare wall).

Each case names the codes it must find (``expect``) and those it does not judge
(``ignore``: e.g. the blur measure of a darkened photo, which scales with contrast).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from mynumbercard.adapters.photo.checks import check_photo
from mynumbercard.adapters.photo.defects import SEVERITY

OUT_W, OUT_H = 600, 770  # about 35:45
PLAIN_WALLS = ((226, 228, 230), (206, 218, 236), (236, 234, 226))
ALL_CODES = tuple(SEVERITY)


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    expect: frozenset[str]
    ignore: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Person:
    image: Image.Image
    mask: Image.Image  # L, same size
    centre_x: float
    crown: float
    chin: float


def _encode(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def plain_wall(size: tuple[int, int], seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    w, h = size
    colour = np.array(PLAIN_WALLS[seed % len(PLAIN_WALLS)], dtype=np.float32)
    shade = 1.0 - 0.08 * np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    wall = colour[None, None, :] * shade + rng.normal(0.0, 1.5, (h, w, 3))
    return Image.fromarray(np.clip(wall, 0, 255).astype(np.uint8), "RGB")


def cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale to cover `size`, then crop the middle (a scene behind the person)."""
    scale = max(size[0] / image.width, size[1] / image.height)
    scaled = image.resize(
        (max(size[0], round(image.width * scale)), max(size[1], round(image.height * scale))),
        Image.Resampling.LANCZOS,
    )
    left, top = (scaled.width - size[0]) // 2, (scaled.height - size[1]) // 2
    return scaled.crop((left, top, left + size[0], top + size[1]))


def place(
    canvas: Image.Image, person: Person, *, head: float, centre_x: float, crown_y: float
) -> Image.Image:
    """Lay the person on the canvas: head (crown to chin) `head` of its height, crown at
    `crown_y` and face centre at `centre_x` (fractions of the canvas)."""
    scale = head * canvas.height / (person.chin - person.crown)
    size = (round(person.image.width * scale), round(person.image.height * scale))
    cut = person.image.resize(size, Image.Resampling.LANCZOS)
    alpha = person.mask.resize(size, Image.Resampling.BILINEAR)
    left = round(centre_x * canvas.width - person.centre_x * scale)
    top = round(crown_y * canvas.height - person.crown * scale)
    out = canvas.copy()
    out.paste(cut, (left, top), alpha)
    return out


class EvaluationSet:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))

    def _image(self, relative: str, mode: str = "RGB") -> Image.Image:
        with Image.open(self.directory / relative) as image:
            return image.convert(mode)

    def persons(self) -> dict[str, Person]:
        persons = {}
        for name, spec in self.manifest["persons"].items():
            image = self._image(spec["image"])
            mask = self._image(spec["mask"], "L").resize(image.size, Image.Resampling.BILINEAR)
            persons[name] = Person(image, mask, spec["centre_x"], spec["crown"], spec["chin"])
        return persons

    def good(
        self, person: Person, seed: int, size: tuple[int, int] = (OUT_W, OUT_H)
    ) -> Image.Image:
        return place(plain_wall(size, seed), person, head=0.62, centre_x=0.5, crown_y=0.10)

    def _variants(
        self,
        name: str,
        person: Person,
        good: Image.Image,
        wall: Image.Image,
        scenes: dict[str, Image.Image],
    ) -> Iterator[Case]:
        def case(variant: str, image: Image.Image, expect: set[str], ignore: set[str]) -> Case:
            return Case(f"{name}/{variant}", _encode(image), frozenset(expect), frozenset(ignore))

        not_framing = {"off_center", "background", "blurred"}  # the upscale softens it
        yield case(
            "close",
            place(wall, person, head=0.95, centre_x=0.5, crown_y=0.02),
            {"too_close"},
            not_framing,
        )
        yield case(
            "cut_top",
            place(wall, person, head=0.75, centre_x=0.5, crown_y=-0.22),
            {"too_close"},
            {"off_center", "background"},
        )
        yield case(
            "off_left",
            place(wall, person, head=0.55, centre_x=0.30, crown_y=0.12),
            {"off_center"},
            set(),
        )
        yield case(
            "off_right",
            place(wall, person, head=0.55, centre_x=0.72, crown_y=0.12),
            {"off_center"},
            set(),
        )
        yield case("dark", ImageEnhance.Brightness(good).enhance(0.22), {"too_dark"}, {"blurred"})
        yield case(
            "bright", ImageEnhance.Brightness(good).enhance(1.9), {"too_bright"}, {"blurred"}
        )
        yield case("blurred", good.filter(ImageFilter.GaussianBlur(6)), {"blurred"}, {"background"})
        yield case(
            "shrunk",
            good.resize((360, 462), Image.Resampling.LANCZOS),
            {"resolution"},
            {"too_small", "file_size", "blurred"},
        )
        below_chin = (person.image.height - person.chin) / (person.chin - person.crown)
        if below_chin > 2.6:  # enough body under the chin to fill the frame at 20 %
            yield case(
                "small",
                place(wall, person, head=0.20, centre_x=0.5, crown_y=0.22),
                {"too_small"},
                set(),
            )
        for scene_name, scene in scenes.items():
            on_scene = place(cover(scene, wall.size), person, head=0.62, centre_x=0.5, crown_y=0.10)
            yield case(f"on_{scene_name}", on_scene, {"background"}, set())

    def cases(self) -> Iterator[Case]:
        persons = self.persons()
        scenes = {k: self._image(v) for k, v in self.manifest["backgrounds"].items()}
        size = (OUT_W, OUT_H)
        for seed, (name, person) in enumerate(persons.items()):
            good = self.good(person, seed)
            yield Case(f"{name}/good", _encode(good), frozenset())
            yield from self._variants(name, person, good, plain_wall(size, seed), scenes)
        names = list(persons)
        for i, left in enumerate(names):
            right = names[(i + 1) % len(names)]
            canvas = plain_wall((900, 700), i)
            both = place(canvas, persons[left], head=0.42, centre_x=0.27, crown_y=0.12)
            both = place(both, persons[right], head=0.42, centre_x=0.73, crown_y=0.12)
            yield Case(f"pair/{left}+{right}", _encode(both), frozenset({"multiple_faces"}))
        not_judged = frozenset({"too_dark", "too_bright", "blurred"})
        for scene_name, scene in scenes.items():
            yield Case(
                f"scene/{scene_name}",
                _encode(cover(scene, size)),
                frozenset({"no_face"}),
                not_judged,
            )
        yield Case(
            "scene/bare_wall", _encode(plain_wall(size, 7)), frozenset({"no_face"}), not_judged
        )
        for spec in self.manifest["natural"]:
            yield Case(
                spec["name"],
                (self.directory / spec["image"]).read_bytes(),
                frozenset(spec["expect"]),
                frozenset(spec.get("ignore", ())),
            )


@dataclass(frozen=True)
class Score:
    code: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        present = self.true_positives + self.false_negatives
        return self.true_positives / present if present else 1.0

    @property
    def support(self) -> int:
        return self.true_positives + self.false_negatives


@dataclass(frozen=True)
class Outcome:
    case: Case
    found: frozenset[str]

    @property
    def errors(self) -> tuple[frozenset[str], frozenset[str]]:
        """(missed, spurious), leaving out the codes the case does not judge."""
        missed = self.case.expect - self.found
        spurious = self.found - self.case.expect - self.case.ignore
        return missed, spurious


def evaluate(directory: Path) -> tuple[list[Outcome], list[Score]]:
    outcomes = [
        Outcome(case, frozenset(d.code for d in check_photo(case.data).defects))
        for case in EvaluationSet(directory).cases()
    ]
    scores = []
    for code in ALL_CODES:
        judged = [o for o in outcomes if code not in o.case.ignore]
        tp = sum(code in o.found and code in o.case.expect for o in judged)
        fp = sum(code in o.found and code not in o.case.expect for o in judged)
        fn = sum(code not in o.found and code in o.case.expect for o in judged)
        scores.append(Score(code, tp, fp, fn))
    return outcomes, scores
