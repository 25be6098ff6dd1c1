"""The widened evaluation of the ID-photo check: many varied photos per person, in two splits.

From each person of the evaluation set (``tests/photo_eval``: real photos shipped in
packages, cut out along a segmentation mask) this draws, from a seeded generator:

- **compliant** photos: a plain wall of a drawn light colour, shading and noise; the head
  55-70 % of the height, the face within 4 % of the middle, the crown 6-14 % from the top,
  exposure ×0.88-1.08 (more blows out a pale face on a white wall), JPEG quality 75-95,
  sized so that the head has at least 400 px and the width 520 px, and the person is
  never upscaled more than 1.5× (a phone photo is sharp);
- **defective** photos, each made to carry one named defect: too close (head 88-100 %) or
  the head cut at the top, too small (head at 20 % where the body allows), off centre,
  on a cluttered scene, darkened, brightened, blurred, shrunk, two people.

The **tuning** split holds the persons and scenes that the thresholds were set on; the
**held-out** split (``manifest.json``'s ``held_out``) holds persons and scenes that no
threshold or rule was set while looking at. Figures: the share of compliant photos that
pass without any finding, and the share of defective photos whose defect is named, each
with its Wilson 95 % interval. The photos of one person are not independent: the interval
is on photos, and the number of distinct people is reported beside it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from mynumbercard.adapters.photo.checks import check_photo
from mynumbercard.generators.photo_evaluation import (
    Case,
    EvaluationSet,
    Person,
    _encode,
    cover,
    place,
)
from mynumbercard.generators.photo_people import people

COMPLIANT_PER_PERSON = 12
DRAWS_PER_DEFECT = 1
SCENES_PER_PERSON = 3  # cluttered scenes drawn for each person among the split's
WALLS = ((228, 230, 232), (210, 222, 238), (238, 236, 226), (245, 245, 245), (200, 210, 220))
ASPECT = 770 / 600  # height / width, about 45:35
MIN_HEAD_PX = 400  # the check asks for 363 px (a 35x45 crop at least 480 px tall)
MIN_WIDTH = 520  # the check asks for 480 px a side
MAX_UPSCALE = 1.5
Z95 = 1.959964


@dataclass(frozen=True)
class Split:
    name: str
    persons: dict[str, Person]
    scenes: dict[str, Image.Image]
    natural: tuple[dict[str, Any], ...]


def splits(directory: Path, group_photos: Path | None = None) -> dict[str, Split]:
    """The tuning split (the set's persons and scenes) and the held-out one, with the
    people of the package's group photos (photo_people.py) when `group_photos` is given."""
    base = EvaluationSet(directory)
    held = base.manifest["held_out"]
    held_persons = _persons(base, held["persons"])
    if group_photos is not None:
        held_persons.update(people(group_photos))
    return {
        "tuning": Split(
            "tuning",
            base.persons(),
            {k: base._image(v) for k, v in base.manifest["backgrounds"].items()},
            tuple(base.manifest["natural"]),
        ),
        "held_out": Split(
            "held_out",
            held_persons,
            {k: base._image(v) for k, v in held["backgrounds"].items()},
            tuple(held["natural"]),
        ),
    }


def _persons(base: EvaluationSet, specs: dict[str, Any]) -> dict[str, Person]:
    persons = {}
    for name, spec in specs.items():
        image = base._image(spec["image"])
        mask = base._image(spec["mask"], "L").resize(image.size, Image.Resampling.BILINEAR)
        persons[name] = Person(image, mask, spec["centre_x"], spec["crown"], spec["chin"])
    return persons


def wall(size: tuple[int, int], rng: np.random.Generator) -> Image.Image:
    w, h = size
    colour = np.array(WALLS[int(rng.integers(len(WALLS)))], dtype=np.float32)
    colour += rng.normal(0.0, 4.0, 3)
    slope = rng.uniform(0.0, 0.12)
    sideways = rng.uniform(-0.05, 0.05)
    ys = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    xs = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :, None]
    shade = 1.0 - slope * ys - sideways * xs
    noisy = colour[None, None, :] * shade + rng.normal(0.0, rng.uniform(0.8, 2.5), (h, w, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def _size(person: Person, head: float, rng: np.random.Generator) -> tuple[int, int]:
    """A frame in which the head measures at least MIN_HEAD_PX and the person is upscaled
    at most MAX_UPSCALE (more would blur it, as no phone photo is)."""
    source_head = person.chin - person.crown
    head_px = rng.uniform(MIN_HEAD_PX, max(MIN_HEAD_PX + 10, MAX_UPSCALE * source_head))
    height = max(round(head_px / head), round(MIN_WIDTH * ASPECT))
    return round(height / ASPECT), height


def compliant(person: Person, rng: np.random.Generator) -> tuple[Image.Image, int]:
    head = rng.uniform(0.55, 0.70)
    size = _size(person, head, rng)
    crown_y = rng.uniform(0.06, 0.14)
    image = place(wall(size, rng), person, head=head, centre_x=0.5 + rng.uniform(-0.04, 0.04),
                  crown_y=crown_y)
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.88, 1.08))
    return image, int(rng.integers(75, 96))


def _case(name: str, image: Image.Image, expect: Collection[str],
          ignore: Collection[str] = (), quality: int = 90) -> Case:
    return Case(name, _encode(image, quality), frozenset(expect), frozenset(ignore))


def defective(name: str, person: Person, split: Split, rng: np.random.Generator) -> Iterator[Case]:
    """Photos each made to carry one defect (the codes they do not judge are ignored)."""
    for k in range(DRAWS_PER_DEFECT):
        good, _ = compliant(person, rng)
        size = good.size
        head = rng.uniform(0.88, 1.0)
        yield _case(f"{name}/close{k}", place(wall(size, rng), person, head=head,
                    centre_x=0.5, crown_y=rng.uniform(0.0, 0.03)),
                    {"too_close"}, {"off_center", "background", "blurred"})
        yield _case(f"{name}/cut_top{k}", place(wall(size, rng), person, head=rng.uniform(0.7, 0.8),
                    centre_x=0.5, crown_y=rng.uniform(-0.25, -0.10)),
                    {"too_close"}, {"off_center", "background", "blurred"})
        side = rng.uniform(0.24, 0.33) if k % 2 == 0 else rng.uniform(0.67, 0.76)
        yield _case(f"{name}/off_center{k}", place(wall(size, rng), person, head=0.55,
                    centre_x=side, crown_y=0.12), {"off_center"})
        dark = ImageEnhance.Brightness(good).enhance(rng.uniform(0.15, 0.25))
        yield _case(f"{name}/dark{k}", dark, {"too_dark"}, {"blurred"})
        bright = ImageEnhance.Brightness(good).enhance(rng.uniform(1.9, 2.2))
        yield _case(f"{name}/bright{k}", bright, {"too_bright"}, {"blurred"})
        sigma = rng.uniform(0.009, 0.014) * size[0]
        yield _case(f"{name}/blurred{k}", good.filter(ImageFilter.GaussianBlur(sigma)),
                    {"blurred"}, {"background"})
        shrunk = good.resize((360, round(360 * ASPECT)), Image.Resampling.LANCZOS)
        yield _case(f"{name}/shrunk{k}", shrunk, {"resolution"},
                    {"too_small", "file_size", "blurred"})
    names = sorted(split.scenes)
    drawn = rng.choice(len(names), size=min(SCENES_PER_PERSON, len(names)), replace=False)
    for scene_name in (names[int(i)] for i in drawn):
        scene = split.scenes[scene_name]
        good, quality = compliant(person, rng)
        size = good.size
        on_scene = place(cover(scene, size), person, head=rng.uniform(0.55, 0.68), centre_x=0.5,
                         crown_y=rng.uniform(0.07, 0.13))
        yield _case(f"{name}/on_{scene_name}", on_scene, {"background"}, quality=quality)
    below_chin = (person.image.height - person.chin) / (person.chin - person.crown)
    if below_chin > 2.6:
        size = (900, 1155)
        yield _case(f"{name}/small", place(wall(size, rng), person, head=0.20, centre_x=0.5,
                    crown_y=0.22), {"too_small"})
    pair = wall((1200, 930), rng)
    pair = place(pair, person, head=0.42, centre_x=0.27, crown_y=0.12)
    other = _mirrored(person)
    pair = place(pair, other, head=0.42, centre_x=0.73, crown_y=0.12)
    yield _case(f"{name}/pair", pair, {"multiple_faces"})


def _mirrored(person: Person) -> Person:
    """The same person, mirrored: a second face beside the first."""
    return Person(ImageOps.mirror(person.image), ImageOps.mirror(person.mask),
                  person.image.width - person.centre_x, person.crown, person.chin)


def cases(split: Split, directory: Path, seed: int = 2026) -> Iterator[Case]:
    for index, (name, person) in enumerate(split.persons.items()):
        rng = np.random.default_rng([seed, index, len(split.name)])
        for k in range(COMPLIANT_PER_PERSON):
            image, quality = compliant(person, rng)
            yield _case(f"{name}/compliant{k:02d}", image, set(), quality=quality)
        yield from defective(name, person, split, rng)
    for spec in split.natural:
        yield Case(spec["name"], (directory / spec["image"]).read_bytes(),
                   frozenset(spec["expect"]), frozenset(spec.get("ignore", ())))


def wilson(successes: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default)."""
    if total == 0:
        return (0.0, 1.0)
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Rate:
    hits: int
    total: int

    @property
    def share(self) -> float:
        return self.hits / self.total if self.total else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.hits, self.total)


@dataclass(frozen=True)
class Outcome:
    name: str  # "<person>/<variant>", or "natural/<photo>"
    expect: frozenset[str]
    found: frozenset[str]


@dataclass(frozen=True)
class SplitReport:
    split: str
    photos: int
    people: int  # distinct people (a mirrored copy is not another person)
    clean_pass: Rate  # compliant photos that pass without any finding
    named: Rate  # defective photos whose defect is among the findings
    false_alarms: tuple[tuple[str, frozenset[str]], ...]  # compliant photos with findings
    missed: tuple[tuple[str, frozenset[str]], ...]  # defective photos, what was missed
    outcomes: tuple[Outcome, ...] = ()

    def part(self, prefix: str) -> SplitReport:
        """The same figures on the photos of the people whose name starts with `prefix`."""
        return summarise(f"{self.split}:{prefix}*",
                         [o for o in self.outcomes if o.name.startswith(prefix)])


def report(directory: Path, split_name: str, group_photos: Path | None = None) -> SplitReport:
    """Check every photo of a split once. `group_photos`: the directory `make photo-eval`
    fills (or the first package's archive alone)."""
    split = splits(directory, group_photos)[split_name]
    outcomes = [
        Outcome(case.name, case.expect, frozenset(d.code for d in check_photo(case.data).defects))
        for case in cases(split, directory)
    ]
    return summarise(split_name, outcomes)


def summarise(split_name: str, outcomes: list[Outcome]) -> SplitReport:
    clean = named = compliant_n = defective_n = 0
    alarms: list[tuple[str, frozenset[str]]] = []
    missed: list[tuple[str, frozenset[str]]] = []
    for outcome in outcomes:
        if not outcome.expect:
            compliant_n += 1
            clean += not outcome.found
            if outcome.found:
                alarms.append((outcome.name, outcome.found))
        else:
            defective_n += 1
            lacking = outcome.expect - outcome.found
            named += not lacking
            if lacking:
                missed.append((outcome.name, lacking))
    people = len({_person_of(o.name.split("/")[0]) for o in outcomes
                  if not o.name.startswith("natural/")})
    return SplitReport(split_name, len(outcomes), people, Rate(clean, compliant_n),
                       Rate(named, defective_n), tuple(alarms), tuple(missed), tuple(outcomes))


def _person_of(name: str) -> str:
    """Distinct people: the set's persons named after one person's several photos
    (obama_arms, obama_speech...); each face of the group photos is its own person."""
    return name if "_face" in name else name.split("_", maxsplit=1)[0]
