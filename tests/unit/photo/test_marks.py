"""Where the check looked, for the review desk's drawing: the face and head boxes where the
face is, the edge that cuts a head off, the background beside the person, and nothing for
a file that is not a photo."""

from __future__ import annotations

import io
from importlib.resources import files

from PIL import Image

from mynumbercard.adapters.photo.marks import locate
from mynumbercard.domain.photo import PhotoMarks

PORTRAIT = (files("mynumbercard.generators") / "sample_portrait.jpg").read_bytes()


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_the_face_and_head_of_a_portrait_are_boxed_in_its_middle():
    marks = locate(PORTRAIT)
    assert marks is not None
    assert len(marks.faces) == 1
    face, head = marks.faces[0], marks.head
    assert head is not None
    assert 0.25 < (face.x0 + face.x1) / 2 < 0.75
    assert head.y0 < face.y0 < face.y1 <= head.y1  # the crown is above the face box
    assert marks.cut == ()
    assert marks.background  # the wall beside the head
    for cell in marks.background:  # never over the face
        assert cell.y1 <= face.y0 or cell.x1 <= face.x0 or cell.x0 >= face.x1 \
            or cell.y0 >= face.y1


def test_a_head_cut_by_the_top_edge_is_marked_there():
    portrait = Image.open(io.BytesIO(PORTRAIT))
    width, height = portrait.size
    cropped = portrait.crop((0, int(height * 0.2), width, height))
    marks = locate(_jpeg(cropped))
    assert marks is not None
    assert "top" in marks.cut


def test_a_file_that_is_not_a_photo_has_no_marks_and_a_blank_one_no_face():
    assert locate(b"not an image at all") is None
    blank = locate(_jpeg(Image.new("RGB", (600, 800), "white")))
    assert blank == PhotoMarks((), None, (), ())
