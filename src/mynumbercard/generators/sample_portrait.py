"""A real portrait that passes every check, for the demo data (`make run`).

Made once with `EvaluationSet.good` from `biden.jpg` of the evaluation set (the
face_recognition 1.3.0 sdist, MIT; an official White House photo), placed on a plain
wall at the usual head ratio. See tests/photo_eval/README.md for the source.
"""

from __future__ import annotations

from importlib.resources import files


def sample_portrait() -> bytes:
    return files("mynumbercard.generators").joinpath("sample_portrait.jpg").read_bytes()
